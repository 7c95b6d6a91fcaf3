"""Caller look-up for the hotline agent (来电客户查询) and the caller card (客户信息卡).

`caller_lookup` finds customers by phone (the customer's own or a contact's), by account
number (户号, exact) or by an address fragment, always inside the user's org subtree:

- a number (digits, spaces, dashes, a leading +86) is matched exactly against the account
  number and the phone indexes (customers and contacts): one query, index look-ups only;
- an address fragment of 3 characters or more uses a trigram index: PostgreSQL's pg_trgm
  GIN index serves `address LIKE '%fragment%'`; SQLite's FTS5 table
  `customers_customer_fts` (tokenize='trigram', kept in sync by triggers) serves `MATCH`;
  one query on both;
- a fragment of 1 or 2 characters has no trigram, so it is a plain LIKE scan that stops at
  `limit` hits and is cut off after `SHORT_SCAN_BUDGET_MS` (the result says so, and the
  console asks for more characters).

`caller_card` gathers what the agent must see on a call (rules C-9, R-3, A-4) in two
queries whatever the customer's history (one more while a storm is declared over the
customer's org, R-3).

Every agent asks these on every call, so their statements are written by hand from the
models' `_meta` (griddesk.fastsql) instead of compiled by the ORM each time: the ORM's compile
cost was most of a look-up's time (bench/RESULTS.md, "Caller look-up"). They return the same
model instances the ORM would, with the org (and for `customer_for_caller` the transformer)
already attached.
"""

import re
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk import fastsql
from griddesk.customers.importers import ACCOUNT_NO, normalise_phone, phone_variants
from griddesk.customers.models import Customer
from griddesk.customers.selectors import customer_ids_by_phone_sql
from griddesk.grid.models import Device
from griddesk.orgs.models import Org
from griddesk.paths import path_ids, subtree_bounds

TRIGRAM = 3  # shortest fragment a trigram index can answer
SHORT_SCAN_BUDGET_MS = 150  # 1-2 character fragments: the LIKE scan is cut off after this
REPEAT_WINDOW = timedelta(days=30)  # rule A-4: "calls again" looks back 30 days
UPCOMING_WINDOW = timedelta(days=7)  # announced planned / temporary outages shown this far ahead
OPEN_ORDERS_SHOWN = 10
RECENT_CONTACTS_SHOWN = 20
# The card reads at most this many of a customer's open or recent orders in its one orders query;
# a customer with more (rare) costs three exact queries instead (`_card_orders_exact`).
CARD_ORDERS_READ = 50
FTS_TABLE = "customers_customer_fts"
SEPARATORS = re.compile(r"[\s\-()（）－—]+")
qn = fastsql.qn


