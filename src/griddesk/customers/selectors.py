"""Reads about customers (客户): look-ups by account and by phone for the hotline agent."""

from griddesk import fastsql
from griddesk.customers.importers import normalise_phone, phone_variants
from griddesk.customers.models import Contact, Customer


def customer_by_account(account_no):
    """The customer with this account number (户号), or None. One query; the transformer comes
    along (select_related), so its supply path is then one query more."""
    return (
        Customer.objects.select_related("transformer")
        .filter(account_no=account_no.strip())
        .first()
    )


def customers_by_phone(phone):
    """Customers whose own phone or one of whose contacts' phones is `phone`. One query.

    `phone` is normalised as the customer import does (`normalise_phone`: "138 1234 5678",
    "+86 13812345678", "0531-88886666" all work); a landline also matches hand-entered
    "0531-88886666" forms. Not a valid number: no customers, no query.
    """
    normalised = normalise_phone(phone or "")
    if normalised is None:
        return Customer.objects.none()
    own, contacts = customer_id_queries_by_phone(normalised)
    ids = own.union(contacts)
    return Customer.objects.select_related("transformer").filter(pk__in=ids).order_by("account_no")


def customer_id_queries_by_phone(normalised):
    """Two id look-ups, by the customer's own phone and by a contact's, for the caller to UNION.

    A UNION of index look-ups, not an OR over a subquery: PostgreSQL cannot combine such an OR
    from indexes and walks the whole account_no index instead (0.7 s at a million customers).
    """
    variants = phone_variants(normalised)
    return (Customer.objects.filter(phone__in=variants).values("pk"),
            Contact.objects.filter(phone__in=variants).values("customer_id"))


def customer_ids_by_phone_sql(variants):
    """The same two id look-ups as `customer_id_queries_by_phone`, as text for a statement written
    by hand (the caller look-up, griddesk.fastsql): a UNION to put in `IN (…)`, whose parameters
    are the `variants` phone forms (`phone_variants`, `variants` of them) twice."""
    marks = fastsql.marks(variants)
    qn = fastsql.qn
    return (f"SELECT {qn('id')} FROM {qn(Customer._meta.db_table)} WHERE {qn('phone')} IN ({marks})"
            f" UNION SELECT {qn('customer_id')} FROM {qn(Contact._meta.db_table)} WHERE {qn('phone')} IN ({marks})")
