"""Work queues (工单队列): filtered, sorted, keyset-paginated order lists per role and org subtree.

The contract shared with the console and the API (issue 4):

- `QueueFilters` says which orders (scope, type, state, category, org, overdue,
  due within N hours) and in which order (`accepted_at`, `-accepted_at`, `due_at`).
- `order_queue(user=..., filters=..., cursor=..., limit=25)` returns a `QueuePage`
  whose rows are WorkOrders carrying `next_clock` (the running SLA clock due
  soonest, or None) and whose `next_cursor` is an opaque string, or None on the
  last page.

Speed at 1,000,000 orders comes from three choices:

- The user's org subtree is resolved to a short list of org ids first (one small
  query), so the scope is `org_id IN (...)` and PostgreSQL can use the
  (org, state, accepted_at) index instead of joining the org table.
- Keyset pagination: the cursor carries the last row's sort key and primary key;
  a page is "the next `limit` rows after the key", never OFFSET.
- The due-time sort walks running clocks (SlaClock) in due order and keeps, for
  each order, only its soonest clock, so the page comes from the clock table and
  never computes a per-order minimum over the whole scope. Rows carry their next
  clock from the same query (due sort) or from one extra query per page.

Only running clocks of open orders count: a clock left running on an archived
order needs nobody's action, so it neither sorts nor flags the order.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.orders.models import OPEN_STATES, Category, OrderState, OrderType, SlaClock, WorkOrder
from griddesk.orgs.models import Org
from griddesk.paths import subtree_q

SORTS = ("accepted_at", "-accepted_at", "due_at")
SCOPES = ("org", "mine", "handling", "crew")
OPEN = "open"
MAX_DUE_WITHIN_HOURS = 24 * 90
MAX_LIMIT = 200
_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"", "0", "false", "off", "no", "n"}


@dataclass(frozen=True)
class QueueFilters:
    """What a queue shows (队列筛选条件); build it from request parameters with `from_params`.

    - scope: "org" (orders of the user's org subtree), "handling" (orders forwarded to a
      department in the subtree: back office), "mine" (owner or assignee is the user),
      "crew" (orders dispatched to one of the user's crews).
    - state: a state code, or "open" for every state but archived.
    - category: a category code; its whole subtree of child categories matches.
    - org: an org code inside the user's scope; its subtree matches.
    - overdue: a running clock is past due. due_within_hours: a running clock falls due
      within the next N hours (not yet overdue). Both set: either.
    """

    scope: str = "org"
    order_type: str = ""
    state: str = ""
    category: str = ""
    org: str = ""
    overdue: bool = False
    due_within_hours: int | None = None
    sort: str = "accepted_at"

    @classmethod
    def from_params(cls, params, **defaults):
        """Parse request parameters (a QueryDict or dict); ValidationError names each bad one."""
        base = cls(**defaults)
        values, errors = {}, {}

        def text(name):
            raw = params.get(name)
            return base.__dict__[name] if raw is None else str(raw).strip()

        values["scope"] = text("scope")
        if values["scope"] not in SCOPES:
            errors["scope"] = _("未知的队列范围：%s") % values["scope"]
        values["order_type"] = text("order_type")
        if values["order_type"] and values["order_type"] not in OrderType.values:
            errors["order_type"] = _("未知的工单类型：%s") % values["order_type"]
        values["state"] = text("state")
        if values["state"] and values["state"] != OPEN and values["state"] not in OrderState.values:
            errors["state"] = _("未知的工单状态：%s") % values["state"]
        values["category"] = text("category")
        values["org"] = text("org")
        values["sort"] = text("sort") or base.sort
        if values["sort"] not in SORTS:
            errors["sort"] = _("未知的排序方式：%s（可用：accepted_at、-accepted_at、due_at）") % values["sort"]
        raw_overdue = params.get("overdue")
        if raw_overdue is None:
            values["overdue"] = base.overdue
        elif str(raw_overdue).strip().lower() in _TRUE:
            values["overdue"] = True
        elif str(raw_overdue).strip().lower() in _FALSE:
            values["overdue"] = False
        else:
            errors["overdue"] = _("“已超时”参数只能是 1 或 0：%s") % raw_overdue
        raw_hours = params.get("due_within_hours")
        if raw_hours is None or str(raw_hours).strip() == "":
            values["due_within_hours"] = base.due_within_hours if raw_hours is None else None
        else:
            try:
                hours = int(str(raw_hours).strip())
            except ValueError:
                hours = None
            if hours is None or not 1 <= hours <= MAX_DUE_WITHIN_HOURS:
                errors["due_within_hours"] = _("“N小时内到期”必须是 1 到 %(max)d 之间的整数：%(value)s") % {
                    "max": MAX_DUE_WITHIN_HOURS, "value": raw_hours}
            values["due_within_hours"] = hours
        if errors:
            raise ValidationError(errors)
        return cls(**values)

    def to_params(self, **changes):
        """The filters as GET parameters (for links), defaults left out."""
        current = replace(self, **changes)
        params = {}
        for f in fields(self):
            value = getattr(current, f.name)
            if value in ("", None, False):
                continue
            params[f.name] = "1" if value is True else str(value)
        return params


@dataclass
class QueuePage:
    rows: list = field(default_factory=list)
    next_cursor: str | None = None


# ---------------------------------------------------------------- cursor


def _encode_cursor(parts):
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor, sort):
    """[sort, section, key iso, pk] back from the opaque string; ValidationError if it isn't ours."""
    bad = ValidationError({"cursor": _("翻页参数无效，请回到第一页。")})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, section, key, pk = json.loads(raw)
        # "nodue" with no key: the due section ended exactly on a page boundary.
        key = None if key is None and section == "nodue" else datetime.fromisoformat(key)
        pk = int(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise bad from None
    if got_sort != sort or section not in ("due", "nodue", "acc") or (key and timezone.is_naive(key)):
        raise bad
    return section, key, pk


# ---------------------------------------------------------------- scope and filters


def visible_org_ids(user):
    """Primary keys of the orgs in the user's subtree; None for superusers (no restriction).

    One small query (an index range on org.path); the queue then filters
    `org_id IN (...)`, which the (org, state, accepted_at) index serves.
    """
    if user.is_superuser:
        return None
    if not user.org_id:
        return []
    if user.org.parent_id is None and not Org.objects.filter(parent__isnull=True).exclude(
        pk=user.org_id
    ).exists():
        return None  # the only root: the whole tree, and no IN list for the planner to wade through
    return list(Org.objects.filter(subtree_q(user.scope_path)).values_list("pk", flat=True))


def _org_filter_ids(user, code, scope_ids):
    try:
        org = Org.objects.only("pk", "path").get(code=code)
    except Org.DoesNotExist:
        raise ValidationError({"org": _("找不到单位：%s") % code}) from None
    ids = list(Org.objects.filter(subtree_q(org.path)).values_list("pk", flat=True))
    if scope_ids is not None:
        inside = set(scope_ids)
        if org.pk not in inside:
            raise ValidationError({"org": _("单位 %s 不在您的管辖范围内。") % code})
        ids = [pk for pk in ids if pk in inside]
    return ids


def category_ids(code):
    """The category with `code` and all its descendants (one query: the tree is small)."""
    nodes = list(Category.objects.values_list("pk", "parent_id", "code"))
    root = next((pk for pk, _parent, c in nodes if c == code), None)
    if root is None:
        raise ValidationError({"category": _("找不到分类：%s") % code})
    children = {}
    for pk, parent, _c in nodes:
        children.setdefault(parent, []).append(pk)
    found, stack = [], [root]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, ()))
    return found


