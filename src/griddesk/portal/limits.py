"""Rate limits of the public site's forms (防刷): per IP address and per phone number, counted in the
shared cache by griddesk.abuse (every server process counts the same attempts).

Limits count attempts (every POST of a public form, valid or not) in fixed windows of
`GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES`. A limit hit is answered 429. The challenge every form asks is
griddesk.abuse's.
"""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from griddesk.abuse.services import attempt_counted, client_ip

PHONE_DIGITS = re.compile(r"\D")


class LimitExceeded(Exception):
    """Too many attempts from one IP address or for one phone number (HTTP 429)."""


def limits_check(*, request, phone=""):
    """Count this submission attempt against the requester's IP address and, if given, the phone
    number; raise LimitExceeded when either is over its limit for the window."""
    minutes = max(1, settings.GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES)
    ip_ok = attempt_counted("form-ip", client_ip(request) or "unknown", limit=settings.GRIDDESK_PORTAL_IP_LIMIT,
                            seconds=minutes * 60)
    digits = PHONE_DIGITS.sub("", phone or "")
    phone_ok = attempt_counted("form-phone", digits, limit=settings.GRIDDESK_PORTAL_PHONE_LIMIT,
                               seconds=minutes * 60) if digits else True
    if not ip_ok:
        raise LimitExceeded(_("提交过于频繁：同一网络地址每 %(minutes)d 分钟最多提交 %(limit)d 次，请稍后再试。") % {
            "minutes": minutes, "limit": settings.GRIDDESK_PORTAL_IP_LIMIT})
    if not phone_ok:
        raise LimitExceeded(_("提交过于频繁：同一电话号码每 %(minutes)d 分钟最多提交 %(limit)d 次，请稍后再试。") % {
            "minutes": minutes, "limit": settings.GRIDDESK_PORTAL_PHONE_LIMIT})
