"""Caller look-up for the hotline agent (来电客户查询) and the caller card (客户信息卡).

`caller_lookup` finds customers by phone (the customer's own or a contact's), by account
number (户号, exact) or by an address fragment, always inside the user's org subtree:

- a number (digits, spaces, dashes, a leading +86) is matched exactly against the account
  number and the phone indexes (customers and contacts): one query, index look-ups only;
- an address fragment of 3 characters or more uses a trigram index: PostgreSQL's pg_trgm
  GIN index serves `address LIKE '%fragment%'`; SQLite's FTS5 table
  `customers_customer_fts` (tokenize='trigram', kept in sync by triggers) serves `MATCH`;
- a fragment of 1 or 2 characters has no trigram, so it is a plain LIKE scan that stops at
  `limit` hits and is cut off after `SHORT_SCAN_BUDGET_MS` (the result says so, and the
  console asks for more characters).

`caller_card` gathers what the agent must see on a call (rules C-9, R-3, A-4) in a fixed,
small number of queries, whatever the customer's history.
"""

import re
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.customers.importers import ACCOUNT_NO, normalise_phone
from griddesk.customers.models import Customer
from griddesk.customers.selectors import customer_id_queries_by_phone
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.paths import path_ids, subtree_bounds

TRIGRAM = 3  # shortest fragment a trigram index can answer
SHORT_SCAN_BUDGET_MS = 150  # 1-2 character fragments: the LIKE scan is cut off after this
REPEAT_WINDOW = timedelta(days=30)  # rule A-4: "calls again" looks back 30 days
OPEN_ORDERS_SHOWN = 10
RECENT_CONTACTS_SHOWN = 20
FTS_TABLE = "customers_customer_fts"
SEPARATORS = re.compile(r"[\s\-()（）－—]+")


class LookupResult(list):
    """The customers found (a plain list of Customer for callers that need only that), plus how.

    kind: "empty", "number" (phone or account), "address" (trigram index) or "address_short"
    (1-2 characters, bounded scan); capped: `limit` was reached, there may be more;
    cut_off: the short scan ran out of its time budget before finishing.
    """

    def __init__(self, customers=(), *, kind="empty", capped=False, cut_off=False):
        super().__init__(customers)
        self.kind, self.capped, self.cut_off = kind, capped, cut_off


def caller_lookup(*, query, user, limit=20):
    """Customers matching `query` (phone, account number or address fragment) visible to `user`."""
    text = (query or "").strip()
    if not text:
        return LookupResult()
    compact = SEPARATORS.sub("", text)
    if compact.isascii() and (ACCOUNT_NO.fullmatch(compact) or compact.startswith("+")):
        found = _by_number(text, compact, user, limit)
        return LookupResult(found, kind="number", capped=len(found) >= limit)
    if len(text) >= TRIGRAM:
        found = _by_address(text, user, limit)
        return LookupResult(found, kind="address", capped=len(found) >= limit)
    found, cut_off = _by_short_fragment(text, user, limit)
    return LookupResult(found, kind="address_short", capped=len(found) >= limit, cut_off=cut_off)


def customer_for_caller(*, account_no, user):
    """The customer with this account number if `user` may see it, else None. One query."""
    return _visible(user).filter(account_no=(account_no or "").strip()).first()


def _visible(user):
    # transformer and org come along: the supply path and the scope check need no further query.
    return Customer.objects.select_related("transformer", "org").filter(orgs_visible_q(user, "org__path"))


def _by_number(text, compact, user, limit):
    """Exact account number, or the normalised phone of the customer or one of its contacts.

    One query. The matching ids come from a UNION of index look-ups, so that no OR spans a
    subquery: PostgreSQL cannot combine such an OR from indexes and, for the ORDER BY, walks
    the whole account_no index instead (0.7 s at a million customers).
    """
    ids = Customer.objects.filter(account_no=compact).values("pk")
    phone = normalise_phone(text)
    if phone is not None:
        ids = ids.union(*customer_id_queries_by_phone(phone))
    return list(_visible(user).filter(pk__in=ids).order_by("account_no")[:limit])


def _by_address(fragment, user, limit):
    if connection.vendor == "sqlite":
        ids = _fts_candidates(fragment, user, limit)
        if not ids:
            return []
        return list(_visible(user).filter(pk__in=ids).order_by("address", "account_no"))
    # PostgreSQL: the pg_trgm GIN index (migration 0003) serves LIKE '%fragment%'.
    return list(_visible(user).filter(address__contains=fragment).order_by()[:limit])


def _fts_candidates(fragment, user, limit):
    """Ids of customers whose address contains `fragment` (>= 3 characters), in the user's scope.

    One statement that walks the FTS matches, probes each customer and its org, and stops at
    `limit`: a common fragment costs no more than a rare one.
    """
    if not user.is_superuser and not user.org_id:
        return []
    phrase = '"' + fragment.replace('"', '""') + '"'  # an FTS5 string: the fragment as typed
    sql = (f"SELECT c.id FROM {FTS_TABLE} f JOIN customers_customer c ON c.id = f.rowid "
           "JOIN orgs_org o ON o.id = c.org_id WHERE f.address MATCH %s")
    params = [phrase]
    if not user.is_superuser:
        lo, hi = subtree_bounds(user.scope_path)
        sql += " AND o.path >= %s AND o.path < %s"
        params += [lo, hi]
    sql += " LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _by_short_fragment(fragment, user, limit):
    """1-2 characters: a LIKE scan, stopped at `limit` hits or after the time budget."""
    queryset = _visible(user).filter(address__contains=fragment).order_by()[:limit]
    try:
        if connection.vendor == "postgresql":
            return _within_statement_timeout(queryset), False
        if connection.vendor == "sqlite":
            return _within_progress_budget(queryset), False
        return list(queryset), False
    except OperationalError:
        return [], True


