"""Template helpers of the console: masked personal data, countdown text."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.orders import disclosure

register = template.Library()


@register.filter
def mask_phone(phone):
    """138****0001 / 0531****6666: lists never show a full phone number (orders.disclosure)."""
    return disclosure.mask_phone(phone)


@register.filter
def remaining_text(due_at, now=None):
    """'剩余 1小时05分' or '已超时 12分': the server-rendered start of a client-side countdown."""
    if due_at is None:
        return ""
    seconds = int((due_at - (now or timezone.now())).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    # The same words as the client-side countdown (console/_countdown.html), in the user's language.
    text = (f"{days}" + _("天") if days else "") + (f"{hours}" + _("小时") if hours or days else "")
    text += f"{minutes:02d}" + _("分") + f"{secs:02d}" + _("秒")
    return (_("已超时") if overdue else _("剩余")) + " " + text


@register.filter
def has_any_role(user, codes):
    """`user|has_any_role:"dispatcher,shift_leader"`: the user has one of the roles (superusers all)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*codes.split(","))


@register.filter
def crew_only(user):
    """A crew member without a desk role: the compact crew header, no desk links (desk item 4)."""
    from griddesk.console.views import crew_only as is_crew_only

    return user.is_authenticated and is_crew_only(user)


@register.inclusion_tag("console/_keymap.html")
def keymap_overlay():
    """The help overlay ("?") and the bindings griddesk.js reads: one keyboard map (console.keymap)."""
    from django.utils.translation import gettext as _

    from griddesk.console.keymap import bindings, keymap

    return {"keymap": keymap(), "bindings": bindings(), "ui_text": {"filter": _("输入筛选…")}}


@register.filter
def evidence_name(name):
    """An evidence file's own name, without the storage directories ("evidence/2026/12/…")."""
    return (name or "").rsplit("/", 1)[-1]


@register.filter
def may_audit(user):
    """The header links the auditor screen for those who may use it (audit.auditing.may_audit)."""
    from griddesk.audit.auditing import may_audit as allowed

    return allowed(user)
