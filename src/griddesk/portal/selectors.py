"""Reads of the public site (供电客户服务网站): outage notices (停电信息公告), rules C-2 and W-2.

The public sees an outage once a person stands behind it (a fault confirmed by a dispatcher, a
plan once published, or active) and no longer once power is back (W-2): predictions from calls stay inside
until a dispatcher confirms them.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from griddesk import fastsql
from griddesk.grid.models import Device
from griddesk.orgs.models import Org, OrgKind
from griddesk.outages.models import OutageEvent, OutageSource, OutageState
from griddesk.paths import path_ids, subtree_bounds, subtree_q

PUBLIC_STATES = (OutageState.CONFIRMED, OutageState.ANNOUNCED, OutageState.ACTIVE)
PLACE_MAX = 40
COUNTIES_TTL = 300


@dataclass(frozen=True)
class County:
    """A county company (县公司) with its city, for the notices' area filter."""

    code: str
    name: str
    city: str
    path: str


def counties():
    """Every county with its city, by city then county (the public filter's choices): read once per
    process and `COUNTIES_TTL` (companies are reorganised by the admin, not by the hour)."""
    return cache.get_or_set("portal:counties", _counties_read, COUNTIES_TTL)


def _counties_read():
    cities = {org.pk: org.name for org in Org.objects.filter(kind=OrgKind.CITY).only("pk", "name")}
    rows = Org.objects.filter(kind=OrgKind.COUNTY).only("code", "name", "path", "parent_id").order_by("path")
    return [County(org.code, org.name, cities.get(org.parent_id, ""), org.path) for org in rows]


def county_named(code, choices=None):
    """The county of a code among `choices` (or all), or None: unknown codes are simply no filter."""
    return next((c for c in (choices if choices is not None else counties()) if c.code == code), None)


def _public_q(county):
    # a plan is confirmed before it is published (rule Q-3): public once announced
    q = Q(state__in=PUBLIC_STATES) & ~Q(state=OutageState.CONFIRMED, source=OutageSource.PLAN)
    return q & subtree_q(county.path, "device__org__path") if county else q


def public_outages(*, county=None, place=""):
    """Current and announced outages (rules C-2, W-2), soonest first: in `county` if given, and
    whose area or device names `place` (a street, a village). Two queries whatever their number."""
    rows = OutageEvent.objects.filter(_public_q(county)).select_related("device", "device__org")
    place = place.strip()[:PLACE_MAX]
    if place:
        rows = rows.filter(Q(area__icontains=place) | Q(device__name__icontains=place))
    rows = list(rows.order_by("starts_at", "pk"))
    names = _county_names(rows)
    return [(outage, names.get(outage.pk, "")) for outage in rows]


def _county_names(outages):
    """{outage pk: its county's name}, from the device's org path: one query for all of them."""
    ids = {outage.pk: path_ids(outage.device.org.path) for outage in outages if outage.device.org_id}
    wanted = {pk for chain in ids.values() for pk in chain}
    counties = dict(Org.objects.filter(pk__in=wanted, kind=OrgKind.COUNTY).values_list("pk", "name")) if wanted else {}
    return {outage: next((counties[pk] for pk in chain if pk in counties), "") for outage, chain in ids.items()}


def notices_generation(county=None):
    """A value that changes whenever the public notices of `county` (or of all) change: the number
    of public outages there and their latest change. One aggregate query; the cached pages are
    keyed by it, so a change in one county leaves the other counties' pages cached, and every
    server process sees it (no message between processes needed)."""
    lo, hi = subtree_bounds(county.path) if county else ("", "\uffff")
    params = [*map(str, PUBLIC_STATES), str(OutageState.CONFIRMED), str(OutageSource.PLAN), lo, hi]
    count, latest = fastsql.fetch(_generation_sql(), params)[0]
    return f"{count}-{''.join(ch for ch in str(latest) if ch.isalnum())}"  # a valid cache key


@fastsql.statement
def _generation_sql():
    qn = fastsql.qn
    return (f"SELECT COUNT(*), MAX(e.{qn('updated_at')}) FROM {qn(OutageEvent._meta.db_table)} e"
            f" JOIN {qn(Device._meta.db_table)} d ON d.id = e.{qn('device_id')}"
            f" JOIN {qn(Org._meta.db_table)} o ON o.id = d.{qn('org_id')}"
            f" WHERE e.{qn('state')} IN ({fastsql.marks(len(PUBLIC_STATES))})"
            f" AND NOT (e.{qn('state')} = %s AND e.{qn('source')} = %s) AND o.path >= %s AND o.path < %s")


# ---------------------------------------------------------------- submissions (docs/portal.md)

def county_org(code):
    """The county company (县公司) of `code`, or None: where a submission without a matched
    customer goes."""
    return Org.objects.filter(code=code, kind=OrgKind.COUNTY).first() if code else None


def _digits(phone):
    return "".join(ch for ch in str(phone or "") if ch.isdigit())


def customer_matching(*, account_no, phone):
    """The customer of `account_no` if `phone` is the one on its file (the customer's phone or a
    contact's), else None, whether the account exists or not: the caller cannot tell which (no
    enumeration). One query, two when the contacts are asked."""
    from griddesk.customers.models import Customer

    wanted = _digits(phone)
    account_no = str(account_no or "").strip()
    if not wanted or not account_no or len(account_no) > 20:
        return None
    customer = Customer.objects.select_related("org", "transformer").filter(account_no=account_no).first()
    if customer is None:
        return None
    if _digits(customer.phone) == wanted:
        return customer
    phones = customer.contacts.values_list("phone", flat=True)
    return customer if any(_digits(p) == wanted for p in phones) else None
