"""Browser journey of the supply-quality pages (rules Q-1, V-6): a manager follows a figure to the
outages behind it and downloads a table as Excel; no CSP violation on the way."""


from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_csp import Watch
from tests.quality.conftest import local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_rule_Q1_manager_follows_the_rural_figure_to_its_outage_and_exports(page, staff, province, make_staff):
    from griddesk.outages.models import OutageEvent

    make_staff("q_manager", province["root"], "manager")
    OutageEvent.objects.create(code="JQ1", kind="planned", device=province["feeder"], cause="计划检修",
                               starts_at=local(2026, 3, 1, 10), restored_at=local(2026, 3, 1, 11, 30),
                               state="restored")
    OutageEvent.objects.create(code="JQ2", kind="fault", device=province["tx1"], cause="配变故障",
                               starts_at=local(2026, 3, 1, 20), restored_at=local(2026, 3, 1, 22),
                               state="restored")
    watch = Watch(page)
    staff.login("q_manager")
    page.click("#nav-quality")
    page.fill("input[name=from]", "2026-03-01")
    page.fill("input[name=to]", "2026-03-01")
    page.click("form.card button[type=submit]")
    expect(page.locator("figure.quality-chart svg").first).to_be_visible()
    rural = page.locator("#table-zones tbody tr", has_text="农村")
    expect(rural).to_contain_text("1.50")  # 1.5 customer-hours: the feeder's outage, one rural customer
    rural.locator("a").nth(2).click()
    expect(page.locator("h1")).to_contain_text("农村")
    expect(page.locator("main")).to_contain_text("JQ1")
    expect(page.locator("main")).not_to_contain_text("JQ2")
    watch.assert_clean("outages behind the rural figure")
    page.goto(page.base_url + "/console/quality/?from=2026-03-01&to=2026-03-01")
    with page.expect_download() as download:
        page.locator("#table-kinds a", has_text="Excel").click()
    assert download.value.suggested_filename == "reliability-2026-03-01-2026-03-01-kinds.xlsx"
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(BytesIO(handle.read())).active
    assert sheet.freeze_panes == "A2"
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["计划停电", "临时停电", "故障停电"]
    watch.assert_clean("reliability page")
