"""Agent console views (坐席工作台): thin — parse, call a selector or service, render.

Every service error (ValidationError, PermissionDenied, TransitionRefused, ConcurrentUpdate)
becomes a message on the page, never a 500; an order or customer out of the user's scope is 404.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.api.services import call_outcome_record
from griddesk.billing.selectors import bills_of
from griddesk.calendar.selectors import dashboard_calendar_warnings
from griddesk.console import forms, pickers, selectors
from griddesk.console.actions import ACTIONS
from griddesk.console.showing import shown_recently, shown_remember
from griddesk.console.storm import storm_prompt_links
from griddesk.customers.lookup import caller_card, caller_lookup, customer_for_caller
from griddesk.kb.services import replies_filled
from griddesk.orders import disclosure
from griddesk.orders import services as order_services
from griddesk.orders.models import Evidence, OrderType, ReminderKind
from griddesk.orders.services import ConcurrentUpdate
from griddesk.orders.workflows import TransitionRefused, transitions_of
from griddesk.orgs.models import RoleCode

LOOKUP_LIMIT = 20
SERVICE_ERRORS = (ValidationError, PermissionDenied, TransitionRefused, ConcurrentUpdate)
INTAKE_ROLES = (RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.BACK_OFFICE)


def error_text(error):
    """One readable sentence from any service error."""
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error) or _("无权执行该操作。")


# Who is told that a year's holiday data is missing, and sent to the admin page that fixes it (desk item 6).
CALENDAR_WARNED_ROLES = (RoleCode.ADMINISTRATOR, RoleCode.SHIFT_LEADER)


def crew_only(user):
    """A repair crew member with no desk role: their page is the crew's task list (desk item 4)."""
    from griddesk.console.queues import ROLE_QUEUES

    return user.has_role(RoleCode.REPAIR_CREW) and not user.is_superuser and not any(
        user.has_role(role) for role, _title, _defaults in ROLE_QUEUES)


class LoginView(auth_views.LoginView):
    """The console's login: crews land on their task list, everyone else on the desk (or `next`)."""

    template_name = "console/login.html"

    def get_success_url(self):
        if not self.get_redirect_url() and crew_only(self.request.user):
            return reverse("console:crew:list")
        return super().get_success_url()


@login_required
def home(request):
    """The desk (工作台); its counts, desk and inbox refresh themselves (`#home-live`, htmx)."""
    if crew_only(request.user):
        return redirect("console:crew:list")
    context = selectors.dashboard_for(request.user)
    context.update(selectors.inbox_for(request.user))
    context.update(selectors.desk_for(request.user))  # the desk's open work (console/_desk.html)
    context["poll_seconds"] = settings.GRIDDESK_QUEUE_POLL_SECONDS
    if request.htmx:
        return render(request, "console/home.html#live", context)
    if request.user.has_role(*CALENDAR_WARNED_ROLES):
        context["calendar_warnings"] = dashboard_calendar_warnings()
        context["calendar_admin_url"] = reverse("admin:calendar_calendaryear_changelist")
    if request.user.has_role(RoleCode.SHIFT_LEADER):  # rule R-3: many outages at once, declare storm mode?
        context["storm_prompts"] = storm_prompt_links(request.user)
    return render(request, "console/home.html", context)


# ---------------------------------------------------------------- caller look-up and caller page


@login_required
def caller_search(request):
    """One box: phone, account number or address; results as you type (htmx)."""
    form = forms.LookupForm(request.GET)
    query = form.data.get("q", "")[:100]
    results = caller_lookup(query=query, user=request.user, limit=LOOKUP_LIMIT)
    context = {"form": form, "query": query, "results": results, "outcome_form": forms.OutcomeForm(),
               "limit": LOOKUP_LIMIT, "hotkeys": _hotkeys(), "can_intake": request.user.has_role(*INTAKE_ROLES)}
    if request.htmx:
        return render(request, "console/caller_lookup.html#results", context)
    return render(request, "console/caller_lookup.html", context)


CALLER_BILLS = 3  # the latest bills on the caller page


