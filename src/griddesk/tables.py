"""The shape every report table has (统计表): what the pages, the exports and the monthly report show,
for the service analytics and the supply-quality reports alike.

A `Table` is plain data: columns with their kind (how a figure is written on screen and in Excel)
and rows of cells. A cell may carry `link`: a URL (the outages or points behind a quality figure),
or the drill-down filters of the orders behind an analytics figure, which the page turns into a URL
(analytics/views.py). `chart` names the label and value columns of an optional bar chart; `limit`
is how many rows the page shows (the exports have them all). One partial template draws every
table: templates/tables/_table.html.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from griddesk.spreadsheets import csv_bytes, xlsx_bytes

# TEXT; INT: a count; PCT: a fraction shown as a percentage; NUM: one decimal (none for a whole number);
# DEC2, DEC4: 2 and 4 decimals; PERCENT2, PERCENT4: a value already in percent, 2 and 4 decimals.
TEXT, INT, PCT, NUM = "text", "int", "pct", "num"
DEC2, DEC4, PERCENT2, PERCENT4 = "dec2", "dec4", "percent2", "percent4"
PATTERNS = {DEC2: "{:,.2f}", DEC4: "{:,.4f}", PERCENT2: "{:.2f}%", PERCENT4: "{:.4f}%"}
EXCEL_FORMATS = {INT: "#,##0", NUM: "#,##0.0", PCT: "0.0%", DEC2: "#,##0.00", DEC4: "0.0000",
                 PERCENT2: '0.00"%"', PERCENT4: '0.0000"%"'}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Cell:
    value: object
    link: str | dict | None = None


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    note: str = ""
    chart: tuple | None = None  # (label column index, value column index)
    limit: int | None = None  # rows the page shows

    def add(self, *cells):
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])

    def values(self):
        """The rows as plain values (exports, tests)."""
        return [[cell.value for cell in row] for row in self.rows]

    def column(self, label_or_index):
        index = label_or_index if isinstance(label_or_index, int) else [
            str(c.label) for c in self.columns].index(str(label_or_index))
        return [row[index].value for row in self.rows]

    @property
    def shown(self):
        return self.rows[:self.limit]

    @property
    def cut(self):
        """The page shows fewer rows than the table has."""
        return self.limit is not None and len(self.rows) > self.limit


def figure(value, kind):
    """A figure as shown: fractions as percentages, counts with separators, a target met or not in
    words, "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("达标") if value else _("未达标")
    if not isinstance(value, int | float):
        return value
    if kind == PCT:
        return f"{value * 100:.1f}%"
    if kind in PATTERNS:
        return PATTERNS[kind].format(value)
    if kind == INT or (kind == NUM and isinstance(value, int)):
        return f"{int(value):,}"
    if kind == NUM:
        return f"{value:,.1f}"
    return value


def prepare(table):
    """Formats every shown cell once in Python (`text`, `numeric`, `url` when the link is one): the
    template then only prints them."""
    for row in table.shown:
        for cell, column in zip(row, table.columns, strict=True):
            cell.text = figure(cell.value, column.kind)
            cell.numeric = column.kind != TEXT
            cell.url = cell.link if isinstance(cell.link, str) else None
    return table


def _plain(value, kind, *, places=None):
    """A cell's value for a file: numbers as numbers (rounded to `places` if given), the rest as text."""
    if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
        return str(figure(value, kind))
    return round(value, places) if places is not None and isinstance(value, float) else value


def table_xlsx(tables):
    """The tables as one workbook, a sheet each (header frozen, numbers as numbers), as bytes."""
    return xlsx_bytes((table.name, [c.label for c in table.columns],
                       [EXCEL_FORMATS.get(c.kind) for c in table.columns],
                       ([_plain(cell.value, c.kind) for cell, c in zip(row, table.columns, strict=True)]
                        for row in table.rows)) for table in tables)


def table_csv(table):
    """One table as CSV (griddesk.spreadsheets); fractions as plain numbers to 4 places."""
    return csv_bytes([c.label for c in table.columns],
                     ([_plain(cell.value, c.kind, places=4) for cell, c in zip(row, table.columns, strict=True)]
                      for row in table.rows))


def share(part, whole):
    """part / whole as a fraction (0..1), None when there is nothing to divide."""
    return None if not whole else part / whole


def percentile(values, fraction):
    """The nearest-rank percentile of sorted `values` (None if empty): p50 is the median."""
    if not values:
        return None
    rank = max(1, -(-round(fraction * 1000) * len(values) // 1000))  # ceil(fraction * n)
    return values[min(rank, len(values)) - 1]