def _resolve(user, filters):
    """The database look-ups a queue needs before its page query (org, crew and category ids), once.

    Returns a function prefix -> Q, so the same filters apply from WorkOrder ("") or
    from SlaClock ("order__") without looking anything up again.
    """
    scope, extra_org_ids = filters.scope, None
    if scope == "crew":
        scope_ids = list(user.crews.values_list("pk", flat=True))
    elif scope in ("org", "handling"):
        scope_ids = visible_org_ids(user)
        if filters.org:
            scope_ids = _org_filter_ids(user, filters.org, scope_ids)
    else:
        scope_ids = None
    if scope in ("mine", "crew") and filters.org:
        extra_org_ids = _org_filter_ids(user, filters.org, visible_org_ids(user))
    cats = category_ids(filters.category) if filters.category else None

    def q_for(prefix, now, on_running_clock=False):
        # on_running_clock: the rows are running clocks, and a running clock means an open order
        # (archiving stops every clock, orders.clocks), so "open" needs no join to orders.
        p = prefix
        if scope == "mine":
            q = Q(**{f"{p}owner": user}) | Q(**{f"{p}assignee": user})
        elif scope == "crew":
            q = Q(**{f"{p}crew_id__in": scope_ids})
        elif scope_ids is None:
            q = Q(**{f"{p}handling_org__isnull": False}) if scope == "handling" else Q()
        else:
            column = "handling_org_id" if scope == "handling" else "org_id"
            q = Q(**{f"{p}{column}__in": scope_ids})
        if extra_org_ids is not None:
            q &= Q(**{f"{p}org_id__in": extra_org_ids})
        if filters.order_type:
            q &= Q(**{f"{p}order_type": filters.order_type})
        if filters.state == OPEN:
            if not on_running_clock:
                q &= Q(**{f"{p}state__in": OPEN_STATES})
        elif filters.state:
            q &= Q(**{f"{p}state": filters.state})
        if cats is not None:
            q &= Q(**{f"{p}category_id__in": cats})
        window = _clock_window_q(filters, now)
        if window is not None:
            due = _running().filter(window, order_id=OuterRef(f"{p}pk"), paused_since__isnull=True)
            q &= Q(Exists(due)) if on_running_clock else Q(Exists(due), **{f"{p}state__in": OPEN_STATES})
        return q

    # A clock carries its order's org (orders.clocks), so an org-scoped, deadline-sorted page can
    # walk the running clocks of the scope in due order without joining orders first.
    q_for.clock_scope = Q(org_id__in=scope_ids) if scope == "org" and scope_ids is not None else Q()
    return q_for