@login_required
def caller_page(request, account_no):
    """The caller page; personal data masked for roles whose work does not need it (orders.disclosure)."""
    customer = customer_for_caller(account_no=account_no, user=request.user)
    if customer is None:
        raise Http404(_("没有找到该户号，或不在您的管辖范围内。"))
    card = caller_card(customer=customer, user=request.user)
    view = disclosure.customer_view(customer, request.user,
                                    reveal=shown_recently(request, "customer", account_no))
    full = view.access == disclosure.Access.FULL
    return render(request, "console/caller.html", {
        "card": card, "customer": customer, "view": view, "hotkeys": _hotkeys(),
        "can_intake": request.user.has_role(*INTAKE_ROLES),
        "bills": bills_of(customer, months=CALLER_BILLS),  # rules B-1, B-2: one query
        "outcome_form": forms.OutcomeForm(initial={"caller_phone": customer.phone if full else ""}),
    })


@login_required
@require_POST
def caller_reveal(request, account_no):
    """"Show" the masked customer data: audited on the customer (order_services.customer_reveal)."""
    customer = customer_for_caller(account_no=account_no, user=request.user)
    if customer is None:
        raise Http404(_("没有找到该户号，或不在您的管辖范围内。"))
    order_services.customer_reveal(customer=customer, actor=request.user)
    shown_remember(request, "customer", account_no)
    return redirect("console:caller", account_no=account_no)


def _hotkeys():
    labels = dict(OrderType.choices)
    return [(key, value, labels[value]) for key, value in forms.HOTKEYS]


@login_required
@require_POST
def caller_outcome(request):
    """A call without an order: wrong number, or harassment to the shift leader (rule C-10)."""
    form = forms.OutcomeForm(request.POST)
    if form.is_valid():
        try:
            call_outcome_record(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已记录来电结果：%s") % dict(form.fields["outcome"].choices)[
                form.cleaned_data["outcome"]])
    else:
        messages.error(request, _("来电结果未记录：%s") % _form_errors(form))
    return redirect(_safe_next(request, reverse("console:caller_search")))


# ---------------------------------------------------------------- new order with read-back (C-5)


