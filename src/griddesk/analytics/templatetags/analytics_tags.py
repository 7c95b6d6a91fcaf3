"""Formatting of dashboard figures in templates (analytics.tables.figure)."""

from django import template

from griddesk.analytics.tables import figure as _figure

register = template.Library()


@register.filter
def figure(value, kind):
    return _figure(value, kind)