def _within_statement_timeout(queryset):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(SHORT_SCAN_BUDGET_MS)])
        rows = list(queryset)
        # Rolling the savepoint back (nothing was written) also ends the SET LOCAL above,
        # even inside a caller's longer transaction.
        transaction.set_rollback(True)
    return rows


def _within_progress_budget(queryset):
    connection.ensure_connection()
    deadline = time.monotonic() + SHORT_SCAN_BUDGET_MS / 1000

    interrupted = []

    def over_budget():
        # Non-zero interrupts the running statement; only once, so that whatever Django runs
        # next on this connection (e.g. the debug cursor's last_executed_query) is not hit too.
        if interrupted or time.monotonic() <= deadline:
            return 0
        interrupted.append(True)
        return 1

    raw = connection.connection
    raw.set_progress_handler(over_budget, 10_000)
    try:
        return list(queryset)
    finally:
        raw.set_progress_handler(None, 0)


def address_index_ensure(using=None, **kwargs):
    """SQLite: recreate the FTS sync triggers if a table rebuild dropped them, and re-index.

    Django's SQLite schema editor rebuilds a table to alter it (new table, copy, rename),
    which drops its triggers; this runs after every `migrate` (post_migrate) to put them back.
    """
    from django.db import connections

    conn = connections[using or "default"]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=%s", [FTS_TABLE])
        if not cursor.fetchone()[0]:
            return False  # not migrated yet
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE %s",
                       [FTS_TABLE + "_%"])
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return False
        for statement in SQLITE_DROP_TRIGGERS + SQLITE_TRIGGERS + [SQLITE_REBUILD]:
            cursor.execute(statement)
    return True


SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "address, content='customers_customer', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON customers_customer BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, address) VALUES (new.id, new.address); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON customers_customer BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, address) VALUES ('delete', old.id, old.address); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF address ON customers_customer BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, address) VALUES ('delete', old.id, old.address); "
    f"INSERT INTO {FTS_TABLE}(rowid, address) VALUES (new.id, new.address); END",
]
SQLITE_DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")]
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_address_trgm ON customers_customer USING gin (address gin_trgm_ops)",
]


# ---------------------------------------------------------------- caller card


@dataclass
class CallerCard:
    """What the agent sees for one caller (客户信息卡)."""

    customer: Customer
    supply_path: list  # Devices, substation first (rule C-9)
    outages: list  # active outages on the path, with cause and expected restoration (C-9)
    storms: list  # storm declarations in force over the customer's org
    open_orders: list
    recent_contacts: list  # orders of the last 30 days, newest first; each has `.repeat`
    repeat_contact: bool  # rule A-4: the same matter more than once in 30 days
    important: bool
    sensitive: bool
    repeat_matters: list = field(default_factory=list)  # [(order_type, category_id, contacts)]


def caller_card(*, customer, user, now=None):
    """The caller card of `customer` for `user`: 6 queries if the customer came from this module."""
    from griddesk.grid.models import Device
    from griddesk.orders.models import OPEN_STATES, WorkOrder
    from griddesk.outages.selectors import outages_on_path, storms_covering

    if not _may_see(user, customer):
        raise PermissionDenied(_("客户 %s 不在您的管辖范围内。") % customer.account_no)
    now = now or timezone.now()
    device_ids = path_ids(customer.transformer.path)
    supply_path = list(Device.objects.filter(pk__in=device_ids).order_by("depth"))
    outages = outages_on_path(device_ids=device_ids, now=now)
    storms = []
    if customer.org is not None:
        storms = [s for s in storms_covering(org=customer.org, at=now) if s.starts_at <= now]
    orders = WorkOrder.objects.filter(customer=customer).select_related("category")
    open_orders = list(orders.filter(state__in=OPEN_STATES).order_by("-accepted_at")[:OPEN_ORDERS_SHOWN])
    recent = orders.filter(accepted_at__gte=now - REPEAT_WINDOW)
    recent_contacts = list(recent.order_by("-accepted_at")[:RECENT_CONTACTS_SHOWN])
    repeat_matters = [
        (row["order_type"], row["category_id"], row["n"])
        for row in recent.order_by().values("order_type", "category_id").annotate(n=Count("id"))
        if row["n"] > 1
    ]
    repeated = {(order_type, category_id) for order_type, category_id, _n in repeat_matters}
    for order in recent_contacts:
        order.repeat = (order.order_type, order.category_id) in repeated
    return CallerCard(
        customer=customer, supply_path=supply_path, outages=outages, storms=storms,
        open_orders=open_orders, recent_contacts=recent_contacts, repeat_contact=bool(repeat_matters),
        important=customer.important, sensitive=customer.sensitive, repeat_matters=repeat_matters,
    )


def _may_see(user, customer):
    if user.is_superuser:
        return True
    if not user.org_id or customer.org is None:
        return False
    return customer.org.path.startswith(user.scope_path)
