"""Every dashboard table exports to Excel (openpyxl: frozen header row, number formats) and CSV."""

from griddesk.analytics.tables import INT, NUM, PCT
from griddesk.spreadsheets import csv_bytes, xlsx_bytes

FORMATS = {INT: "#,##0", NUM: "#,##0.0", PCT: "0.0%"}


def _plain(value):
    return value if value is None or isinstance(value, int | float) else str(value)


def table_xlsx(tables):
    """The tables as one workbook, a sheet each (header frozen, numbers as numbers), as bytes."""
    return xlsx_bytes((table.name, [c.label for c in table.columns], [FORMATS.get(c.kind) for c in table.columns],
                       ([_plain(c.value) for c in row] for row in table.rows)) for table in tables)


def table_csv(table):
    """One table as CSV (griddesk.spreadsheets); fractions as plain numbers to 4 places."""
    rows = ([round(c.value, 4) if isinstance(c.value, float) else c.value for c in row] for row in table.rows)
    return csv_bytes([c.label for c in table.columns], rows)
