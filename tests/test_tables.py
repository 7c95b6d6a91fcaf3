"""griddesk.tables: the one table shape of the analytics and supply-quality reports, how each kind of
figure is written on the page, in CSV and in Excel."""

import csv
import io

from openpyxl import load_workbook

from griddesk.tables import (
    DEC2,
    DEC4,
    INT,
    NUM,
    PCT,
    PERCENT2,
    PERCENT4,
    Cell,
    Column,
    Table,
    figure,
    prepare,
    table_csv,
    table_xlsx,
)

KINDS = [INT, NUM, PCT, DEC2, DEC4, PERCENT2, PERCENT4]


def test_each_kind_is_written_as_the_reports_write_it():
    assert [figure(1234.5678, kind) for kind in KINDS] == [
        "1,234", "1,234.6", "123456.8%", "1,234.57", "1,234.5678", "1234.57%", "1234.5678%"]
    assert figure(12, NUM) == "12" and figure(0.25, PCT) == "25.0%"
    assert figure(None, INT) == "—" and figure("", PCT) == "—"
    assert (figure(True, "text"), figure(False, "text")) == ("达标", "未达标")


def _table():
    table = Table("t", "表", [Column("名称"), Column("件数", INT), Column("比率", PCT), Column("可靠率", PERCENT4),
                              Column("达标")], limit=2)
    table.add(Cell("甲", "/console/quality/?zone=urban"), Cell(3, {"state": "open"}), 0.123456, 99.851234, True)
    table.add("乙", 4, None, 99.9, False)
    table.add("丙", 5, 1.0, 100.0, None)
    return table


def test_prepare_writes_the_shown_rows_and_takes_a_url_link_as_it_is():
    table = prepare(_table())
    assert table.cut and len(table.shown) == 2
    first = table.rows[0]
    assert [cell.text for cell in first] == ["甲", "3", "12.3%", "99.8512%", "达标"]
    assert first[0].url == "/console/quality/?zone=urban"
    assert first[1].url is None  # drill-down filters: the analytics page makes them a URL
    assert [cell.numeric for cell in first] == [False, True, True, True, False]
    assert not hasattr(table.rows[2][0], "text")  # the cut rows are not formatted for the page


def test_the_files_carry_every_row_with_numbers_as_numbers():
    table = _table()
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows == [["名称", "件数", "比率", "可靠率", "达标"], ["甲", "3", "0.1235", "99.8512", "达标"],
                    ["乙", "4", "", "99.9", "未达标"], ["丙", "5", "1.0", "100.0", ""]]
    sheet = load_workbook(io.BytesIO(table_xlsx([table]))).active
    assert sheet.title == "t" and sheet.freeze_panes == "A2" and sheet.max_row == 4
    assert [sheet.cell(row=2, column=c).value for c in range(1, 6)] == ["甲", 3, 0.123456, 99.851234, "达标"]
    assert [sheet.cell(row=2, column=c).number_format for c in (2, 3, 4)] == ["#,##0", "0.0%", '0.0000"%"']
    assert sheet.cell(row=1, column=1).font.b
