"""Tables as Excel workbooks and CSV files (报表导出), for every app's exports.

openpyxl in write-only mode: rows are streamed into the file, so a list of a hundred thousand rows
costs a second or two, not the tens of seconds a workbook held in memory cell by cell would. Each
table is a sheet: the header row bold and frozen, numbers stored as numbers with their number
format, columns as wide as their titles need.
"""

import csv
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def csv_bytes(titles, rows):
    """A table as UTF-8 CSV with a byte-order mark (so Excel reads the Chinese right): the titles,
    then `rows` of plain values (None as an empty field)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(title) for title in titles])
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheets):
    """The workbook of `sheets`, as bytes: each (name, titles, formats, rows), `formats` an Excel
    number format per column (None: none; text values never get one), `rows` lists of plain values
    (str, int, float, None)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, titles, formats, rows in sheets:
        sheet = book.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        for index, title in enumerate(titles, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(title)) * 2 + 2)
        header = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        # One cell per formatted column, given each row's value in turn: a write-only sheet writes a
        # row out as it is appended, and a cell made per value would cost more than the value.
        cells = [None if fmt is None else WriteOnlyCell(sheet) for fmt in formats]
        for cell, fmt in zip(cells, formats, strict=True):
            if cell is not None:
                cell.number_format = fmt
        for row in rows:
            sheet.append([_value(cell, value) for value, cell in zip(row, cells, strict=True)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(cell, value):
    if cell is None or value is None or isinstance(value, str):
        return value  # text as text, without a format
    cell.value = value
    return cell