class LookupResult(list):
    """The customers found (a plain list of Customer for callers that need only that), plus how.

    Each customer comes with its org (`customer.org`, no query); not with its transformer.
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
    """The customer with this account number if `user` may see it, else None. One query.

    The transformer and the org come along: the supply path and the scope check need no further query.
    """
    found = _customers(user, "account", [(account_no or "").strip()], limit=1, transformer=True)
    return found[0] if found else None


def customers_by_phone(*, phone, user, limit=10):
    """Customers whose own phone or a contact's phone is `phone` (any written form), visible to `user`,
    by account number, each with its org and transformer attached: one statement. None if `phone` is
    not a valid Chinese number (customers.importers.normalise_phone)."""
    normalised = normalise_phone(phone or "")
    if normalised is None:
        return None
    variants = phone_variants(normalised)
    # the account condition gets "" (no account is empty): only the phone forms match
    return _customers(user, ("number", len(variants)), ["", *variants, *variants], ordered=True, limit=limit,
                      transformer=True)


LIKE_MATCHES = ("contains", "trigram")  # `_customers` sends these unprepared


def _customers(user, match, params, *, ordered=False, limit=None, transformer=False):
    """Customers visible to `user` (Staff.scope_path, as orgs_visible_q) that `match` (a key of
    `_match_sql`) with `params`, each with its org attached (and its transformer, if asked): one
    statement. Staff without an org see nobody: no query.
    """
    if not user.is_superuser and not user.org_id:
        return []
    scoped = not user.is_superuser
    args = [*subtree_bounds(user.scope_path), *params] if scoped else list(params)
    if limit is not None:
        args.append(limit)
    sql = _customers_sql(match, scoped, transformer, ordered, limit is not None)
    if match in LIKE_MATCHES:
        # Not prepared (fastsql.fetch would be, on PostgreSQL): after a few runs, a prepared
        # statement gets a generic plan, and for `LIKE $1` that plan cannot use the trigram index
        # (it cannot see the pattern): a scan of the table, 0.45 s at a million customers.
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
    else:
        rows = fastsql.fetch(sql, args)
    return [_customer_of(row, transformer) for row in rows]


@fastsql.statement
def _customers_sql(match, scoped, transformer, ordered, limited):
    """The statement of `_customers`, written once per shape. Its parameters: the scope's bounds
    (if `scoped`), the match's, the limit (if `limited`)."""
    select = [fastsql.columns(Customer, "c"), fastsql.columns(Org, "o")]
    cte, source, conditions = "", f"{qn(Customer._meta.db_table)} c", []
    if scoped:
        conditions.append(f"o.{qn('path')} >= %s AND o.{qn('path')} < %s")
    if match == "trigram":
        # the scope and the limit are inside the CTEs
        cte, source, conditions, limited = _trigram_cte(scoped, limited), "c", [], False
    else:
        if match == "fts":
            source = f"{qn(FTS_TABLE)} f JOIN {source} ON c.{qn('id')} = f.rowid"
        conditions.append(f"({_match_sql(match)})")
    join = "JOIN" if scoped else "LEFT JOIN"  # superusers see customers without an org too
    joins = f" {join} {qn(Org._meta.db_table)} o ON o.{qn('id')} = c.{qn('org_id')}"
    if transformer:
        select.append(fastsql.columns(Device, "t"))
        joins += f" JOIN {qn(Device._meta.db_table)} t ON t.{qn('id')} = c.{qn('transformer_id')}"
    sql = f"{cte}SELECT {', '.join(select)} FROM {source}{joins}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    if ordered:
        sql += f" ORDER BY c.{qn('account_no')}"
    return sql + " LIMIT %s" if limited else sql


def _trigram_cte(scoped, limited):
    """PostgreSQL, 3+ characters: the first `limit` customers whose address contains the fragment, as `c`.

    Its parameters: the scope's bounds (if `scoped`), the index pattern and the fragment
    (`_trigram_params`), the limit (if `limited`).

    The trigram index is searched on the pattern's trigrams only: one in three of the fragment's,
    disjoint windows that still cover every letter and digit of it (`_index_pattern`). The GIN
    scan costs the length of every posting list it reads, and a whole address's trigrams
    include the long lists of its city, district and town names (most of its 13 - 20
    trigrams); the windows keep almost all the selectivity for a third of the cost. The rows
    found are then checked against the whole fragment (`strpos`, which the index cannot serve,
    so it stays a filter on the rows read): the same customers as `address LIKE '%fragment%'`.

    For a fragment it believes common, the planner would rather walk the table (or an index)
    until `limit` hits, expecting them early; but customers are stored by area, and the hits of
    one county's name may all be at the end: 0.3-0.9 s at a million customers. A MATERIALIZED
    CTE (`m`) is planned for all its rows, so by the trigram index, and is still read lazily:
    `c` takes its first `limit` rows, in the order of the scan, before the join to the orgs
    (whose plan cannot change which rows they are). The scope goes inside `m`, where a small
    one prunes the index's hits before their rows are read.

    Every search also reads the index's whole pending list (GIN's fast update): migration
    customers/0004 keeps it under 256 kB, where a bulk load used to leave 3 - 6 ms of it.
    """
    table, orgs = qn(Customer._meta.db_table), qn(Org._meta.db_table)
    address = qn("address")
    where = f"{address} {connection.operators['contains']} AND strpos({address}, %s) > 0"
    if scoped:
        where = (f"{qn('org_id')} IN (SELECT {qn('id')} FROM {orgs} WHERE {qn('path')} >= %s"
                 f" AND {qn('path')} < %s) AND {where}")
    first = "SELECT * FROM m LIMIT %s" if limited else "SELECT * FROM m"
    return f"WITH m AS MATERIALIZED (SELECT * FROM {table} WHERE {where}), c AS ({first}) "


LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")  # the characters pg_trgm makes trigrams of


def _index_pattern(fragment):
    """The LIKE pattern the trigram index is searched with for `fragment`: its disjoint 3-character
    windows, in order, each run of letters and digits cut into windows from its end (the house
    number's end is the rarest part): "丰原市花园区红旗路115号" gives "%原市花%园区红%旗路1%15号%",
    4 trigrams instead of 11. An address containing the fragment contains these windows in this
    order, so the pattern matches it: the index finds every customer the whole fragment would.
    A fragment without 3 letters or digits in a row (e.g. "1-2-3") has no window: the whole
    fragment is the pattern.
    """
    windows = []
    for run in LETTERS_AND_DIGITS.findall(fragment):
        windows += reversed([run[end - TRIGRAM:end] for end in range(len(run), TRIGRAM - 1, -TRIGRAM)])
    if not windows:
        return _contains(fragment)[0]
    return "%" + "%".join(connection.ops.prep_for_like_query(window) for window in windows) + "%"


def _trigram_params(fragment):
    return [_index_pattern(fragment), fragment]


def _match_sql(match):
    """The condition on the customer `c` (or the FTS row `f`) for each kind of look-up."""
    if match == "account":
        return f"c.{qn('account_no')} = %s"
    if match == "contains":  # as the ORM writes `address__contains` (the pattern escaped: `_contains`)
        return f"c.{qn('address')} {connection.operators['contains']}"
    if match == "fts":
        return f"f.{qn('address')} MATCH %s"
    _number, forms = match  # ("number", n): the account number, or one of n forms of a phone
    ids = f"SELECT {qn('id')} FROM {qn(Customer._meta.db_table)} WHERE {qn('account_no')} = %s"
    if forms:
        ids += " UNION " + customer_ids_by_phone_sql(forms)
    return f"c.{qn('id')} IN ({ids})"


def _customer_of(row, transformer):
    customer = fastsql.instance(Customer, row)
    width = fastsql.width(Customer)
    customer.org = fastsql.instance(Org, row, width)  # None: no org (superusers only)
    if transformer:
        customer.transformer = fastsql.instance(Device, row, width + fastsql.width(Org))
    return customer


def _by_number(text, compact, user, limit):
    """Exact account number, or the normalised phone of the customer or one of its contacts.

    One query. The matching ids come from a UNION of index look-ups, so that no OR spans a
    subquery: PostgreSQL cannot combine such an OR from indexes and, for the ORDER BY, walks
    the whole account_no index instead (0.7 s at a million customers).
    """
    phone = normalise_phone(text)
    variants = phone_variants(phone) if phone is not None else []
    # the phone's forms twice: the customer's own phone, then its contacts' (customer_ids_by_phone_sql)
    return _customers(user, ("number", len(variants)), [compact, *variants, *variants], ordered=True,
                      limit=limit)


def _contains(fragment):
    """The LIKE pattern of `address__contains`: the fragment, its wildcards escaped, within %…%."""
    return ["%" + connection.ops.prep_for_like_query(fragment) + "%"]


def _by_address(fragment, user, limit):
    """The first `limit` customers found whose address contains `fragment` (3+ characters), in
    `user`'s scope, sorted by address and account number. Which ones, when more match, follows
    the order the search finds them in: customer id on SQLite; on PostgreSQL the table's
    physical order, or org by org where the planner walks a small scope's customers."""
    if connection.vendor == "sqlite":
        found = _fts_matches(fragment, user, limit)
    else:  # the pg_trgm GIN index (migration 0003), searched as `_trigram_cte` says
        found = _customers(user, "trigram", _trigram_params(fragment), limit=limit)
    return sorted(found, key=lambda customer: (customer.address, customer.account_no))


