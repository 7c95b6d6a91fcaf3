"""Changes to analytics data: halls and rectification items (rule A-3), each audited on its stream.

A rectification item is created from a hot spot or a set of complaints, with an owner, measures and
a deadline counted by the rules' deadline arithmetic (N working days on the national calendar,
rules/deadlines.py, as the orders' working-day clocks are); it is marked done by its owner and
verified by a supervisor or manager, which records its effect: the complaints in its area and class
before it (the same length of time as it ran) and while it ran.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.analytics.models import Hall, Rectification, RectificationState
from griddesk.analytics.streets import street_of
from griddesk.audit.services import audit_append, stream_of
from griddesk.calendar.selectors import calendar_oracle
from griddesk.orders.models import OrderType, WorkOrder
from griddesk.orgs.models import Org, RoleCode
from griddesk.orgs.selectors import org_in_scope
from griddesk.paths import subtree_q
from griddesk.rules.deadlines import Unit, due_at

RECTIFYING_ROLES = (RoleCode.SUPERVISOR, RoleCode.MANAGER)
TITLE_MAX = 200
MAX_WORKING_DAYS = 250


def default_working_days():
    return int(getattr(settings, "GRIDDESK_RECTIFICATION_WORKING_DAYS", 20))


def hall_create(*, code, name, org, actor=None):
    """A business hall (营业厅), rule H-5."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = _("营业厅编码不能为空")
    elif Hall.objects.filter(code=code).exists():
        errors["code"] = _("营业厅编码 \"%s\" 已存在") % code
    if not name:
        errors["name"] = _("营业厅名称不能为空")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hall = Hall.objects.create(code=code, name=name, org=org)
        audit_append(stream=stream_of(hall), action="hall.created", actor=actor, new_stream=True,
                     payload={"code": code, "org": org.code})
    return hall


def _rectification_number(now):
    day = timezone.localdate(now).strftime("%Y%m%d")
    taken = Rectification.objects.filter(number__startswith=f"ZG{day}").count()
    return f"ZG{day}{taken + 1:04d}"


def complaints_in_area(*, org, category=None, transformer=None, street="", start, end):
    """Complaints of the item's area and class accepted in [start, end)."""
    orders = WorkOrder.objects.filter(order_type=OrderType.COMPLAINT, accepted_at__gte=start, accepted_at__lt=end,
                                      org_id__in=Org.objects.filter(subtree_q(org.path)).values("pk"))
    if category is not None:
        orders = orders.filter(category_id__in=[category.pk, *category.children.values_list("pk", flat=True)])
    if transformer is not None:
        orders = orders.filter(customer__transformer=transformer)
    if street:
        return sum(1 for a in orders.filter(customer__address__startswith=street)
                   .values_list("customer__address", flat=True) if street_of(a) == street)
    return orders.count()


