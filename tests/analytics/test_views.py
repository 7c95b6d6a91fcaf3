"""Console pages of the analytics app: numbers, drill-down links, exports, scope, query counts, report."""

import csv
import io
from urllib.parse import parse_qsl, urlparse

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from griddesk.analytics.report import SECTION_PROVIDERS, register_section
from griddesk.tables import INT, Column, Table

PAGES = ["service", "hotline", "complaints", "rectifications"]
JULY = {"month": "2026-07"}


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client
    return login


@pytest.mark.parametrize("page", PAGES)
def test_dashboard_pages_render_within_a_query_budget(month, manager, client_of, page,
                                                      django_assert_max_num_queries):
    client = client_of(manager)
    with django_assert_max_num_queries(30):
        response = client.get(reverse(f"console:analytics:{page}"), {**JULY, "org": "P"})
    assert response.status_code == 200
    assert ("<svg" in response.content.decode()) == (page in ("service", "complaints"))  # hotline: no calls here


def test_service_page_numbers_link_to_the_orders_behind_them(month, manager, client_of):
    client = client_of(manager)
    response = client.get(reverse("console:analytics:service"), JULY)
    tables = {t.name: t for t in response.context["tables"]}
    handling = tables["complaint_handling"]
    visited = handling.rows[3][1]
    assert visited.value == 3
    drill = client.get(visited.url)
    assert drill.status_code == 200
    assert drill.context["total"] == 3
    assert {o.number for o in drill.context["rows"]} == {month["c"][0].number, month["c"][1].number,
                                                         month["c"][3].number}
    query = dict(parse_qsl(urlparse(visited.url).query))
    assert query == {"org": "P", "month": "2026-07", "type": "complaint", "visited": "1"}
    body = drill.content.decode()
    assert "张伟" not in body and "13800000001" not in body  # rules K-7, K-9: never the person


def test_complaint_page_exports_open_in_openpyxl_with_the_same_numbers(month, supervisor, client_of):
    client = client_of(supervisor)
    page = client.get(reverse("console:analytics:complaints"), JULY)
    tables = page.context["tables"]
    response = client.get(reverse("console:analytics:complaints"), {**JULY, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [t.name for t in tables]
    for table in tables:
        sheet = book[table.name]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == [str(c.label) for c in table.columns]
        got = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert got == [[None if v is None else (v if isinstance(v, int | float) else str(v)) for v in row]
                       for row in table.values()]
    classes = book["complaint_classes"]
    assert classes["C2"].value == 3 and classes["C2"].number_format == "#,##0"
    assert classes["D2"].number_format == "0.0%"


def test_csv_export_of_one_table(month, manager, client_of):
    client = client_of(manager)
    response = client.get(reverse("console:analytics:service"), {**JULY, "export": "csv", "table": "transfers"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["临河县营销部", "2", "3", "1", "1", "0.5"]
    bad = client.get(reverse("console:analytics:service"), {**JULY, "export": "csv", "table": "nope"})
    assert bad.status_code == 400


def test_bad_filters_are_messages_not_errors(month, manager, client_of):
    client = client_of(manager)
    assert client.get(reverse("console:analytics:service"), {"month": "2026-13"}).status_code == 400
    assert client.get(reverse("console:analytics:service"), {"from": "2026-07-10", "to": "2026-07-01"}
                      ).status_code == 400
    assert client.get(reverse("console:analytics:orders"), {**JULY, "colour": "red"}).status_code == 400
    assert client.get(reverse("console:analytics:orders"), {**JULY, "category": "x"}).status_code == 400


def test_scope_a_county_manager_sees_only_their_subtree(month, make_staff, client_of):
    county = make_staff("county_mgr", month["county"], "manager")
    client = client_of(county)
    response = client.get(reverse("console:analytics:complaints"), JULY)
    assert response.context["scope"].org == month["county"]
    classes = next(t for t in response.context["tables"] if t.name == "complaint_classes")
    assert sum(classes.column(2)) == 4  # the other city's complaint is not theirs
    assert client.get(reverse("console:analytics:service"), {**JULY, "org": "P02"}).status_code == 403


def test_roles_without_dashboards_are_refused(month, make_staff, client_of):
    agent = make_staff("agent_x", month["root"], "agent")
    assert client_of(agent).get(reverse("console:analytics:service")).status_code == 403


def test_rule_A3_rectification_from_the_page(month, supervisor, client_of):
    client = client_of(supervisor)
    owner = supervisor
    response = client.post(reverse("console:analytics:rectification_new"), {
        "org": "P", "title": "幸福路投诉整改", "owner": owner.pk, "measures": "更换表箱",
        "street": "临河县城关镇幸福路", "working_days": "5", "complaints": month["c"][0].number})
    assert response.status_code == 302
    page = client.get(reverse("console:analytics:rectifications"))
    assert "幸福路投诉整改" in page.content.decode()
    bad = client.post(reverse("console:analytics:rectification_new"), {"org": "P", "title": "", "owner": owner.pk,
                                                                       "measures": "", "complaints": "NOPE"})
    assert bad.status_code == 302
    assert "工单不存在：NOPE" in client.get(reverse("console:analytics:rectifications")).content.decode()


def test_monthly_report_command_and_page(month, manager, client_of, tmp_path):
    out = tmp_path / "report.html"
    call_command("report", "monthly", "--org", "P", "--month", "2026-07", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "@media print" in html and "月度服务质量报告" in html
    for key in ("service", "hotline", "complaints", "rectification"):
        assert f'id="section-{key}"' in html
    assert 'data-table="complaint_classes"' in html
    page = client_of(manager).get(reverse("console:analytics:report"), {**JULY, "org": "P"})
    assert page.status_code == 200 and "data-print" in page.content.decode()  # griddesk.js prints (CSP: no onclick)


def test_other_apps_add_report_sections_through_the_extension_point(month):
    def build(scope, period):
        table = Table("extra", "供电可靠性", [Column("指标"), Column("数值", INT)])
        table.add("停电户次", 7)
        return [table]

    saved = list(SECTION_PROVIDERS)
    try:
        register_section("reliability", "供电可靠性", build=build, order=35)
        from griddesk.analytics.periods import Period, Scope
        from griddesk.analytics.report import monthly_report_html
        html = monthly_report_html(Scope.of(month["root"]), Period.month("2026-07"))
        assert html.index('id="section-complaints"') < html.index('id="section-reliability"') < html.index(
            'id="section-rectification"')
        assert "停电户次" in html
    finally:
        SECTION_PROVIDERS[:] = saved