def _fts_matches(fragment, user, limit):
    """SQLite: customers whose address contains `fragment` (>= 3 characters), in the user's scope.

    One statement that walks the FTS matches, probes each customer and its org, and stops at
    `limit`: a common fragment costs no more than a rare one.
    """
    phrase = '"' + fragment.replace('"', '""') + '"'  # an FTS5 string: the fragment as typed
    return _customers(user, "fts", [phrase], limit=limit)


def _by_short_fragment(fragment, user, limit):
    """1-2 characters: a LIKE scan, stopped at `limit` hits or after the time budget."""

    def scan():
        return _customers(user, "contains", _contains(fragment), limit=limit)

    try:
        if connection.vendor == "postgresql":
            with _pg_settings(statement_timeout=SHORT_SCAN_BUDGET_MS):
                return scan(), False
        if connection.vendor == "sqlite":
            return _within_progress_budget(scan), False
        return scan(), False
    except OperationalError:
        return [], True


@contextmanager
def _pg_settings(**settings):
    """PostgreSQL: these settings for the statements of the block only, then as they were.

    Two statements around the block (set, then back to the session's defaults), and no
    transaction of its own: a ROLLBACK would make psycopg drop the connection's prepared
    statements (griddesk.fastsql). Inside a caller's transaction a savepoint takes a failing
    statement (e.g. the timeout), and rolling it back undoes the settings too.
    """
    names = list(settings)
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(names)),
                       [item for name in names for item in (name, str(settings[name]))])
        reset = ("SELECT set_config(name, reset_val, false) FROM pg_settings"
                 f" WHERE name IN ({fastsql.marks(len(names))})")
        try:
            yield
        except DatabaseError:
            if not connection.in_atomic_block:
                cursor.execute(reset, names)  # autocommit: the failed statement is the only loss
            raise
        cursor.execute(reset, names)


def _within_progress_budget(scan):
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
        return scan()
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
    storms: list  # storm declarations in force over the customer's org, each with its org
    open_orders: list
    recent_contacts: list  # orders of the last 30 days, newest first; each has `.repeat`
    repeat_contact: bool  # rule A-4: the same matter more than once in 30 days
    important: bool
    sensitive: bool
    repeat_matters: list = field(default_factory=list)  # [(order_type, category_id, contacts)]
    # announced planned or temporary outages on the path starting within UPCOMING_WINDOW, soonest first
    upcoming: list = field(default_factory=list)


def caller_card(*, customer, user, now=None):
    """The caller card of `customer` for `user`.

    Two queries if the customer came from `customer_for_caller` (transformer and org attached):
    the supply path with its active outages and whether a storm is declared, then the open and
    recent orders with their categories. One more while a storm is in force over the customer's
    org (R-3); three more for a customer with over CARD_ORDERS_READ open or recent orders.
    """
    if not _may_see(user, customer):
        raise PermissionDenied(_("客户 %s 不在您的管辖范围内。") % customer.account_no)
    now = now or timezone.now()
    supply_path, outages, storm_declared, upcoming = _path_and_outages(customer, now)
    storms = _storms_in_force(customer.org, now) if storm_declared else []
    open_orders, recent_contacts, repeat_matters = _card_orders(customer, now - REPEAT_WINDOW)
    open_orders, recent_contacts = _disclosed(user, open_orders, recent_contacts)
    repeated = {(order_type, category_id) for order_type, category_id, _n in repeat_matters}
    for order in recent_contacts:
        order.repeat = (order.order_type, order.category_id) in repeated
    return CallerCard(
        customer=customer, supply_path=supply_path, outages=outages, storms=storms,
        open_orders=open_orders, recent_contacts=recent_contacts, repeat_contact=bool(repeat_matters),
        important=customer.important, sensitive=customer.sensitive, repeat_matters=repeat_matters,
        upcoming=upcoming,
    )


def _disclosed(user, *lists):
    """Rules K-7, K-9: the card lists no order the user may not read, nor one whose person is
    sealed or withheld from them (a complaint about the user's own unit). One query for the
    accusations if a complaint or report is listed, none otherwise."""
    from griddesk.orders import disclosure

    disclosure.attach_accusations([order for orders in lists for order in orders])

    def shown(order):  # the customer is in the user's scope, and so are their orders (by org)
        return not disclosure.report_hidden_from(order, user) and not disclosure.person_hidden(order, user)

    return [[order for order in orders if shown(order)] for orders in lists]


