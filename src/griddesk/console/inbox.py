"""The console's inbox (消息与待办), its live unread count, the outbox and the 通报 (docs/notify.md).

Thin views: the reads are `notify.selectors`, `console.selectors` and `orders.reminders`; marking a
message read is the inbox's own bookkeeping, closing a reminder is `orders.services.reminder_done`.
The header's count and the inbox lists poll with htmx every GRIDDESK_INBOX_POLL_SECONDS.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.console.selectors import open_reminders_for
from griddesk.notify import selectors as notify_selectors
from griddesk.notify.models import Message
from griddesk.orders.disclosure import order_readable
from griddesk.orders.models import Reminder, ReminderCircular
from griddesk.orders.reminders import overdue_for
from griddesk.orders.services import ConcurrentUpdate, reminder_done
from griddesk.orders.workflows import TransitionRefused
from griddesk.orgs.models import RoleCode

HTMX_STOP_POLLING = 286  # htmx stops a polling element that gets this status (a session that ended)
OUTBOX_ROLES = (RoleCode.SHIFT_LEADER, RoleCode.ADMINISTRATOR)
CIRCULAR_ROLES = (RoleCode.SUPERVISOR, RoleCode.MANAGER, RoleCode.SHIFT_LEADER)


def _page(request):
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def badge(request):
    """The header's unread count (htmx polls it): one count query; 286 ends the polling once logged out."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return render(request, "console/inbox/_badge.html", badge_context(request.user))


def badge_context(user):
    return {"unread": notify_selectors.unread_count(user), "poll_seconds": settings.GRIDDESK_INBOX_POLL_SECONDS}


@login_required
def inbox(request):
    """Messages (mine and my unit's) and open reminders addressed to me, my unit or my crew."""
    page, unread = _page(request), request.GET.get("unread") == "1"
    rows, has_next = notify_selectors.inbox_messages(request.user, page=page, unread=unread)
    context = {"inbox_rows": rows, "page": page, "has_next": has_next, "unread_only": unread,
               "reminders": open_reminders_for(request.user), "now": timezone.now(),
               "poll_seconds": settings.GRIDDESK_INBOX_POLL_SECONDS}
    if request.htmx:
        return render(request, "console/inbox/inbox.html#lists", context)
    user = request.user
    context.update(may_outbox=user.is_superuser or user.has_role(*OUTBOX_ROLES),
                   may_circular=user.is_superuser or user.has_role(*CIRCULAR_ROLES))
    return render(request, "console/inbox/inbox.html", context)


@login_required
@require_POST
def message_read(request, pk):
    message = notify_selectors.message_for(request.user, pk)
    if message is None:
        raise Http404(_("找不到该消息。"))
    Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
    return _back(request)


@login_required
@require_POST
def messages_read_all(request):
    count = Message.objects.filter(notify_selectors.inbox_q(request.user), read_at__isnull=True).update(
        read_at=timezone.now())
    messages.success(request, _("已将 %d 条消息标为已读。") % count)
    return _back(request)


@login_required
@require_POST
def reminder_close(request, pk):
    """The recipient closes a reminder (办结), rule K-6 (orders.services.reminder_done)."""
    reminder = Reminder.objects.select_related("order__org", "order__handling_org", "order__crew").filter(pk=pk).first()
    if reminder is None or not order_readable(reminder.order, request.user):
        raise Http404(_("找不到该催办，或不在您的管辖范围内。"))
    try:
        reminder_done(reminder=reminder, actor=request.user, note=request.POST.get("note", "").strip())
    except (PermissionDenied, TransitionRefused, ConcurrentUpdate) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已办结工单 %s 的%s。") % (reminder.order.number, reminder.get_kind_display()))
    return _back(request)


def _back(request):
    page = _page(request)
    return redirect(reverse("console:inbox:page") + (f"?page={page}" if page > 1 else ""))


@login_required
def outbox(request):
    """The outbox (发件箱): SMS, e-mail and WeChat messages, sent or waiting, for shift leaders and
    administrators."""
    if not (request.user.is_superuser or request.user.has_role(*OUTBOX_ROLES)):
        raise PermissionDenied(_("只有值长和系统管理员可以查看发件箱。"))
    page = _page(request)
    channel = request.GET.get("channel", "")
    rows, has_next = notify_selectors.outbox_page(request.user, page=page, channel=channel)
    return render(request, "console/inbox/outbox.html", {"rows": rows, "page": page, "has_next": has_next,
                                                          "channel": channel})


@login_required
def circular(request):
    """The 通报 page: overdue open reminders of the user's scope, per desk unit, live; the daily
    circulars issued (rule K-6)."""
    if not (request.user.is_superuser or request.user.has_role(*CIRCULAR_ROLES)):
        raise PermissionDenied(_("只有督办、管理人员和值长可以查看催办督办通报。"))
    now = timezone.now()
    groups = overdue_for(request.user, now=now)
    return render(request, "console/inbox/circular.html", {
        "groups": groups, "now": now, "total": sum(len(items) for _unit, items in groups),
        "issued": list(ReminderCircular.objects.all()[:14]),
    })
