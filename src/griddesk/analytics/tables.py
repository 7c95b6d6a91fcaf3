"""The shape every dashboard table has (统计表): what the page, the exports and the monthly report show.

A `Table` is plain data: columns with their kind (how a number is formatted on screen and in Excel)
and rows of cells; a cell may carry `link`, the drill-down filters of the orders behind its number
(analytics/drilldown.py). `chart` names the label and value columns of an optional bar chart.
"""

from dataclasses import dataclass, field

TEXT, INT, PCT, NUM = "text", "int", "pct", "num"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Cell:
    value: object
    link: dict | None = None


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    note: str = ""
    chart: tuple | None = None  # (label column index, value column index)

    def add(self, *cells):
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])

    def values(self):
        """The rows as plain values (exports, tests)."""
        return [[cell.value for cell in row] for row in self.rows]

    def column(self, label_or_index):
        index = label_or_index if isinstance(label_or_index, int) else [
            str(c.label) for c in self.columns].index(str(label_or_index))
        return [row[index].value for row in self.rows]


def figure(value, kind):
    """A figure as shown: fractions as percentages, counts with separators, "—" for none."""
    if value is None or value == "":
        return "—"
    if kind == PCT:
        return f"{value * 100:.1f}%"
    if kind == INT or (kind == NUM and isinstance(value, int)):
        return f"{int(value):,}"
    if kind == NUM:
        return f"{value:,.1f}"
    return value


def prepare(table):
    """Formats every cell once in Python (`text`, `numeric`): the template then only prints them."""
    for row in table.rows:
        for cell, column in zip(row, table.columns, strict=True):
            cell.text = figure(cell.value, column.kind)
            cell.numeric = column.kind != TEXT
    return table


def share(part, whole):
    """part / whole as a fraction (0..1), None when there is nothing to divide."""
    return None if not whole else part / whole


def percentile(values, fraction):
    """The nearest-rank percentile of sorted `values` (None if empty): p50 is the median."""
    if not values:
        return None
    rank = max(1, -(-round(fraction * 1000) * len(values) // 1000))  # ceil(fraction * n)
    return values[min(rank, len(values)) - 1]