def _may_see(user, customer):
    if user.is_superuser:
        return True
    if not user.org_id or customer.org is None:
        return False
    return customer.org.path.startswith(user.scope_path)


def _storm_in_force_sql(ancestors):
    """Storms declared over an org or one of its ancestors (as outages.selectors.storms_covering)
    that have started and neither ended nor been lifted (rule R-3): the condition on `s`, for an
    org path of `ancestors` ids; its parameters are `_storm_params`."""
    return (f"s.{qn('org_id')} IN ({fastsql.marks(ancestors)}) AND s.{qn('starts_at')} <= %s"
            f" AND s.{qn('ends_at')} > %s AND s.{qn('lifted_at')} IS NULL")


def _storm_params(ancestor_ids, now):
    return [*ancestor_ids, fastsql.moment(now), fastsql.moment(now)]


def _ancestor_ids(org):
    return path_ids(org.path) if org.path else [org.pk]


def _path_and_outages(customer, now):
    """(supply path, active outages on it, whether a storm is in force over the customer's org,
    announced outages to come): one statement, the path's devices left-joined to their active
    outages (rule C-9) and to the planned or temporary outages announced to start within
    UPCOMING_WINDOW (so the agent can tell the caller about tomorrow's maintenance)."""
    from griddesk.outages.models import ACTIVE_OUTAGE_STATES, OutageEvent, OutageKind, OutageState

    device_ids = path_ids(customer.transformer.path)
    ancestor_ids = _ancestor_ids(customer.org) if customer.org is not None else []
    storm_params = _storm_params(ancestor_ids, now) if ancestor_ids else []
    rows = fastsql.fetch(_path_sql(len(device_ids), len(ancestor_ids)),
                         [*storm_params, *map(str, ACTIVE_OUTAGE_STATES), fastsql.moment(now),
                          str(OutageState.ANNOUNCED), str(OutageKind.PLANNED), str(OutageKind.TEMPORARY),
                          fastsql.moment(now), fastsql.moment(now + UPCOMING_WINDOW), *device_ids])
    devices, outages, upcoming = {}, [], []
    for row in rows:
        device = fastsql.instance(Device, row)
        device = devices.setdefault(device.pk, device)
        outage = fastsql.instance(OutageEvent, row, fastsql.width(Device))
        if outage is not None:
            outage.device = device
            (outages if outage.starts_at <= now else upcoming).append(outage)
    outages.sort(key=lambda outage: outage.starts_at)  # across the path, oldest first
    upcoming.sort(key=lambda outage: outage.starts_at)  # soonest first
    return list(devices.values()), outages, bool(rows and rows[0][-1]), upcoming


@fastsql.statement
def _path_sql(devices, ancestors):
    """`_path_and_outages`' statement for a path of `devices` and an org with `ancestors` (0: no org)."""
    from griddesk.outages.models import ACTIVE_OUTAGE_STATES, OutageEvent, StormDeclaration

    storm = "0"
    if ancestors:
        storm = f"EXISTS (SELECT 1 FROM {qn(StormDeclaration._meta.db_table)} s WHERE {_storm_in_force_sql(ancestors)})"
    state, kind, starts = (f"e.{qn(name)}" for name in ("state", "kind", "starts_at"))
    return (
        f"SELECT {fastsql.columns(Device, 'd')}, {fastsql.columns(OutageEvent, 'e')}, {storm}"
        f" FROM {qn(Device._meta.db_table)} d LEFT JOIN {qn(OutageEvent._meta.db_table)} e"
        f" ON e.{qn('device_id')} = d.{qn('id')}"
        f" AND (({state} IN ({fastsql.marks(len(ACTIVE_OUTAGE_STATES))}) AND {starts} <= %s)"
        f" OR ({state} = %s AND {kind} IN (%s, %s) AND {starts} > %s AND {starts} <= %s))"
        f" WHERE d.{qn('id')} IN ({fastsql.marks(devices)})"
        f" ORDER BY d.{qn('depth')}, {starts}"
    )


