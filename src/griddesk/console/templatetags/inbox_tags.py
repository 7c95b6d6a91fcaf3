"""The header's live unread count (console/_inbox_badge.html, included once by console/base.html)."""

from django import template

register = template.Library()


@register.inclusion_tag("console/inbox/_badge.html", takes_context=True)
def inbox_badge(context):
    from griddesk.console.inbox import badge_context

    user = context["request"].user
    return badge_context(user) if user.is_authenticated else {"unread": None}
