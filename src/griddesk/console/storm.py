"""The dispatcher's storm-mode page (恶劣天气模式), rule R-3: declare for an area and span, or lift.

Declaring pauses every running R-2 arrival clock in the area for the part of the
span after it started (outages.services.storm_declare); agents then see the
reason on the caller page and explain the delay.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.console import pickers
from griddesk.console.crew import parse_local_datetime
from griddesk.orders.models import ClockPause
from griddesk.orgs.models import Org, RoleCode
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.outages.models import StormDeclaration
from griddesk.outages.selectors import storm_prompts
from griddesk.outages.services import storm_declare, storm_lift
from griddesk.paths import path_ids

DECLARING_ROLES = (RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.MANAGER)


def storms_for(user, now):
    """Storms not yet over or lifted that the user sees: declared inside the user's subtree,
    or for an org above the user's own (which covers it)."""
    covering = Q(org_id__in=path_ids(user.org.path)) if user.org_id else Q(pk__in=[])
    return (StormDeclaration.objects.filter(orgs_visible_q(user, "org__path") | covering)
            .filter(lifted_at__isnull=True, ends_at__gt=now)
            .select_related("org", "declared_by").order_by("starts_at"))


@login_required
def storm_page(request):
    now = timezone.now()
    # a storm prompt (rule R-3, `storm_prompts`) links here with the org and a reason filled in
    form = {"org": request.GET.get("org", "")[:32], "starts_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "reason": request.GET.get("reason", "")[:200]}
    status = 200
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in form}
        try:
            storm = _declare(request.user, form)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            status = 400
        except PermissionDenied as error:
            messages.error(request, str(error))
            status = 403
        else:
            paused = ClockPause.objects.filter(storm=storm).count()
            messages.success(request, _("已宣布恶劣天气模式：%(org)s，%(n)d 个到达时限（R-2）已暂停计时。")
                             % {"org": storm.org.name, "n": paused})
            return redirect("console:queues:storm")
    can_declare = request.user.has_role(*DECLARING_ROLES)
    context = {
        "storms": storms_for(request.user, now), "form": form, "can_declare": can_declare,
        "storm_prompts": storm_prompt_links(request.user, now) if can_declare else [],
        "orgs": pickers.org_choices(request.user),
    }
    return render(request, "console/queues/storm.html", context, status=status)


def storm_prompt_links(user, now=None):
    """Rule R-3: where open predicted and confirmed outages have reached GRIDDESK_STORM_PROMPT_OUTAGES,
    the prompt to declare storm mode, each with the declaration form's link prefilled."""
    prompts = storm_prompts(user=user, threshold=settings.GRIDDESK_STORM_PROMPT_OUTAGES, now=now)
    for prompt in prompts:
        reason = _("%(org)s 恶劣天气，%(n)d 处停电") % {"org": prompt.org.name, "n": prompt.outages}
        prompt.threshold = settings.GRIDDESK_STORM_PROMPT_OUTAGES
        prompt.url = reverse("console:queues:storm") + "?" + urlencode({"org": prompt.org.code, "reason": reason})
    return prompts


def _declare(user, form):
    org = Org.objects.filter(orgs_visible_q(user), code=form["org"]).first() if form["org"] else None
    if org is None:
        raise ValidationError({"org": _("请选择您管辖范围内的单位。")})
    starts_at = parse_local_datetime(form["starts_at"], _("开始时间"))
    ends_at = parse_local_datetime(form["ends_at"], _("结束时间"))
    return storm_declare(org=org, starts_at=starts_at, ends_at=ends_at, reason=form["reason"], actor=user)


@login_required
@require_POST
def storm_lift_view(request, pk):
    storm = StormDeclaration.objects.filter(orgs_visible_q(request.user, "org__path"), pk=pk,
                                            lifted_at__isnull=True).select_related("org").first()
    if storm is None:
        raise Http404(_("找不到该恶劣天气模式，或不在您的管辖范围内。"))
    if not request.user.has_role(*DECLARING_ROLES):
        messages.error(request, _("只有调度、值长或管理人员可以解除恶劣天气模式。"))
        return redirect("console:queues:storm")
    storm_lift(storm=storm, actor=request.user)
    messages.success(request, _("已解除：%s，受影响的时限已按实际时长重新计算。") % storm.org.name)
    return redirect("console:queues:storm")