def _running():
    return SlaClock.objects.filter(stopped_at__isnull=True)


def _clock_window_q(filters, now):
    """Overdue / due-within-N-hours on a running, unpaused clock (paused clocks are frozen)."""
    if filters.overdue and filters.due_within_hours:
        return Q(due_at__lt=now + timedelta(hours=filters.due_within_hours))
    if filters.overdue:
        return Q(due_at__lt=now)
    if filters.due_within_hours:
        return Q(due_at__gte=now, due_at__lt=now + timedelta(hours=filters.due_within_hours))
    return None


# ---------------------------------------------------------------- the queue

ROW_RELATED = ("customer", "org", "category", "category__parent", "crew", "assignee")


def order_queue(*, user, filters, cursor=None, limit=25, now=None):
    """One page of the queue (工单队列): at most `limit` orders and the cursor of the next page.

    A bounded number of queries whatever the page size: the org subtree, the category
    subtree when filtered, the page, and the page's next clocks (the due sort gets
    these with the page).
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    now = now or timezone.now()
    if cursor:
        _decode_cursor(cursor, filters.sort)  # refuse a bad cursor before any query
    q_for = _resolve(user, filters)
    if filters.sort == "due_at":
        # An order matching overdue / due-within has its soonest clock below the same upper bound:
        # an index range on the running clocks instead of a scan.
        upper = now + timedelta(hours=filters.due_within_hours) if filters.due_within_hours else (
            now if filters.overdue else None)
        return _due_page(q_for=q_for, cursor=cursor, limit=limit, now=now, upper=upper)
    return _accepted_page(q_for=q_for, filters=filters, cursor=cursor, limit=limit, now=now)


def _accepted_page(*, q_for, filters, cursor, limit, now):
    descending = filters.sort.startswith("-")
    orders = WorkOrder.objects.filter(q_for("", now))
    if cursor:
        _section, key, pk = _decode_cursor(cursor, filters.sort)
        # The first condition is the index range; the second breaks ties on accepted_at.
        if descending:
            orders = orders.filter(accepted_at__lte=key).filter(Q(accepted_at__lt=key) | Q(pk__lt=pk))
        else:
            orders = orders.filter(accepted_at__gte=key).filter(Q(accepted_at__gt=key) | Q(pk__gt=pk))
    ordering = ("-accepted_at", "-pk") if descending else ("accepted_at", "pk")
    # A lean keyset query first (no joins, so the sort never drags wide rows), then the page's rows.
    ids = list(orders.order_by(*ordering).values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    rows = _orders_by_ids(ids[:limit])
    attach_next_clocks(rows)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = _encode_cursor([filters.sort, "acc", last.accepted_at.isoformat(), last.pk])
    return QueuePage(rows=rows, next_cursor=next_cursor)


def _orders_by_ids(ids):
    found = WorkOrder.objects.select_related(*ROW_RELATED).in_bulk(ids)
    return [found[pk] for pk in ids]


def attach_next_clocks(rows):
    """Set `row.next_clock` on each order: its running clock due soonest (one query for the page)."""
    open_ids = [row.pk for row in rows if row.state != OrderState.ARCHIVED]
    soonest = {}
    if open_ids:
        for clock in _running().filter(order_id__in=open_ids).order_by("order_id", "due_at", "pk"):
            soonest.setdefault(clock.order_id, clock)
    for row in rows:
        row.next_clock = soonest.get(row.pk)
    return rows


def _soonest_clocks():
    """Running clocks that are their order's soonest (ties: lower pk), so each order appears once."""
    earlier = _running().filter(order_id=OuterRef("order_id")).filter(
        Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk"))
    )
    return _running().filter(~Exists(earlier))


