"""Who may see what of an order and of the person behind it (当事人信息保密), rules K-7 and K-9.

The one place that decides it; every channel that renders an order or a customer asks here
(console pages and timelines, the caller page and card, queues, the API, the admin, crew pages):

- A report (举报) or an anonymous matter is *sealed*: nobody sees who is behind it on any page,
  list or answer, administrators included; the identity (name, phone, contact, account) is kept
  encrypted apart from the order and opened only through `services.identity_open`, by a role
  allowed to, never by the accused, every opening audited.
- The units a complaint or report is about (`Accusation`, recorded at intake or by the
  handler, kept for the order's life) are *accused*: their staff never see who complained
  (rule K-9), never read a report about themselves, and no report is forwarded to them.
- Reports are read by the desks that handle them (agents, shift leaders, back office, return
  visits, supervisors, managers, auditors), never by crews or dispatchers.
- Everyone else in scope sees the person's data in full if their work needs it (on the call,
  handling, visiting, on site), masked otherwise, with an explicit "show" that is audited.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from griddesk.orders.models import Accusation, OrderType
from griddesk.orgs.models import Crew, RoleCode
from griddesk.orgs.selectors import order_visible, orgs_visible_q
from griddesk.paths import path_ids

R = RoleCode
REPORT_READERS = frozenset({R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE, R.RETURN_VISIT, R.SUPERVISOR, R.MANAGER,
                            R.AUDITOR})
# Whose work needs a customer's name, phone, address and account in full: the call, the handling,
# the return visit, the dispatch and the site. Supervisors, managers and auditors see them masked.
PERSONAL_DATA_NEED = frozenset({R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE, R.RETURN_VISIT, R.DISPATCHER,
                                R.REPAIR_CREW})
SEALED_TYPES = frozenset({OrderType.REPORT})
ACCUSABLE = frozenset({OrderType.COMPLAINT, OrderType.REPORT})  # matters that can be about a unit (K-9)


class Access(StrEnum):
    """How much of the person behind an order (or of a customer) a user sees."""

    FULL = "full"
    MASKED = "masked"  # partly starred; "show" reveals it, audited
    WITHHELD = "withheld"  # rule K-9: the accused unit sees nothing of the complainant
    SEALED = "sealed"  # rule K-7: nobody sees it outside `identity_open`


def identity_sealed(order):
    """Rule K-7: a report, or a matter whose customer asked for anonymity."""
    return order.anonymous or order.order_type in SEALED_TYPES


def sealed_kind(order_type, anonymous):
    """`identity_sealed` before the order exists (intake)."""
    return bool(anonymous) or order_type in SEALED_TYPES


# ---------------------------------------------------------------- accused units (rule K-9)


def _accusations(order):
    """{org id: org code} of the units the order is about; one query, cached on the order
    (`attach_accusations` fills it for a page of orders at once; intake sets it on a draft)."""
    if not hasattr(order, "_accused"):
        if order.order_type not in ACCUSABLE or order.pk is None:
            return {}  # only complaints and reports are about a unit; an unsaved order has none recorded
        order._accused = dict(Accusation.objects.filter(order_id=order.pk).values_list("org_id", "org__code"))
    return order._accused


def accused_ids(order):
    return frozenset(_accusations(order))


def accused_codes(order):
    return sorted(_accusations(order).values())


def accusations_set(order, orgs):
    """Tell an unsaved or just-changed order which units it is about (no query afterwards)."""
    order._accused = {org.pk: org.code for org in orgs}


def accusations_forget(order):
    """After recording an accusation: the next question reads them again."""
    order.__dict__.pop("_accused", None)


def attach_accusations(orders):
    """Fill the accusations of many orders: one query, none if no complaint or report is among them."""
    concerned = [o.pk for o in orders if o.order_type in ACCUSABLE]
    by_order = {}
    if concerned:
        rows = Accusation.objects.filter(order_id__in=concerned).values_list("order_id", "org_id", "org__code")
        for order_id, org_id, code in rows:
            by_order.setdefault(order_id, {})[org_id] = code
    for order in orders:
        order._accused = by_order.get(order.pk, {})
    return orders


def _user_units(user):
    """The user's own unit and the units above it: an accusation of any of them accuses the user."""
    org = getattr(user, "org", None) if user.org_id else None
    return frozenset(path_ids(org.path)) if org is not None and org.path else frozenset()


