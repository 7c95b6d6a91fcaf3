"""Every dashboard table exports to Excel (openpyxl: frozen header row, number formats) and CSV."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from griddesk.analytics.tables import INT, NUM, PCT

FORMATS = {INT: "#,##0", NUM: "#,##0.0", PCT: "0.0%"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value):
    return value if value is None or isinstance(value, int | float) else str(value)


def table_xlsx(tables):
    """The tables as one workbook, a sheet each (header frozen, numbers as numbers), as bytes."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.name[:31])
        sheet.append([str(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_plain(c.value) for c in row])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(10, len(str(column.label)) * 2 + 2)
            fmt = FORMATS.get(column.kind)
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = fmt
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
