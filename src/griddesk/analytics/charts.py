"""Server-drawn SVG bar charts (no script, no CDN): a table's label column against a value column."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from griddesk.tables import PCT

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 170
BAR_WIDTH = 360
MAX_BARS = 24


def _number(value, kind):
    if value is None:
        return "—"
    if kind == PCT:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(table):
    """An inline <svg> of `table.chart` (label, value columns), or "" when the table has none or no data."""
    if not table.chart or not table.rows:
        return ""
    label_i, value_i = table.chart
    kind = table.columns[value_i].kind
    rows = [(str(r[label_i].value), r[value_i].value) for r in table.rows[:MAX_BARS]]
    peak = max((v for _l, v in rows if isinstance(v, int | float)), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 80
    parts = [f'<svg class="chart" role="img" aria-label="{escape(table.title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = 0 if not isinstance(value, int | float) else max(0.0, value) / peak * BAR_WIDTH
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
                     f'{escape(label[:18])}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="#2b6cb0"/>')
        parts.append(f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 13}" font-size="12">'
                     f'{escape(_number(value, kind))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text escaped above
