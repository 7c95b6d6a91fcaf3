"""IVR pre-routing (自助语音停电播报): a caller inside a known outage hears its cause and expected
restoration with the apology of rule C-9, and may leave the call as a child order of the outage
(the callback is owed: the restoration message reaches every caller of the outage, rule C-12).

`announcement_for` is the read (one statement for the caller's customers, one per customer for
its outage, at most IVR_CUSTOMERS); `announcement_text` is what the IVR plays, always in Chinese.
"""

from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from griddesk.customers.lookup import customers_by_phone
from griddesk.outages.selectors import outage_covering

IVR_CUSTOMERS = 10  # a phone shared by more customers (a landlord's) is checked for the first ten


@dataclass
class Announcement:
    phone: str
    customers: list  # the caller's customers visible to the user, by account number
    customer: object  # the one inside an outage (else the first), or None if nobody has this phone
    outage: object  # the open outage on its supply path, or None


def announcement_for(*, phone, user, account_no=None, now=None):
    """What the IVR should say to `phone` (about the customer `account_no` among the phone's, if
    given); None if the number is not a valid phone number."""
    now = now or timezone.now()
    customers = customers_by_phone(phone=phone, user=user, limit=IVR_CUSTOMERS)
    if customers is None:
        return None
    if account_no is not None:
        customers = [c for c in customers if c.account_no == account_no]
    for customer in customers:
        outage = outage_covering(transformer=customer.transformer, at=now)
        if outage is not None:
            return Announcement(phone=phone, customers=customers, customer=customer, outage=outage)
    return Announcement(phone=phone, customers=customers, customer=customers[0] if customers else None,
                        outage=None)


def announcement_text(outage):
    """The words the IVR plays for `outage` (rule C-9: the cause, the expected restoration, an
    apology), in Chinese whatever the request's language: the hotline speaks Chinese."""
    with translation.override("zh-hans"):
        cause = outage.cause or _("设备故障")
        if outage.expected_restoration_at:
            when = timezone.localtime(outage.expected_restoration_at)
            restore = _("预计%(month)d月%(day)d日%(hour)d时%(minute)02d分恢复供电") % {
                "month": when.month, "day": when.day, "hour": when.hour, "minute": when.minute}
        else:
            restore = _("抢修人员正在全力抢修，恢复时间待定")
        return _("尊敬的客户，您好！您所在区域因%(cause)s停电，%(restore)s。给您带来不便，我们深表歉意。"
                 "我们已记录您的来电，恢复供电后将通知您。") % {"cause": cause, "restore": restore}
