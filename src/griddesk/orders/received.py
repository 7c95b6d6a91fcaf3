"""When the customer handed a matter in (`received_at`, rule K-2): how far back and ahead it may be.

Orders that came by letter, suggestion box or a reception day are entered later, with the date the
customer handed them in, and their clocks start then (K-2). That date may lie at most
`MAX_BACKDATE_DAYS` (90) days back: a quarter covers a suggestion box opened quarterly and a
reception day's records, while a slip of the year (0001, 1900, last year for this year) no longer
starts clocks that are breached before anyone sees the order; an older matter is a records
correction for an administrator, not an intake. It may not lie in the future (one minute's grace
for clocks that differ). `orders.services._validate_create` (console, API, imports) and the API's
request schema both ask `received_at_problem`.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

MAX_BACKDATE_DAYS = 90
MAX_AHEAD = timedelta(minutes=1)


def received_at_problem(received_at, now):
    """Why `received_at` cannot be an order's hand-in time, in the user's language; None if it can."""
    if received_at > now + MAX_AHEAD:
        return _("客户提交时间不能晚于当前时间。")
    oldest = now - timedelta(days=MAX_BACKDATE_DAYS)
    if received_at < oldest:
        return _("客户提交时间不能早于 %(days)d 天前（%(oldest)s）：来信、意见箱、接待日等补录的工单"
                 "最多回溯 %(days)d 天（规则 K-2）。") % {
            "days": MAX_BACKDATE_DAYS, "oldest": timezone.localtime(oldest).strftime("%Y-%m-%d %H:%M")}
    return None
