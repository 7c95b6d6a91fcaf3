"""Formatting of dashboard figures: fractions as percentages, counts with separators, "—" for none."""

from django import template

from griddesk.analytics.tables import INT, NUM, PCT

register = template.Library()


@register.filter
def figure(value, kind):
    if value is None or value == "":
        return "—"
    if kind == PCT:
        return f"{value * 100:.1f}%"
    if kind == INT or (kind == NUM and isinstance(value, int)):
        return f"{int(value):,}"
    if kind == NUM:
        return f"{value:,.1f}"
    return value


@register.filter
def index(sequence, i):
    return sequence[i]
