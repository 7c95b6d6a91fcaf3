"""The supply-quality console pages (/console/quality/): who may see them, links, exports, charts."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from griddesk.quality.importers import voltage_import
from tests.quality.test_reliability import day_of_outages  # noqa: F401  (fixture)
from tests.quality.test_voltage import HAND, write

Q = "?from=2026-03-01&to=2026-03-01"


@pytest.fixture
def manager(province, make_staff):
    return make_staff("quality_manager", province["root"], "manager")


def test_rule_Q1_reliability_page_figures_link_to_the_outages_behind(client, manager, day_of_outages):  # noqa: F811
    client.force_login(manager)
    page = client.get(reverse("console:quality:reliability") + Q)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "85.4167%" in html  # ASAI of the hand-computed day
    assert "/console/quality/reliability/outages/?from=2026-03-01&amp;to=2026-03-01&amp;org=P&amp;zone=rural" in html
    assert 'id="nav-quality"' in html
    rural = client.get(reverse("console:quality:outages") + Q + "&org=P&zone=rural")
    assert rural.status_code == 200
    assert rural.content.decode().count("/console/outages/T") == 1  # only the feeder's outage reaches rural
    momentary = client.get(reverse("console:quality:outages") + Q + "&momentary=1")
    assert momentary.content.decode().count("/console/outages/T") == 1


def test_rule_Q1_reliability_tables_export_to_csv_and_excel(client, manager, day_of_outages):  # noqa: F811
    client.force_login(manager)
    url = reverse("console:quality:reliability") + Q
    response = client.get(url + "&export=csv&table=zones")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4  # header + urban, rural, remote
    assert rows[1][0] == "城区" and float(rows[1][4]) == 9.0  # customer-hours of the urban customers
    response = client.get(url + "&export=xlsx&table=kinds")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=1, column=6).value == "SAIFI"
    assert sheet.cell(row=2, column=7).number_format == "0.0000"
    assert client.get(url + "&export=xlsx&table=nope").status_code == 404


def test_quality_pages_are_for_supervisors_and_managers(client, province, make_staff):
    client.force_login(make_staff("an_agent", province["station"], "agent"))
    assert client.get(reverse("console:quality:reliability")).status_code == 403
    assert client.get(reverse("console:quality:voltage")).status_code == 403
    client.force_login(make_staff("a_supervisor", province["county"], "supervisor"))
    assert client.get(reverse("console:quality:reliability")).status_code == 200


def test_bad_filters_are_named_not_500(client, manager):
    client.force_login(manager)
    page = client.get(reverse("console:quality:reliability") + "?from=2026-02-30&org=NOPE")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026-02-30" in html and "NOPE" in html


def test_rule_V6_voltage_page_points_and_point_page(client, manager, tmp_path):
    voltage_import(path=write(tmp_path, HAND), root_org=manager.org)
    client.force_login(manager)
    q = "?from=2026-05-01&to=2026-05-02"
    html = client.get(reverse("console:quality:voltage") + q).content.decode()
    assert "<svg" in html
    assert "/console/quality/voltage/points/?from=2026-05-01&amp;to=2026-05-02&amp;org=P&amp;class=C" in html
    points = client.get(reverse("console:quality:points") + q + "&class=C").content.decode()
    assert "/console/quality/voltage/points/C1/" in points and "A1" not in points
    point = client.get(reverse("console:quality:point", args=["C1"]) + q)
    assert point.status_code == 200
    assert "V-2" in point.content.decode()
    rows = list(csv.reader(io.StringIO(client.get(reverse("console:quality:point", args=["C1"]) + q
                                                  + "&export=csv&table=days").content.decode("utf-8-sig"))))
    assert rows[1:] == [["2026-05-01", "1000", "100", "0", "90.0"], ["2026-05-02", "1000", "0", "100", "90.0"]]
    assert client.get(reverse("console:quality:point", args=["nope"]) + q).status_code == 404


def test_rule_V6_voltage_page_queries_do_not_grow_with_points(client, manager, tmp_path,
                                                              django_assert_max_num_queries):
    voltage_import(path=write(tmp_path, HAND), root_org=manager.org)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        client.get(reverse("console:quality:points") + "?from=2026-05-01&to=2026-05-02")


def test_rule_Q2_the_page_shows_the_first_rows_of_a_long_list_and_the_export_has_them_all(
        client, manager, province, make_outage, monkeypatch):
    """A province's Q-2 list can run to thousands of customers: the page shows the furthest over the
    limit first, up to LIST_ROWS_SHOWN, and says so; the CSV and Excel files carry every row."""
    from griddesk.customers.models import Customer
    from griddesk.quality import views
    from tests.quality.conftest import local

    monkeypatch.setattr(views, "LIST_ROWS_SHOWN", 2)
    for i, voltage in enumerate(["10kV", "35kV", "35kV", "110kV"]):
        Customer.objects.create(account_no=f"700000000{i}", name=f"厂{i}", phone="1", address="a",
                                transformer=province["tx2"], supply_voltage=voltage, zone="rural",
                                org=province["station"])
    for month in (3, 4, 5, 6):
        make_outage(province["feeder"], "planned", local(2026, month, 1, 8), local(2026, month, 1, 10))
    client.force_login(manager)
    url = reverse("console:quality:reliability") + "?from=2026-01-01&to=2026-12-31"
    html = client.get(url).content.decode()
    section = html[html.index('id="table-q2"'):html.index('id="table-q3"')]
    assert section.count("/console/caller/") == 2
    assert "显示前 2 行，共 4 行" in section
    rows = list(csv.reader(io.StringIO(client.get(url + "&export=csv&table=q2").content.decode("utf-8-sig"))))
    # 4 planned outages: 35 kV and 110 kV customers are 3 over their limit of 1, the 10 kV one 1 over 3
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("7000000001", "4", "1"), ("7000000002", "4", "1"), ("7000000003", "4", "1"), ("7000000000", "4", "3")]
    sheet = load_workbook(io.BytesIO(client.get(url + "&export=xlsx&table=q2").content)).active
    assert sheet.max_row == 5 and sheet.cell(row=5, column=1).value == "7000000000"
    assert sheet.cell(row=2, column=5).number_format == "#,##0" and sheet.freeze_panes == "A2"


def test_rule_Q2_an_export_of_one_table_computes_only_that_table(client, manager, day_of_outages,  # noqa: F811
                                                                  monkeypatch):
    """The Q-2 list as a file reads the planned outages and the customers concerned, not the
    reliability indices nor the notices (a province's Q-2 file is the big one)."""
    from griddesk.quality import selectors

    calls = []
    for name in ("reliability_report", "planned_outage_counts", "notice_timeliness"):
        original = getattr(selectors, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(selectors, name, spy)
    client.force_login(manager)
    url = reverse("console:quality:reliability") + Q
    assert client.get(url + "&export=csv&table=q2").status_code == 200
    assert calls == ["planned_outage_counts"]
    calls.clear()
    assert client.get(url + "&export=xlsx&table=late").status_code == 200
    assert calls == ["notice_timeliness"]
    calls.clear()
    assert client.get(url + "&export=csv&table=nope").status_code == 404 and calls == []
    assert client.get(url).status_code == 200
    assert calls == ["reliability_report", "planned_outage_counts", "notice_timeliness"]