@login_required
def order_new(request):
    """Create any order type (rule C-1): form, read-back (rule C-5), save."""
    if not request.user.has_role(*INTAKE_ROLES):
        raise PermissionDenied(_("只有座席、值长和处理部门可以受理工单。"))
    source = request.POST if request.method == "POST" else request.GET
    customer = None
    if source.get("customer"):
        customer = customer_for_caller(account_no=source["customer"], user=request.user)
        if customer is None:
            raise Http404(_("没有找到该户号，或不在您的管辖范围内。"))
    if request.method != "POST":
        form = forms.IntakeForm(initial=_intake_initial(request.GET, customer))
        return _render_intake(request, form, customer)
    form = forms.IntakeForm(request.POST)
    if "edit" in request.POST or not form.is_valid():
        return _render_intake(request, form, customer)
    if "confirm" not in request.POST:
        return _render_readback(request, form, customer)
    if not form.readback_matches(request.POST.get("readback")):
        messages.warning(request, _("保存前请先向客户复述并确认以下内容（规则 C-5）。"))
        return _render_readback(request, form, customer)
    try:
        order = _create(form, customer, request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        return _render_intake(request, form, customer)
    if order.parent_id:
        messages.warning(request, _("同一事项已有在办工单 %(parent)s：本次来电已记为其子单 %(number)s，"
                                    "并已催办责任人（规则 A-4）。")
                         % {"parent": order.parent.number, "number": order.number})
    else:
        messages.success(request, _("工单已保存，编号 %s。请告知客户。") % order.number)
    return redirect("console:order", number=order.number)


def _intake_initial(params, customer):
    order_type = params.get("type") if params.get("type") in OrderType.values else OrderType.REPAIR
    initial = {"order_type": order_type, "channel": "hotline"}
    if customer is not None:
        initial.update(caller_name=customer.name, caller_phone=customer.phone)
    if params.get("phone"):
        initial["caller_phone"] = params["phone"][:20]
    return initial


def _create(form, customer, user):
    data = form.cleaned_data
    # rules K-7, K-9: the service seals a report's or an anonymous caller's identity, customer included
    return order_services.order_create(
        order_type=data["order_type"], channel=data["channel"], actor=user, customer=customer,
        category=data["category"], received_at=data["received_at"], title=data["title"],
        description=data["description"], caller_name=data["caller_name"],
        caller_phone=data["caller_phone"], fault_side=data["fault_side"],
        anonymous=data["anonymous"], identity=form.identity(), accused=data["accused"],
        application_kind=data["application_kind"], dual_source=data["dual_source"],
    )


def _render_intake(request, form, customer):
    card = caller_card(customer=customer, user=request.user) if customer is not None else None
    view = disclosure.customer_view(customer, request.user) if customer is not None else None
    return render(request, "console/order_new.html", {
        "form": form, "customer": customer, "card": card, "view": view, "hotkeys": _hotkeys(),
        "categories": pickers.category_tree(),  # rule A-1's complaint classes, trees in order
        "replies": replies_filled(user=request.user),  # 标准话术 for the details (kb): no order yet
    })


def _render_readback(request, form, customer):
    data = form.cleaned_data
    return render(request, "console/order_readback.html", {
        "form": form, "customer": customer, "readback": form.readback_token(),
        "order_type_label": dict(OrderType.choices)[data["order_type"]],
        "is_sealed": disclosure.sealed_kind(data["order_type"], data["anonymous"]),
        "summary": _summary(form),
    })


def _summary(form):
    """(label, text) rows read back to the caller; hidden fields and blanks left out."""
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False, []):
            continue
        if isinstance(value, list):
            value = "、".join(str(item) for item in value)
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        if value is True:
            value = _("是")
        elif isinstance(value, datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        rows.append((field.label, value))
    return rows


# ---------------------------------------------------------------- the order page and its actions


def _order_or_404(request, number):
    order = selectors.order_for(user=request.user, number=number)
    if order is None:
        raise Http404(_("没有找到工单 %s，或不在您的管辖范围内。") % number)
    return order


@login_required
def order_page(request, number):
    order = _order_or_404(request, number)
    person = None
    if shown_recently(request, "person", number):
        person = disclosure.person_of(order, request.user, reveal=True)  # audited when shown (order_person)
    context = selectors.order_page(order=order, user=request.user, person=person)
    context.update(_action_forms(request, order, context["actions"]))
    # issue 3: an open-ended pause is only ever "waiting on the customer" (a storm's pause has its end)
    context["waiting_on_customer"] = next((c for c in context["clocks"] if c.status == "paused"), None)
    if context["may_open_identity"] and shown_recently(request, "identity", number):
        context.update(identity_opened=True, opened_identity=selectors.sealed_identity_of(order))
    return render(request, "console/order.html", context)


def _action_forms(request, order, actions):
    forms_by_action = []
    for transition in actions:
        form_class, _run = ACTIONS[transition.action]
        kwargs = {"departments": selectors.forward_targets(request.user)} if transition.action == "forward" else {}
        form = form_class(initial={"version": order.version}, prefix=transition.action, **kwargs)
        forms_by_action.append((transition, form))
    return {"action_forms": forms_by_action, "reminder_form": forms.ReminderForm(prefix="reminder"),
            # 标准话术 for the free-text fields, placeholders filled from this order and agent (kb)
            "replies": replies_filled(user=request.user, order=order) if forms_by_action else [],
            "evidence_form": forms.EvidenceForm(prefix="evidence"),
            "identity_form": forms.IdentityOpenForm(prefix="identity"),
            "accuse_form": forms.AccuseForm(prefix="accuse", orgs=selectors.accuse_targets())}


@login_required
@require_POST
def order_action(request, number, action):
    """One workflow action, with the version the form was read at (optimistic concurrency)."""
    order = _order_or_404(request, number)
    if action not in ACTIONS:
        raise Http404(_("未知的操作：%s") % action)
    form_class, run = ACTIONS[action]
    kwargs = {"departments": selectors.forward_targets(request.user)} if action == "forward" else {}
    form = form_class(request.POST, request.FILES, prefix=action, **kwargs)
    if not form.is_valid():
        messages.error(request, _("未执行：%s") % _form_errors(form))
        return redirect("console:order", number=number)
    try:
        run(order, request.user, form.cleaned_data, form.cleaned_data["version"])
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已完成：%s") % _action_label(order, action))
    return redirect("console:order", number=number)


def _action_label(order, action):
    return next((str(t.label) for t in transitions_of(order.order_type) if t.action == action), action)


@login_required
@require_POST
def order_reminder(request, number):
    """催办 to whoever holds the order now, or 督办 to the supervisor above that desk, each with its own
    deadline (rule K-6): routed by the service (orders.reminders), the owner of record copied."""
    order = _order_or_404(request, number)
    form = forms.ReminderForm(request.POST, prefix="reminder")
    if not form.is_valid():
        messages.error(request, _("未发送：%s") % _form_errors(form))
        return redirect("console:order", number=number)
    data = form.cleaned_data
    supervise = data["kind"] == ReminderKind.SUPERVISE
    try:
        reminder = order_services.reminder_send(order=order, kind=data["kind"], actor=request.user,
                                                reason=data["reason"], due_at=data["due_at"])
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        desk = reminder.to_user or reminder.to_crew or reminder.to_org or "—"
        messages.success(request, (_("已督办：%s") if supervise else _("已催办：%s")) % desk)
    return redirect("console:order", number=number)


@login_required
@require_POST
def order_evidence(request, number):
    order = _order_or_404(request, number)
    form = forms.EvidenceForm(request.POST, request.FILES, prefix="evidence")
    if not form.is_valid():
        messages.error(request, _("未上传：%s") % _form_errors(form))
        return redirect("console:order", number=number)
    try:
        evidence = order_services.evidence_attach(order=order, actor=request.user, file=form.cleaned_data["file"],
                                   note=form.cleaned_data["note"])
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("附件已上传（SHA-256 %s…）。") % evidence.sha256[:12])
    return redirect("console:order", number=number)