def _due_page(*, q_for, cursor, limit, now, upper=None):
    """Sort by the soonest running clock; orders without one follow, oldest accepted first."""
    section, key, pk = _decode_cursor(cursor, "due_at") if cursor else ("due", None, None)
    picked = []  # (order pk, its next clock or None)
    if section == "due":
        clocks = _soonest_clocks().filter(q_for.clock_scope, q_for("order__", now, on_running_clock=True))
        if upper is not None:
            clocks = clocks.filter(due_at__lt=upper)
        if key is not None:
            clocks = clocks.filter(due_at__gte=key).filter(Q(due_at__gt=key) | Q(order_id__gt=pk))
        page = list(clocks.order_by("due_at", "order_id")[: limit + 1])
        picked = [(clock.order_id, clock) for clock in page]
        if len(picked) > limit:
            last = picked[limit - 1][1]
            return QueuePage(rows=_rows(picked[:limit]), next_cursor=_encode_cursor(
                ["due_at", "due", last.due_at.isoformat(), last.order_id]))
        key = pk = None
    orders = WorkOrder.objects.filter(q_for("", now)).exclude(
        Q(Exists(_running().filter(order_id=OuterRef("pk"))), state__in=OPEN_STATES)
    )
    if key is not None:
        orders = orders.filter(accepted_at__gte=key).filter(Q(accepted_at__gt=key) | Q(pk__gt=pk))
    want = limit - len(picked)
    tail = list(orders.order_by("accepted_at", "pk").values_list("pk", "accepted_at")[: want + 1])
    more = len(tail) > want
    tail = tail[:want]
    picked += [(order_pk, None) for order_pk, _at in tail]
    next_cursor = None
    if more and not tail:
        next_cursor = _encode_cursor(["due_at", "nodue", None, 0])
    elif more:
        last_pk, last_at = tail[-1]
        next_cursor = _encode_cursor(["due_at", "nodue", last_at.isoformat(), last_pk])
    return QueuePage(rows=_rows(picked), next_cursor=next_cursor)


def _rows(picked):
    """The page's orders (one query) in `picked` order, each with its next clock set."""
    rows = _orders_by_ids([order_pk for order_pk, _c in picked])
    for row, (_pk, clock) in zip(rows, picked, strict=True):
        row.next_clock = clock
    return rows
