"""Global search in the console's header (全局搜索): one box for an order number (whole or its tail
digits), a customer's or caller's name, part of a phone number or a fragment of an address.

Within what the user may read and see (orders.disclosure, rules K-7, K-9):

- only orders the user may open (`orders_readable_q`: their scope, less the reports hidden from them);
- the person behind an order is searched only where the user may see that person: never on a sealed
  matter (a report, an anonymous complaint: K-7), never on a matter about the user's own unit (K-9),
  and only for roles whose work needs personal data (`disclosure.PERSONAL_DATA_NEED`); everyone
  else finds orders by their number. So a name or a phone never leads to a matter its owner may not
  be named on, and a result's row shows the person as lists do (masked name and phone).

Two queries whatever the number of hits: the orders (customer joined) and their accusations.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from griddesk.orders import disclosure
from griddesk.orders.models import Accusation, WorkOrder

QUICK_LIMIT = 8
PAGE_LIMIT = 50
QUERY_MAX = 50
MIN_TAIL = 3  # order-number tail digits
MIN_PHONE = 4  # digits of a partial phone number
MIN_TEXT = 2  # characters of a name or an address fragment
_SEPARATORS = re.compile(r"[\s\-－—()（）]+")


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list
    message: str = ""  # why nothing was searched (too short), for the page


def normalise(query):
    """Trimmed, at most QUERY_MAX characters (a phone's separators are dropped where digits are read)."""
    return (query or "").strip()[:QUERY_MAX]


def person_searchable_q(user):
    """Orders whose person the user may find them by: not sealed (K-7), not about the user's unit
    (K-9), and only for roles whose work needs personal data; else nothing (an empty Q set)."""
    if not user.has_role(*disclosure.PERSONAL_DATA_NEED):
        return Q(pk__in=[])
    q = ~Q(order_type__in=disclosure.SEALED_TYPES) & Q(anonymous=False)
    units = disclosure._user_units(user)  # the user's unit and those above it: their accusations withhold
    if units:
        q &= ~Q(pk__in=Accusation.objects.filter(org_id__in=units).values("order_id"))
    return q


def _match_q(user, text):
    digits = _SEPARATORS.sub("", text)
    by_number = Q(number__iexact=text)
    by_person = Q()
    matched_person = False
    if digits.isascii() and digits.isdigit():
        if len(digits) >= MIN_TAIL:
            by_number |= Q(number__endswith=digits)
        if len(digits) >= MIN_PHONE:
            by_person = (Q(customer__phone__contains=digits) | Q(caller_phone__contains=digits)
                         | Q(customer__account_no=digits))
            matched_person = True
    elif len(text) >= MIN_TEXT:
        by_person = (Q(customer__name__icontains=text) | Q(caller_name__icontains=text)
                     | Q(customer__address__icontains=text))
        matched_person = True
    if not matched_person:
        return by_number
    return by_number | (by_person & person_searchable_q(user))


def order_search(*, user, query, limit=QUICK_LIMIT):
    """The orders `query` finds for `user`, newest first, each with `listed_person` (masked as in
    lists, or the K-7/K-9 notice). Two queries; none for a query too short to search."""
    text = normalise(query)
    digits = _SEPARATORS.sub("", text)
    if len(text) < MIN_TEXT and not (digits.isascii() and digits.isdigit() and len(digits) >= MIN_TAIL):
        return SearchResult(text, [], str(_("请至少输入 %d 个字符（工单尾号至少 %d 位数字）。") % (MIN_TEXT, MIN_TAIL))
                            if text else "")
    rows = list(
        WorkOrder.objects.filter(disclosure.orders_readable_q(user))
        .filter(_match_q(user, text))
        .select_related("customer")
        .order_by("-accepted_at", "-pk")[:limit]
    )
    disclosure.attach_accusations(rows)
    for row in rows:
        row.listed_person = _listed(row, user)
    return SearchResult(text, rows)


def _listed(order, user):
    """(name, phone, address) as a list shows them: masked always; the notice when hidden."""
    person = disclosure.person_of(order, user)
    if not person.shown:
        return {"notice": str(person.notice)}
    full = person.access == disclosure.Access.FULL
    phone = person.phone or person.caller_phone
    return {"name": disclosure.mask_name(person.customer_name or person.caller_name) if full
            else person.customer_name or person.caller_name,
            "phone": disclosure.mask_phone(phone) if full else phone,
            "address": disclosure.mask_address(person.address) if full else person.address}