def rectification_create(*, title, org, owner, measures, actor, category=None, transformer=None, street="",
                         working_days=None, complaints=(), source="", now=None):
    """A rectification item (整改措施), rule A-3; validated first, nothing written on a bad field."""
    now = now or timezone.now()
    working_days = default_working_days() if working_days in (None, "") else working_days
    title, measures, street = (title or "").strip(), (measures or "").strip(), (street or "").strip()
    errors = {}
    if not actor.has_role(*RECTIFYING_ROLES):
        raise PermissionDenied(_("只有督办和管理人员可以制定整改措施（规则 A-3）"))
    if not title:
        errors["title"] = _("标题不能为空")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题最多 %d 个字符") % TITLE_MAX
    if not measures:
        errors["measures"] = _("整改措施不能为空")
    if org is None or not org_in_scope(actor, org):
        errors["org"] = _("责任单位须在您的管辖范围内")
    if owner is None:
        errors["owner"] = _("须指定责任人")
    elif owner.org_id is None or not org_in_scope(actor, owner.org):
        errors["owner"] = _("责任人须在您的管辖范围内")
    try:
        working_days = int(working_days)
    except (TypeError, ValueError):
        working_days = None
    if working_days is None or not 1 <= working_days <= MAX_WORKING_DAYS:
        errors["working_days"] = _("整改期限须为 1 到 %d 个工作日") % MAX_WORKING_DAYS
    if len(street) > 60:
        errors["street"] = _("街道最多 60 个字符")
    complaints = list(complaints)
    if org is not None and any(c.order_type != OrderType.COMPLAINT or not c.org.path.startswith(org.path)
                               for c in complaints):
        errors["complaints"] = _("关联的工单须为责任单位范围内的投诉")
    if errors:
        raise ValidationError(errors)
    due = due_at(now, working_days, Unit.WORKING_DAYS, calendar=calendar_oracle(None))
    with transaction.atomic():
        item = Rectification.objects.create(
            number=_rectification_number(now), title=title, org=org, category=category, transformer=transformer,
            street=street, owner=owner, measures=measures, source=(source or "")[:200], created_by=actor,
            created_at=now, working_days=working_days, due_at=due.due, due_basis=due.basis_zh)
        if complaints:
            item.complaints.set(complaints)
        audit_append(stream=stream_of(item), action="rectification.created", actor=actor, at=now, new_stream=True,
                     payload={"number": item.number, "org": org.code, "owner": owner.pk, "due": due.due,
                              "complaints": [c.number for c in complaints]})
    return item


def rectification_done(*, item, actor, note, now=None):
    """The owner (or a supervisor, manager) reports the measures carried out."""
    now = now or timezone.now()
    note = (note or "").strip()
    if item.state != RectificationState.OPEN:
        raise ValidationError({"state": _("整改措施 %s 不在整改中") % item.number})
    if actor.pk != item.owner_id and not actor.has_role(*RECTIFYING_ROLES):
        raise PermissionDenied(_("只有责任人或督办、管理人员可以报告整改完成"))
    if not note:
        raise ValidationError({"note": _("请填写完成情况")})
    with transaction.atomic():
        item.state, item.done_at, item.done_note = RectificationState.DONE, now, note
        item.save(update_fields=["state", "done_at", "done_note"])
        audit_append(stream=stream_of(item), action="rectification.done", actor=actor, at=now,
                     payload={"met": item.done_at <= item.due_at})
    return item


def rectification_effect(item, *, until):
    """(complaints before, complaints while it ran): [created − L, created) and [created, until), L = until −
    created: the same length of time before and after the item started."""
    length = max(until - item.created_at, timedelta(0))
    area = {"org": item.org, "category": item.category, "transformer": item.transformer, "street": item.street}
    before = complaints_in_area(**area, start=item.created_at - length, end=item.created_at)
    after = complaints_in_area(**area, start=item.created_at, end=until)
    return before, after


def rectification_verify(*, item, actor, verification, now=None):
    """A supervisor or manager verifies a done item (验证); its effect is recorded with it."""
    now = now or timezone.now()
    verification = (verification or "").strip()
    if not actor.has_role(*RECTIFYING_ROLES):
        raise PermissionDenied(_("只有督办和管理人员可以验证整改（规则 A-3）"))
    if item.state != RectificationState.DONE:
        raise ValidationError({"state": _("整改措施 %s 尚未报告完成，不能验证") % item.number})
    if not verification:
        raise ValidationError({"verification": _("请填写验证意见")})
    before, after = rectification_effect(item, until=now)
    with transaction.atomic():
        item.state, item.verified_at, item.verified_by, item.verification = (
            RectificationState.VERIFIED, now, actor, verification)
        item.complaints_before, item.complaints_after = before, after
        item.save(update_fields=["state", "verified_at", "verified_by", "verification", "complaints_before",
                                 "complaints_after"])
        audit_append(stream=stream_of(item), action="rectification.verified", actor=actor, at=now,
                     payload={"before": before, "after": after})
    return item
