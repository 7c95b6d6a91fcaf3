"""The short window in which an audited "show" stays shown (查看窗口), issue 9 item 12.

Opening a sealed identity or showing masked personal data is a POST, audited once; it then redirects
to the page, which shows what was opened for `WINDOW`, so a reload neither re-submits the form nor
writes a second audit event, and nothing stays open on a shared desk for long.
"""

from datetime import timedelta

from django.utils import timezone

WINDOW = timedelta(minutes=2)


def _key(kind, key):
    return f"shown:{kind}:{key}"


def shown_remember(request, kind, key):
    request.session[_key(kind, key)] = (timezone.now() + WINDOW).timestamp()


def shown_recently(request, kind, key):
    until = request.session.get(_key(kind, key))
    if until is None:
        return False
    if timezone.now().timestamp() < until:
        return True
    del request.session[_key(kind, key)]
    return False
