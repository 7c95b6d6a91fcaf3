"""Work queues (工单队列): filtered, sorted, keyset-paginated order lists per role and org subtree.

The contract shared with the console and the API (issue 4):

- `QueueFilters` says which orders (scope, type, state, category, org, overdue,
  due within N hours) and in which order (`accepted_at`, `-accepted_at`, `due_at`).
- `order_queue(user=..., filters=..., cursor=..., limit=25)` returns a `QueuePage`
  whose rows are WorkOrders carrying `next_clock` (the running SLA clock due
  soonest, or None) and whose `next_cursor` is an opaque string, or None on the
  last page.

Speed at 1,000,000 orders (p99 <= 50 ms a page, bench/bench_queue.py; docs/queues.md) comes from:

- The user's org subtree is resolved to a short list of org ids first (one small
  query), so the scope is `org_id IN (...)` and never a join to the org table.
- Keyset pagination: the cursor carries the last row's sort key and primary key;
  a page is "the next `limit` rows after the key", never OFFSET. The keyset query
  selects ids only; the rows follow by id.
- Partial indexes over open orders that carry the filtered columns (orders migration
  0009), so open queues filter inside a small index; "mine" is a UNION ALL of its owned
  and assigned halves, each on its own index.
- The due-time sort walks running clocks (SlaClock) in due order and keeps, for
  each order, only its soonest clock, so the page comes from the clock table and
  never computes a per-order minimum over the whole scope. Rows carry their next
  clock from the same query (due sort) or from one extra query per page.
- The clock filters are shaped so PostgreSQL's estimates (running clocks in a due range
  are underestimated ~40x: most clocks are stopped) cannot turn them into "collect
  everything, then sort": see RUNNING_DUE, `_after`, `q_for` and `_IsTrue`.

Only running clocks of open orders count: a clock left running on an archived
order needs nobody's action, so it neither sorts nor flags the order.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, DateTimeField, Exists, F, Func, OuterRef, Q, When
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.orders.disclosure import reports_hidden_q
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
    # A clock carries its order's org (orders.clocks), so an org-scoped, deadline-sorted page can
    # walk the running clocks of the scope in due order without joining orders first.
    clock_scope = Q(org_id__in=scope_ids) if scope == "org" and scope_ids is not None else Q()

    def q_for(prefix, now, on_running_clock=False, part=None):
        # on_running_clock: the rows are running clocks, and a running clock means an open order
        # (archiving stops every clock, orders.clocks), so an org-scoped "open" needs no join to orders.
        # part: for the "mine" scope, 0 = owned, 1 = assigned but not owned (disjoint, so a page can
        # walk each one's (owner|assignee, accepted_at) index and merge); None = both.
        p = prefix
        if scope == "mine":
            owned, assigned = Q(**{f"{p}owner": user}), Q(**{f"{p}assignee": user})
            q = (owned | assigned) if part is None else owned if part == 0 else assigned & ~owned
        elif scope == "crew":
            q = Q(**{f"{p}crew_id__in": scope_ids})
        elif scope_ids is None:
            q = Q(**{f"{p}handling_org__isnull": False}) if scope == "handling" else Q()
        else:
            column = "handling_org_id" if scope == "handling" else "org_id"
            q = Q(**{f"{p}{column}__in": scope_ids})
        if extra_org_ids is not None:
            q &= Q(**{f"{p}org_id__in": extra_org_ids})
        q &= reports_hidden_q(user, p)  # rules K-7, K-9: not a report desk's, or about the user's own unit
        if filters.order_type:
            q &= Q(**{f"{p}order_type": filters.order_type})
        if filters.state and filters.state != OPEN:
            q &= Q(**{f"{p}state": filters.state})
        elif filters.state == OPEN and not on_running_clock:
            q &= Q(**{f"{p}state__in": OPEN_STATES})
        elif on_running_clock and scope != "org":
            # Redundant on a running clock, but it lets a crew's, a department's or a person's few open
            # orders (their (crew|handling_org|owner…, …, state) indexes) lead to the clocks, instead of
            # every running clock of the province being walked for theirs.
            q &= Q(**{f"{p}state__in": OPEN_STATES})
        if cats is not None:
            q &= Q(**{f"{p}category_id__in": cats})
        window = _clock_window_q(filters, now)
        if window is not None:
            if on_running_clock:
                # The row is the order's soonest running clock and already below the window's upper
                # bound: if it is unpaused and inside the window, it is the witness itself. Only the
                # rare paused one needs the sub-query (one order's clocks), and the planner keeps walking
                # the clocks in due order (a bare EXISTS made it collect every overdue clock, then sort).
                due = _running().filter(window, order_id=OuterRef(f"{p}pk"), paused_since__isnull=True)
                q &= Q(window, paused_since__isnull=True) | Q(Exists(due))
            else:
                # `(id IN (…)) IS TRUE`: PostgreSQL keeps it as one hashed sub-plan over the scope's running
                # clocks in the window (read from clock_running_due alone) and walks the orders in the page's
                # order. A bare EXISTS or IN becomes a join that fetches every order with a clock in the window
                # and sorts them all; a correlated EXISTS probes the clocks once per order walked (the last
                # page of a province walks tens of thousands).
                due = _running().filter(window, clock_scope, paused_since__isnull=True).values("order_id")
                q &= Q(_IsTrue(In(F(f"{p}pk"), due)), **{f"{p}state__in": OPEN_STATES})
        return q

    q_for.parts = (0, 1) if scope == "mine" else (None,)
    q_for.clock_scope = clock_scope
    return q_for


def _after(field, tie, key, pk, descending=False, column=None):
    """The keyset condition "after (key, pk)" in (field, tie) order, as `field >= key AND NOT (column = key AND
    tie <= pk)`: PostgreSQL uses the first part as the index range and, with the page's other bound on the
    same field, estimates the two as one range; the second part (a tie) it estimates near 1. Spelled
    `field >= key AND (field > key OR tie > pk)`, or as a row comparison, the selectivity of the field
    counts twice and, deep in a queue, the planner collects and sorts everything after the key instead of
    walking the index. `column`: a plain column equal to `field` on these rows, for the tie (running_due
    is NULL on most clocks, so `running_due <> key` would be estimated rare).
    """
    column = column or field
    if descending:
        return Q(**{f"{field}__lte": key}) & ~Q(**{column: key, f"{tie}__gte": pk})
    return Q(**{f"{field}__gte": key}) & ~Q(**{column: key, f"{tie}__lte": pk})


class _IsTrue(Func):
    """`(<condition>) IS TRUE`: the same rows, but PostgreSQL does not turn an IN or EXISTS in it into a join."""

    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


def _running():
    """Running clocks as a set: per order, or hashed once (clock_running_due, clock_running_org_due)."""
    return SlaClock.objects.filter(stopped_at__isnull=True)


# A clock's due time while it runs, NULL once stopped. The deadline-sorted page walks running clocks in due
# order on this expression (clock_due_if_running, clock_org_due_if_running), never as `stopped_at IS NULL
# AND due_at …`: its index gives PostgreSQL statistics of running clocks alone. With the two conditions apart
# the planner multiplies their selectivities as if independent and underestimates "running clocks due before
# X" some 40 times (most clocks are stopped, the running ones are the recent ones), then prefers collecting
# every such clock and sorting them to walking the index: 50-100 ms a page at 1M orders.
RUNNING_DUE = Case(When(stopped_at__isnull=True, then=F("due_at")), output_field=DateTimeField())


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

# What the queue pages and the API rows read (masked customer, crew address, org, handler). Each further
# join costs every page planning and model-building time (the three dropped ones cost 2-3 ms a page at
# 1M orders): add one only when a page reads it.
ROW_RELATED = ("customer", "org", "assignee")


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
    key = pk = None
    if cursor:
        _section, key, pk = _decode_cursor(cursor, filters.sort)
    # A lean keyset query first (no joins, so the sort never drags wide rows), then the page's rows.
    keys = _keyset(q_for, now, key=key, pk=pk, descending=descending, limit=limit + 1)
    more = len(keys) > limit
    rows = _orders_by_ids([order_pk for order_pk, _at in keys[:limit]])
    attach_next_clocks(rows)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = _encode_cursor([filters.sort, "acc", last.accepted_at.isoformat(), last.pk])
    return QueuePage(rows=rows, next_cursor=next_cursor)


def _keyset(q_for, now, *, key, pk, descending=False, limit, exclude=None):
    """(pk, accepted_at) of the next `limit` orders after (key, pk) in acceptance order: one query.

    A scope made of disjoint parts ("mine": owned, assigned) is a UNION ALL of one keyset
    query per part, each served by its own index, instead of an OR no index serves in order.
    """
    ordering = ("-accepted_at", "-id") if descending else ("accepted_at", "id")
    parts = []
    for part in q_for.parts:
        orders = WorkOrder.objects.filter(q_for("", now, part=part))
        if exclude is not None:
            orders = orders.exclude(exclude)
        if key is not None:
            orders = orders.filter(_after("accepted_at", "id", key, pk, descending))
        parts.append(orders.values_list("id", "accepted_at"))
    keys = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return list(keys.order_by(*ordering)[:limit])


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
    """Clocks that are their order's soonest running one (ties: lower pk), so each order appears once.

    The caller keeps the running ones with a `running_due` condition (see RUNNING_DUE).
    """
    earlier = _running().filter(order_id=OuterRef("order_id")).filter(
        Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk"))
    )
    return SlaClock.objects.alias(running_due=RUNNING_DUE).filter(~Exists(earlier))


def _due_page(*, q_for, cursor, limit, now, upper=None):
    """Sort by the soonest running clock; orders without one follow, oldest accepted first."""
    section, key, pk = _decode_cursor(cursor, "due_at") if cursor else ("due", None, None)
    picked = []  # (order pk, its next clock or None)
    if section == "due":
        clocks = _soonest_clocks().filter(q_for.clock_scope, q_for("order__", now, on_running_clock=True))
        if upper is not None:
            clocks = clocks.filter(running_due__lt=upper)
        if key is not None:
            clocks = clocks.filter(_after("running_due", "order_id", key, pk, column="due_at"))
        if upper is None and key is None:
            clocks = clocks.filter(running_due__isnull=False)  # a range implies it (and once is right)
        page = list(clocks.order_by("running_due", "order_id")[: limit + 1])
        picked = [(clock.order_id, clock) for clock in page]
        if len(picked) > limit:
            last = picked[limit - 1][1]
            return QueuePage(rows=_rows(picked[:limit]), next_cursor=_encode_cursor(
                ["due_at", "due", last.due_at.isoformat(), last.order_id]))
        key = pk = None
    want = limit - len(picked)
    # The scope's running clocks only (a clock carries its order's org): the planner hashes them once.
    tail = _keyset(q_for, now, key=key, pk=pk, limit=want + 1, exclude=Q(
        Exists(_running().filter(q_for.clock_scope, order_id=OuterRef("pk"))), state__in=OPEN_STATES))
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
