"""Session limits for a shared call-centre desk (docs/security.md, "Sessions").

The cookie has no expiry (it goes when the browser closes). On the server a session ends after
SESSION_COOKIE_AGE seconds without a request (idle) and GRIDDESK_SESSION_MAX_AGE seconds after
the login (one shift), whatever happens in between. The last-seen time is written at most once
a minute, so a busy desk does not write its session on every request (SQLite has one writer).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LOGIN_AT = "griddesk_login_at"
SEEN_AT = "griddesk_seen_at"
TOUCH_SECONDS = 60


def session_clock_start(sender, request, user, **kwargs):
    """user_logged_in: the shift and idle clocks start at the login."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[LOGIN_AT] = now
        session[SEEN_AT] = now


def session_expiry(session, now):
    """None while the session may go on, else why it ends: "idle" or "shift"."""
    login_at = session.get(LOGIN_AT)
    if login_at is None:
        return None
    if now - login_at >= settings.GRIDDESK_SESSION_MAX_AGE:
        return "shift"
    if now - session.get(SEEN_AT, login_at) >= settings.SESSION_COOKIE_AGE:
        return "idle"
    return None


class SessionLimitsMiddleware:
    """Ends a logged-in session that was idle too long or outlived a shift; keeps the others fresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request, session):
        now = int(time.time())
        if LOGIN_AT not in session:  # a session from before these limits: its clocks start now
            session[LOGIN_AT] = now
            session[SEEN_AT] = now
            return
        reason = session_expiry(session, now)
        if reason is None:
            if now - session.get(SEEN_AT, 0) >= TOUCH_SECONDS:
                session[SEEN_AT] = now  # saved with a new server-side expiry
            return
        logout(request)
        if reason == "shift":
            text = _("已连续登录超过%(hours)d小时（一个班次），请重新登录。") % {
                "hours": settings.GRIDDESK_SESSION_MAX_AGE // 3600}
        else:
            text = _("已超过%(minutes)d分钟没有操作，为保护客户信息已自动退出，请重新登录。") % {
                "minutes": settings.SESSION_COOKIE_AGE // 60}
        messages.warning(request, text, fail_silently=True)
