"""State changes of outages and storm mode."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.orders.clocks import clock_pause, clock_recompute
from griddesk.orders.models import ClockPause, SlaClock
from griddesk.orgs.models import RoleCode
from griddesk.outages.models import StormDeclaration
from griddesk.paths import subtree_q


def storm_declare(*, org, starts_at, ends_at, reason, actor):
    """Declare severe-weather mode for an area and span (rule R-3).

    Every running repair-arrival clock (R-2) in the area is paused for the part of
    the span after it started; clocks started inside the span get the pause when
    they start (orders.clocks). Agents see the reason on the caller page.
    """
    if not actor.has_role(RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.MANAGER):
        raise PermissionDenied(_("只有调度、值长或管理人员可以宣布恶劣天气模式。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写原因（规则 R-3）。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")})
    with transaction.atomic():
        storm = StormDeclaration.objects.create(
            org=org, starts_at=starts_at, ends_at=ends_at, reason=reason, declared_by=actor
        )
        affected = SlaClock.objects.filter(
            subtree_q(org.path, "org__path"), key__startswith="R-2/", stopped_at__isnull=True,
            started_at__lt=ends_at,
        )
        paused = 0
        for clock in affected.select_related("ruleset_version"):
            clock_pause(clock=clock, reason=reason, at=max(starts_at, clock.started_at),
                        until=ends_at, storm=storm)
            paused += 1
        audit_append(stream=stream_of(storm), action="storm.declared", actor=actor, new_stream=True,
                     payload={"org": org.code, "starts_at": starts_at.isoformat(),
                              "ends_at": ends_at.isoformat(), "reason": reason, "clocks": paused})
    return storm


def storm_lift(*, storm, actor, at=None):
    """End storm mode early: the pauses it set end now, and their clocks' due times move back."""
    at = at or timezone.now()
    with transaction.atomic():
        StormDeclaration.objects.filter(pk=storm.pk).update(lifted_at=at, ends_at=min(at, storm.ends_at))
        pauses = ClockPause.objects.filter(storm=storm, ended_at__gt=at)
        clock_ids = list(pauses.values_list("clock_id", flat=True))
        pauses.update(ended_at=at)
        for clock in SlaClock.objects.filter(pk__in=clock_ids, stopped_at__isnull=True):
            clock_recompute(clock)
        audit_append(stream=stream_of(storm), action="storm.lifted", actor=actor,
                     payload={"at": at.isoformat(), "clocks": len(clock_ids)})
    return storm