def is_accused(user, order):
    """Rule K-9: the user works in (or under) a unit the order is about."""
    units = _user_units(user)
    return bool(units) and bool(accused_ids(order) & units)


def org_accused(org, order):
    """`org` is, or lies under, a unit the order is about (a forward there would hand it to the accused)."""
    return bool(org.path) and bool(accused_ids(order) & frozenset(path_ids(org.path)))


# ---------------------------------------------------------------- reading orders


def reads_reports(user):
    return user.has_role(*REPORT_READERS)


def report_hidden_from(order, user):
    """A report the user may not read: they are not a report desk, or it is about their unit."""
    if order.order_type != OrderType.REPORT:
        return False
    return not reads_reports(user) or is_accused(user, order)


def order_readable(order, user):
    """The user may open the order: in their scope (orgs.selectors.order_visible), and not a
    report hidden from them."""
    return order_visible(order, user) and not report_hidden_from(order, user)


def reports_hidden_q(user, prefix=""):
    """The SQL side of `report_hidden_from`, for lists (queues, search, exports): `prefix` reaches
    the order from the rows listed ("order__" from clocks). The accusations are an uncorrelated
    sub-query (the few orders accusing the user's units), hashed once, not probed per row."""
    report = Q(**{f"{prefix}order_type": OrderType.REPORT})
    if not reads_reports(user):
        return ~report
    units = _user_units(user)
    if not units:
        return Q()
    about_user = Accusation.objects.filter(org_id__in=units).values("order_id")
    return ~(report & Q(**{f"{prefix}pk__in": about_user}))


def orders_readable_q(user):
    """Orders a user may open, as a filter on WorkOrder: their org subtree's, those forwarded to
    it, their crew's (as `order_visible`), less the reports `order_readable` refuses."""
    if user.is_superuser:
        return reports_hidden_q(user)
    scope = (
        orgs_visible_q(user, "org__path")
        | orgs_visible_q(user, "handling_org__path")
        | Q(crew__in=Crew.objects.filter(members=user).values("pk"))
    )
    return scope & reports_hidden_q(user)


# ---------------------------------------------------------------- the person behind an order


def personal_data_access(user):
    """For a customer as such (caller page, card, look-up): full if the user's work needs it."""
    return Access.FULL if user.has_role(*PERSONAL_DATA_NEED) else Access.MASKED


def person_hidden(order, user):
    """Nothing of the person is shown to the user: sealed (K-7), or withheld from the accused (K-9).
    No role query (lists ask it of every row)."""
    return identity_sealed(order) or is_accused(user, order)


def person_access(order, user):
    """How much of the person behind `order` the user sees (the order must be readable to them)."""
    if identity_sealed(order):
        return Access.SEALED
    if is_accused(user, order):
        return Access.WITHHELD
    return personal_data_access(user)


def mask_phone(phone):
    """138****0001 / 0531****6666."""
    phone = (phone or "").strip()
    digits = phone.replace("-", "").replace(" ", "")
    if len(digits) < 7:
        return "*" * len(phone)
    head = 4 if digits.startswith("0") else 3
    return digits[:head] + "****" + digits[-4:]


def mask_name(name):
    """张*, 张*伟, 欧**锋: the family name and, for three characters or more, the last one."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(account_no):
    """1000****01: enough to tell two accounts of one caller apart, not to look one up."""
    account_no = (account_no or "").strip()
    if len(account_no) <= 4:
        return "*" * len(account_no)
    return account_no[:4] + "****" + account_no[-2:]


ADDRESS_SHOWN = 6


def mask_address(address):
    """The first few characters (district, town), then stars: where, not which door."""
    address = (address or "").strip()
    if len(address) <= ADDRESS_SHOWN:
        return address[:2] + "*" * max(0, len(address) - 2)
    return address[:ADDRESS_SHOWN] + "****"


@dataclass(frozen=True)
class Person:
    """The person behind an order as one user may see them (当事人). Empty strings where hidden."""

    access: Access
    customer_name: str = ""
    account_no: str = ""
    phone: str = ""
    address: str = ""
    caller_name: str = ""
    caller_phone: str = ""

    @property
    def shown(self):
        return self.access in (Access.FULL, Access.MASKED)

    @property
    def notice(self):
        return NOTICES.get(self.access, "")


NOTICES = {
    Access.SEALED: _("身份已封存（规则 K-7）"),
    Access.WITHHELD: _("对被投诉/举报单位保密（规则 K-9）"),
    Access.MASKED: _("已部分隐藏"),
}


def person_of(order, user, *, reveal=False):
    """The person behind `order` as `user` sees them; `reveal` lifts the masking (the caller
    audits it: `services.person_reveal`), never a seal or a K-9 withholding."""
    access = person_access(order, user)
    if access in (Access.SEALED, Access.WITHHELD):
        return Person(access)
    customer = order.customer if order.customer_id else None
    person = Person(
        access=Access.FULL if reveal else access,
        customer_name=customer.name if customer else "", account_no=customer.account_no if customer else "",
        phone=customer.phone if customer else "", address=customer.address if customer else "",
        caller_name=order.caller_name, caller_phone=order.caller_phone,
    )
    return person if person.access == Access.FULL else masked(person)


def masked(person):
    return Person(
        access=Access.MASKED, customer_name=mask_name(person.customer_name),
        account_no=mask_account(person.account_no), phone=mask_phone(person.phone),
        address=mask_address(person.address), caller_name=mask_name(person.caller_name),
        caller_phone=mask_phone(person.caller_phone),
    )


@dataclass(frozen=True)
class CustomerView:
    """A customer's personal data as one user may see it (caller page, card, look-up)."""

    access: Access
    name: str
    account_no: str
    phone: str
    address: str


