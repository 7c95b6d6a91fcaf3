"""Every dashboard table exports to Excel (openpyxl: frozen header row, number formats) and CSV."""

import csv
import io

from griddesk.analytics.tables import INT, NUM, PCT
from griddesk.spreadsheets import xlsx_bytes

FORMATS = {INT: "#,##0", NUM: "#,##0.0", PCT: "0.0%"}


def _plain(value):
    return value if value is None or isinstance(value, int | float) else str(value)


def table_xlsx(tables):
    """The tables as one workbook, a sheet each (header frozen, numbers as numbers), as bytes."""
    return xlsx_bytes((table.name, [c.label for c in table.columns], [FORMATS.get(c.kind) for c in table.columns],
                       ([_plain(c.value) for c in row] for row in table.rows)) for table in tables)


def table_csv(table):
    """One table as UTF-8 CSV with a byte-order mark (Excel opens it right); fractions as plain numbers."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if c.value is None else (round(c.value, 4) if isinstance(c.value, float) else c.value)
                         for c in row])
    return out.getvalue().encode("utf-8")
