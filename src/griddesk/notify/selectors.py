"""Reads of the outbox for the console: the unread count, the inbox, the outbox page (docs/notify.md)."""

from django.db.models import Q

from griddesk.notify.models import Message, NotifyChannel
from griddesk.orders import disclosure
from griddesk.orgs.selectors import orgs_visible_q

INBOX_PAGE = 20
OUTBOX_PAGE = 50


def inbox_q(user):
    """Console messages for the user: theirs, and their unit's desk (a unit's message is the desk's:
    whoever of it reads it first marks it read for all), less reports hidden from them (K-7, K-9)."""
    mine = Q(recipient=user)
    if user.org_id:
        mine |= Q(recipient__isnull=True, recipient_org_id=user.org_id)
    return Q(channel=NotifyChannel.CONSOLE) & mine & (
        Q(order__isnull=True) | disclosure.reports_hidden_q(user, "order__"))


def unread_count(user):
    """The header's live count: one query (the user's roles are read once per request)."""
    return Message.objects.filter(inbox_q(user), read_at__isnull=True).count()


def inbox_messages(user, *, page=1, unread=False):
    """A page of the user's console messages, newest first: (rows, has_next). One query."""
    rows = Message.objects.filter(inbox_q(user))
    if unread:
        rows = rows.filter(read_at__isnull=True)
    start = (max(page, 1) - 1) * INBOX_PAGE
    rows = list(rows.select_related("order").order_by("-created_at", "-pk")[start:start + INBOX_PAGE + 1])
    return rows[:INBOX_PAGE], len(rows) > INBOX_PAGE


def message_for(user, pk):
    """One of the user's messages (to mark it read), else None."""
    return Message.objects.filter(inbox_q(user), pk=pk).first()


def outbox_page(user, *, page=1, channel=""):
    """The outbox (SMS, e-mail, WeChat) of the user's scope, newest first: (rows, has_next). Addresses
    and texts as the user's personal-data access allows (orders.disclosure): masked for roles whose work
    does not need them, with the text left out."""
    rows = Message.objects.exclude(channel=NotifyChannel.CONSOLE).filter(
        orgs_visible_q(user, "order__org__path") if not user.is_superuser else Q())
    if channel in (NotifyChannel.SMS, NotifyChannel.EMAIL, NotifyChannel.WECHAT):
        rows = rows.filter(channel=channel)
    start = (max(page, 1) - 1) * OUTBOX_PAGE
    rows = list(rows.select_related("order").order_by("-created_at", "-pk")[start:start + OUTBOX_PAGE + 1])
    full = disclosure.personal_data_access(user) == disclosure.Access.FULL
    for row in rows:
        row.shown_address = row.address if full else disclosure.mask_phone(row.address)
        row.shown_body = row.body if full else ""
    return rows[:OUTBOX_PAGE], len(rows) > OUTBOX_PAGE
