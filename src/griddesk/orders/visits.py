"""The customer's side of a return visit (客户回访), rule C-12: a one-tap satisfaction link by SMS.

When an order comes to the point where it is visited (a complaint replied to; a repair resolved that
is drawn or asked for a visit), the customer gets an SMS through the outbox with a link to the public
form `/satisfaction/<token>/`: very satisfied, satisfied, neutral, dissatisfied, with reasons. The
token is signed (SECRET_KEY, its own salt), names the order and works for
GRIDDESK_SATISFACTION_LINK_DAYS; the answer is the order's return visit (`services.order_visit`, the
workflow's `visit` step, by no staff member), so an order is answered once, by the link or by a
return-visit agent's call, whichever comes first.

Sealed matters (reports, anonymous ones: K-7) have no phone on the order and get no link.
"""

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.audit.services import audit_append, stream_of
from griddesk.notify.models import NotifyChannel
from griddesk.notify.phrases import Phrase
from griddesk.notify.services import message_send
from griddesk.orders.models import OrderState, OrderType, Satisfaction, VisitReason, WorkOrder

SALT = "griddesk.orders.visits.link"
# the public site's form (portal/urls.py "satisfaction"): written out, not reversed, so that the link is
# the same whichever channel made the visit due and whatever URLs are loaded (an API-only deployment)
LINK_PATH = "/satisfaction/{token}/"
# what the customer may answer (无法联系 is the agent's record of a call nobody took)
PUBLIC_SATISFACTION = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.NEUTRAL,
                       Satisfaction.DISSATISFIED)


class VisitLinkInvalid(Exception):
    """A satisfaction link that is tampered with, expired, or whose order is already visited."""


def visit_token(order):
    return signing.dumps({"o": order.pk}, salt=SALT)


def visit_link(order):
    """The link the SMS carries: the public site's address and the signed token."""
    return settings.GRIDDESK_PUBLIC_URL + LINK_PATH.format(token=visit_token(order))


def visit_order(token):
    """The order a link names, if the link is genuine and not expired; raises VisitLinkInvalid."""
    max_age = settings.GRIDDESK_SATISFACTION_LINK_DAYS * 86400
    try:
        pk = signing.loads(token, salt=SALT, max_age=max_age)["o"]
    except signing.SignatureExpired:
        raise VisitLinkInvalid(_("评价链接已过期（%d 天内有效）。如需评价，请拨打 95598。")
                               % settings.GRIDDESK_SATISFACTION_LINK_DAYS) from None
    except (signing.BadSignature, KeyError, TypeError):
        raise VisitLinkInvalid(_("评价链接无效，请核对短信中的链接。")) from None
    order = WorkOrder.objects.filter(pk=pk).first()
    if order is None:
        raise VisitLinkInvalid(_("评价链接无效，请核对短信中的链接。"))
    return order


def visit_answerable(order):
    """True while the order waits for its return visit (the link's answer is that visit)."""
    if order.order_type == OrderType.COMPLAINT:
        return order.state == OrderState.REPLIED
    return order.order_type == OrderType.REPAIR and order.state == OrderState.RESOLVED and order.visit_wanted


def invite_due(order, before, action):
    """Whether the transition just made (`before` → order.state by `action`) calls for the link: the
    order has just come to its return visit."""
    if not visit_answerable(order):
        return False
    return before != order.state or action == "request_visit"


def visit_invite(order, *, at=None):
    """Send the satisfaction link to the customer's phone (outbox, SMS), recorded on the order; once
    per order (dedupe). Nothing is sent without a phone (sealed matters). Returns the message or None."""
    phone = order.customer.phone if order.customer_id else order.caller_phone
    if not phone:
        return None
    at = at or timezone.now()
    days = settings.GRIDDESK_SATISFACTION_LINK_DAYS
    body = Phrase(gettext_noop("您的工单 %(number)s 已办理。请点击链接评价我们的服务（%(days)d 天内有效）：%(link)s"),
                  number=order.number, days=days, link=visit_link(order))
    message = message_send(channel=NotifyChannel.SMS, address=phone, order=order, at=at,
                           subject=Phrase(gettext_noop("95598 服务评价")), body=body,
                           dedupe_key=f"visit-link:{order.pk}")
    audit_append(stream=stream_of(order), action="order.visit_invited", at=at, payload={"days": days})
    return message


def visit_answer(*, token, satisfaction, reasons=(), note=""):
    """The customer's answer through the link (rule C-12): recorded as the order's return visit, by no
    staff member. Raises VisitLinkInvalid (bad, expired, already answered) or ValidationError (the form)."""
    from django.core.exceptions import ValidationError

    from griddesk.orders.services import ConcurrentUpdate, order_visit
    from griddesk.orders.workflows import TransitionRefused

    order = visit_order(token)
    if satisfaction not in PUBLIC_SATISFACTION:
        raise ValidationError({"satisfaction": _("请选择满意度。")})
    if not visit_answerable(order):
        raise VisitLinkInvalid(_("该工单已评价过，感谢您的反馈。"))
    try:
        return order_visit(order=order, actor=None, satisfaction=satisfaction, reasons=reasons,
                           note=note[:200], channel="link")
    except (TransitionRefused, ConcurrentUpdate):  # answered or visited meanwhile
        raise VisitLinkInvalid(_("该工单已评价过，感谢您的反馈。")) from None


REASON_CHOICES = VisitReason.choices