def customer_view(customer, user, *, reveal=False):
    access = Access.FULL if reveal else personal_data_access(user)
    if access == Access.FULL:
        return CustomerView(access, customer.name, customer.account_no, customer.phone, customer.address)
    return CustomerView(access, mask_name(customer.name), mask_account(customer.account_no),
                        mask_phone(customer.phone), mask_address(customer.address))


# ---------------------------------------------------------------- free text in notifications


def notice_text(order, text):
    """Staff-typed text (a reminder's reason, a bounce's) as a notification or inbox line may carry
    it: nothing for a sealed order (K-7: whoever is behind it may be named in it), else with the
    order's customer and caller (name, phone, account, address) masked wherever they appear (K-9)."""
    text = (text or "").strip()
    if not text or identity_sealed(order):
        return ""
    return persons_masked_in(order, text)


REDACTED = "****"


def persons_masked_in(order, text, *, redact=False):
    """`text` with the order's customer and caller (name, phone, account, address) masked wherever
    they appear: staff-typed text shown to someone without full access to the person (K-7, K-9).
    `redact`: replaced by "****" instead, for whom nothing of the person may show (sealed, withheld)."""
    customer = order.customer if order.customer_id else None
    values = [(order.caller_phone, mask_phone), (order.caller_name, mask_name)]
    if customer is not None:
        values += [(customer.phone, mask_phone), (customer.account_no, mask_account),
                   (customer.address, mask_address), (customer.name, mask_name)]
    for value, mask in sorted(values, key=lambda item: -len(item[0] or "")):
        value = (value or "").strip()
        if len(value) >= 2 and value in text:
            text = text.replace(value, REDACTED if redact else mask(value))
    return text


# ---------------------------------------------------------------- audit payloads shown to staff

# Payload keys that name or reach a person, and how each is masked.
PERSONAL_KEYS = {
    "customer": mask_account, "account_no": mask_account, "caller_name": mask_name, "caller_phone": mask_phone,
    "phone": mask_phone, "consent_by": mask_name, "name": mask_name, "contact": lambda _v: "****",
    "address": mask_address,
}


def payload_for(payload, access):
    """An audit event's payload as a user with `access` to the order's person may see it: personal
    entries masked, or dropped for sealed and K-9 withheld orders. The stored event is untouched."""
    if access == Access.FULL:
        return payload
    shown = {}
    for key, value in payload.items():
        if key in PERSONAL_KEYS and value not in (None, ""):
            if access != Access.MASKED:
                continue
            value = PERSONAL_KEYS[key](str(value))
        shown[key] = value
    return shown


def event_payload_for(event, user):
    """An audit event's payload as `user` may see it (the admin, an auditor's screen): events of a
    work order follow that order's person access; other streams carry no complainant."""
    from griddesk.audit.services import stream_of
    from griddesk.orders.models import WorkOrder

    prefix = stream_of(WorkOrder(pk=0))[:-1]
    if not event.stream.startswith(prefix):
        return event.payload
    order = WorkOrder.objects.filter(pk=event.stream[len(prefix):]).select_related("org", "handling_org").first()
    if order is None:
        return payload_for(event.payload, Access.SEALED)
    return payload_for(event.payload, person_access(order, user))