def _storms_in_force(org, now):
    """The storm declarations in force over `org` (R-3), oldest first, each with its org: one query."""
    from griddesk.outages.models import StormDeclaration

    ancestor_ids = _ancestor_ids(org)
    storms = []
    for row in fastsql.fetch(_storms_sql(len(ancestor_ids)), _storm_params(ancestor_ids, now)):
        storm = fastsql.instance(StormDeclaration, row)
        storm.org = fastsql.instance(Org, row, fastsql.width(StormDeclaration))
        storms.append(storm)
    return storms


@fastsql.statement
def _storms_sql(ancestors):
    from griddesk.outages.models import StormDeclaration

    return (f"SELECT {fastsql.columns(StormDeclaration, 's')}, {fastsql.columns(Org, 'o')}"
            f" FROM {qn(StormDeclaration._meta.db_table)} s JOIN {qn(Org._meta.db_table)} o"
            f" ON o.{qn('id')} = s.{qn('org_id')} WHERE {_storm_in_force_sql(ancestors)} ORDER BY s.{qn('starts_at')}")


def _card_orders(customer, since):
    """(open orders, orders since `since`, repeat matters) of `customer`, newest first (rule A-4).

    One statement reads the customer's open or recent orders, newest first, with their category;
    the three lists come out of them. A customer with CARD_ORDERS_READ such orders or more may
    have further ones, so the card then asks the exact questions instead.
    """
    from griddesk.orders.models import OPEN_STATES, Category, WorkOrder

    rows = fastsql.fetch(_orders_sql(),
                         [customer.pk, *OPEN_STATES, fastsql.moment(since), CARD_ORDERS_READ])
    if len(rows) >= CARD_ORDERS_READ:
        return _card_orders_exact(customer, since)
    orders = []
    for row in rows:
        order = fastsql.instance(WorkOrder, row)
        order.category = fastsql.instance(Category, row, fastsql.width(WorkOrder))
        orders.append(order)
    open_orders = [order for order in orders if order.state in OPEN_STATES][:OPEN_ORDERS_SHOWN]
    recent = [order for order in orders if order.accepted_at >= since]
    matters = Counter((order.order_type, order.category_id) for order in recent)  # newest matter first
    repeat_matters = [(order_type, category_id, n) for (order_type, category_id), n in matters.items() if n > 1]
    return open_orders, recent[:RECENT_CONTACTS_SHOWN], repeat_matters


@fastsql.statement
def _orders_sql():
    from griddesk.orders.models import OPEN_STATES, Category, WorkOrder

    return (
        f"SELECT {fastsql.columns(WorkOrder, 'w')}, {fastsql.columns(Category, 'k')}"
        f" FROM {qn(WorkOrder._meta.db_table)} w LEFT JOIN {qn(Category._meta.db_table)} k"
        f" ON k.{qn('id')} = w.{qn('category_id')}"
        f" WHERE w.{qn('customer_id')} = %s AND (w.{qn('state')} IN ({fastsql.marks(len(OPEN_STATES))})"
        f" OR w.{qn('accepted_at')} >= %s)"
        f" ORDER BY w.{qn('accepted_at')} DESC, w.{qn('id')} DESC LIMIT %s"
    )


def _card_orders_exact(customer, since):
    """`_card_orders` for a customer with many orders: three queries, each bounded by an index."""
    from griddesk.orders.models import OPEN_STATES, WorkOrder

    orders = WorkOrder.objects.filter(customer=customer).select_related("category")
    open_orders = list(orders.filter(state__in=OPEN_STATES).order_by("-accepted_at", "-pk")[:OPEN_ORDERS_SHOWN])
    recent = orders.filter(accepted_at__gte=since)
    recent_contacts = list(recent.order_by("-accepted_at", "-pk")[:RECENT_CONTACTS_SHOWN])
    repeat_matters = [
        (row["order_type"], row["category_id"], row["n"])
        for row in recent.order_by().values("order_type", "category_id").annotate(n=Count("id"))
        if row["n"] > 1
    ]
    return open_orders, recent_contacts, repeat_matters
