"""The public site's submissions and business applications (/submit/, /apply/): thin views over
portal.forms, portal.limits, portal.uploads and portal.services (docs/portal.md)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from griddesk.business.selectors import business_item, business_items
from griddesk.orders.models import OrderType
from griddesk.portal import limits, promises, services, uploads
from griddesk.portal.submit_forms import ApplicationForm, SubmitForm


def _kinds():
    """(kind, title, hint) of each submission page, listed on /submit/."""
    return [
        (OrderType.REPAIR, gettext_lazy("故障报修"), gettext_lazy("停电、电压异常、线路或表计故障（规则 R-1、C-8）。")),
        (OrderType.COMPLAINT, gettext_lazy("投诉"), gettext_lazy("对供电服务不满意；可匿名（规则 K-3、K-7）。")),
        (OrderType.REPORT, gettext_lazy("举报"),
         gettext_lazy("举报违规违纪、窃电等；可匿名，身份严格保密（规则 K-7）。")),
        (OrderType.CONSULTATION, gettext_lazy("咨询"), gettext_lazy("用电业务、电价政策、办事流程。")),
        (OrderType.OPINION, gettext_lazy("意见"), gettext_lazy("对供电服务的意见。")),
        (OrderType.SUGGESTION, gettext_lazy("建议"), gettext_lazy("改进供电服务的建议。")),
        (OrderType.PRAISE, gettext_lazy("表扬"), gettext_lazy("表扬供电员工和班组。")),
    ]


def _kind_page(kind):
    return next(((k, title, hint) for k, title, hint in _kinds() if k == kind), None)


def submit_index(request):
    """我要办: every submission and every business of the catalogue (rules C-2, W-3)."""
    return render(request, "portal/submit_index.html", {"kinds": _kinds(), "items": business_items()})


def _page(request, template, context, status=200):
    """Render a form page with the upload limits it states (settings, docs/portal.md)."""
    context = {**context, "upload_size": uploads.size_text(settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES),
               "upload_files": settings.GRIDDESK_PORTAL_UPLOAD_MAX_FILES}
    return render(request, template, context, status=status)


def _limited(request, error):
    return render(request, "portal/limited.html", {"message": str(error)}, status=429)


def _refused(request):
    """A POST refused before its body is read (too large, 413) or counted over a limit (429); else None."""
    too_large = uploads.body_too_large(request)
    if too_large:
        return render(request, "portal/limited.html", {"message": too_large, "too_large": True}, status=413)
    try:
        limits.limits_check(request=request, phone=request.POST.get("phone", ""))
    except limits.LimitExceeded as error:
        return _limited(request, error)
    return None


def _files(request, name):
    return request.FILES.getlist(name)


def _apply_service_errors(form, error):
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_http_methods(["GET", "POST"])
def submit_form(request, kind):
    """One submission page (rules C-2, K-2): the order is accepted through the hotline's services,
    channel website; the answer gives its number and the deadline that applies."""
    page = _kind_page(kind)
    if page is None:
        raise Http404(_("没有这类网上诉求。"))
    if request.method == "GET":
        return _page(request, "portal/submit_form.html", {"form": SubmitForm(kind=kind), "page": page})
    refused = _refused(request)
    if refused:
        return refused
    form = SubmitForm(request.POST, request.FILES, kind=kind)
    order = _accepted(request, form, "attachments", lambda data, checked: services.website_submit(
        kind=kind, title=data["title"], description=data["description"], name=data["name"],
        phone=data["phone"], contact=data.get("contact", ""), account_no=data["account_no"],
        county=data.get("county", ""), anonymous=data.get("anonymous", False), uploads=checked))
    if order is not None:
        return render(request, "portal/submit_done.html",
                      {"order": order, "page": page, "promises": promises.promises_of(order)})
    return _page(request, "portal/submit_form.html", {"form": form, "page": page}, status=400)


def _accepted(request, form, upload_field, take):
    """What every public form does with a POST: its fields, the challenge, the uploads, then the
    service (`take(cleaned_data, checked_uploads)`); the order, or None with the errors on the form."""
    valid = form.is_valid()
    form.check_challenge(request.POST)
    checked, problem = uploads.uploads_check(_files(request, upload_field))
    if problem:
        form.add_error(upload_field, problem)
    if valid and not form.errors:
        try:
            return take(form.cleaned_data, checked)
        except ValidationError as error:
            _apply_service_errors(form, error)
    form.mark_errors()
    return None


def apply_index(request):
    """业务办理: the catalogue, each business with its documents, steps, fees and deadlines (W-3, H-6)."""
    return render(request, "portal/apply_index.html", {"items": business_items()})


@require_http_methods(["GET", "POST"])
def apply_form(request, code):
    """A business application (rules W-3, H-6, H-7): the catalogue's instructions beside the form,
    each error next to its field; a valid one enters the six-stage application workflow."""
    item = business_item(code)
    if item is None:
        raise Http404(_("没有这项业务。"))
    if request.method == "GET":
        return _page(request, "portal/apply_form.html", {"form": ApplicationForm(item=item), "item": item})
    refused = _refused(request)
    if refused:
        return refused
    form = ApplicationForm(request.POST, request.FILES, item=item)
    order = _accepted(request, form, "documents", lambda data, checked: services.website_apply(
        item=item, name=data["name"], phone=data["phone"], address=data.get("address", ""),
        account_no=data.get("account_no", ""), county=data.get("county", ""),
        capacity_kva=data.get("capacity_kva"), description=data.get("description", ""), uploads=checked))
    if order is not None:
        return render(request, "portal/submit_done.html",
                      {"order": order, "item": item, "promises": promises.promises_of(order)})
    return _page(request, "portal/apply_form.html", {"form": form, "item": item}, status=400)