@login_required
def order_evidence_file(request, number, pk):
    """Download one evidence file of an order the user may read (disclosure.order_readable, via
    `_order_or_404`): audited (who, which file), offered as an attachment under its own name with the
    content type it was uploaded as; any other order's file, a missing one or one stored outside the
    media directory is 404."""
    order = _order_or_404(request, number)
    try:
        evidence, handle = order_services.evidence_download(order=order, evidence_id=pk, actor=request.user)
    except Evidence.DoesNotExist:
        raise Http404(_("没有找到该附件。")) from None
    return FileResponse(handle, as_attachment=True, filename=order_services.evidence_filename(evidence),
                        content_type=evidence.content_type)


@login_required
@require_POST
def order_identity(request, number):
    """Open a sealed reporter identity (rules K-7, K-9): audited; shown in this response only."""
    order = _order_or_404(request, number)
    form = forms.IdentityOpenForm(request.POST, prefix="identity")
    if not form.is_valid():
        messages.error(request, _("未查看：%s") % _form_errors(form))
        return redirect("console:order", number=number)
    try:
        order_services.identity_open(order=order, actor=request.user, purpose=form.cleaned_data["purpose"])
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        return redirect("console:order", number=number)
    shown_remember(request, "identity", number)  # audited once, here; the page shows it for a while
    return redirect("console:order", number=number)


@login_required
@require_POST
def order_person(request, number):
    """"Show" the masked person behind an order: audited (rules K-7, K-9 still apply), then shown a while."""
    order = _order_or_404(request, number)
    try:
        order_services.person_reveal(order=order, actor=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        return redirect("console:order", number=number)
    shown_remember(request, "person", number)
    return redirect("console:order", number=number)


@login_required
@require_POST
def order_accuse(request, number):
    """Record a unit the complaint or report is about (rule K-9)."""
    order = _order_or_404(request, number)
    form = forms.AccuseForm(request.POST, prefix="accuse", orgs=selectors.accuse_targets())
    if not form.is_valid():
        messages.error(request, _("未记录：%s") % _form_errors(form))
        return redirect("console:order", number=number)
    try:
        order_services.order_accuse(order=order, actor=request.user, org=form.cleaned_data["org"],
                                    note=form.cleaned_data["note"])
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        return redirect("console:order", number=number)
    messages.success(request, _("已记录被投诉/举报单位：%s") % form.cleaned_data["org"])
    if disclosure.order_readable(order, request.user):
        return redirect("console:order", number=number)
    return redirect("console:home")  # a report about the user's own unit is no longer theirs to read


def _form_errors(form):
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return "；".join(parts)


def _safe_next(request, default):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# ---------------------------------------------------------------- global search in the header (desk item 2)


@login_required
def search_page(request):
    """The header search's results page: the orders the query finds within the user's scope and the
    confidentiality rules (console.search, K-7, K-9); a single hit opens at once."""
    from griddesk.console.search import PAGE_LIMIT, order_search

    result = order_search(user=request.user, query=request.GET.get("q", ""), limit=PAGE_LIMIT)
    if len(result.hits) == 1 and request.GET.get("open"):
        return redirect("console:order", number=result.hits[0].number)
    return render(request, "console/search.html", {"result": result, "limit": PAGE_LIMIT,
                                                   "search_query": result.query})


@login_required
def search_quick(request):
    """The header's drop-down: the first few hits, as the user types (a fragment)."""
    from griddesk.console.search import QUICK_LIMIT, order_search

    result = order_search(user=request.user, query=request.GET.get("q", ""), limit=QUICK_LIMIT)
    return render(request, "console/_search_quick.html", {"result": result, "limit": QUICK_LIMIT})
