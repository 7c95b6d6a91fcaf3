"""The quality pages' tables (报表): one shape rendered as HTML, CSV and Excel, and SVG bar charts.

A `Table` has columns (title, format) and rows of `Cell`s (value, link). The page shows every
figure as a link to what is behind it; `?export=csv|xlsx&table=NAME` gives the same table as a file
(Excel: frozen header row, number formats). Charts are drawn here as SVG (no script, no CDN).
"""

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.translation import gettext as _

from griddesk.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes

# format -> (how the page shows it, Excel number format)
FORMATS = {
    "text": (None, "@"),
    "int": ("{:,.0f}", "#,##0"),
    "f2": ("{:,.2f}", "#,##0.00"),
    "f4": ("{:,.4f}", "0.0000"),
    "pct": ("{:.4f}%", '0.0000"%"'),
    "pct2": ("{:.2f}%", '0.00"%"'),
}


@dataclass
class Cell:
    value: object
    link: str = ""

    def text(self, fmt):
        if self.value is None:
            return "—"
        if isinstance(self.value, bool):
            return _("达标") if self.value else _("未达标")
        pattern = FORMATS[fmt][0]
        if pattern is None or not isinstance(self.value, (int, float)):
            return str(self.value)
        return pattern.format(self.value)


@dataclass
class Table:
    name: str
    title: str
    columns: list  # [(title, format)]
    rows: list = field(default_factory=list)  # [[Cell]]
    limit: int | None = None  # rows the page shows (the exports have them all)

    def add(self, *cells):
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])

    def shown(self):
        """[(text, link, format)] rows for the template: the first `limit`."""
        return [[(cell.text(fmt), cell.link, fmt) for cell, (_title, fmt) in zip(row, self.columns, strict=True)]
                for row in self.rows[:self.limit]]

    @property
    def cut(self):
        """The page shows fewer rows than the table has."""
        return self.limit is not None and len(self.rows) > self.limit


def _plain(cell, fmt):
    if isinstance(cell.value, bool):
        return cell.text(fmt)
    if cell.value is None:
        return ""
    return cell.value


def export(table, kind, filename):
    """The table as a CSV (UTF-8 with BOM, for Excel) or .xlsx download."""
    rows = ([_plain(cell, fmt) for cell, (_t, fmt) in zip(row, table.columns, strict=True)] for row in table.rows)
    if kind == "csv":
        response = HttpResponse(csv_bytes([title for title, _fmt in table.columns], rows), content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    data = xlsx_bytes([(table.name, [title for title, _fmt in table.columns],
                        [FORMATS[fmt][1] for _title, fmt in table.columns], rows)])
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@dataclass
class Bar:
    label: str
    value: float
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    good: bool | None = None
    text: str = ""
    link: str = ""


def bar_chart(bars, *, low=None, high=None, target=None, width=560, height=220, fmt="{:.2f}"):
    """Bars laid out for the SVG template (quality/_bars.svg.html): scaled between `low` and `high`
    (defaults: 0 and the largest value), with an optional target line."""
    values = [b.value for b in bars if b.value is not None]
    low = 0 if low is None else low
    top = max(values + ([target] if target is not None else []), default=1)
    high = high if high is not None else (top if top > low else low + 1)
    plot_top, plot_bottom, left = 20, height - 40, 50
    span = max(high - low, 1e-9)
    slot = (width - left - 10) / max(len(bars), 1)
    for i, bar in enumerate(bars):
        value = low if bar.value is None else min(max(bar.value, low), high)
        bar.height = (value - low) / span * (plot_bottom - plot_top)
        bar.x = left + i * slot + slot * 0.15
        bar.width = slot * 0.7
        bar.y = plot_bottom - bar.height
        bar.text = "—" if bar.value is None else fmt.format(bar.value)
    line = None
    if target is not None and low <= target <= high:
        line = plot_bottom - (target - low) / span * (plot_bottom - plot_top)
    return {"bars": bars, "width": width, "height": height, "left": left, "bottom": plot_bottom,
            "top": plot_top, "target_y": line, "target": target, "low": fmt.format(low), "high": fmt.format(high)}
