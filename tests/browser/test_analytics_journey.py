"""A supervisor's analytics journey in a real browser: dashboard, a number's orders, hot spot to a
rectification item, the printable monthly report (rules A-1, A-3, C-12)."""

import pytest

from tests.analytics.conftest import month, supervisor  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_rule_A3_supervisor_follows_a_number_then_rectifies_a_hot_spot(page, staff, month, supervisor,  # noqa: F811
                                                                        screens):
    staff.login("supervisor")
    page.click("#nav-analytics")
    page.wait_for_url("**/console/analytics/")
    page.goto(page.base_url + "/console/analytics/complaints/?month=2026-07")
    classes = page.locator("table[data-table=complaint_classes] tbody tr").first
    assert classes.locator("td").nth(2).inner_text() == "3"
    assert page.locator("#table-complaint_classes svg.chart").count() == 1
    page.screenshot(path=str(screens / "analytics-complaints.png"), full_page=True)
    classes.locator("td a").click()
    page.wait_for_url("**/console/analytics/orders/**")
    assert page.locator("#drill-orders tbody tr").count() == 3
    assert "3" in page.locator("#drill-total").inner_text()
    page.go_back()
    page.click("#rectify-hot-spot")
    page.wait_for_url("**/console/analytics/rectifications/**")
    page.fill("#rectification-form textarea[name=measures]", "更换配变，加强巡视")
    page.click("#rectification-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#rectification-items tbody tr").count() == 1
    assert "整改中" in page.locator("#rectification-items").inner_text()
    page.goto(page.base_url + "/console/analytics/report/?month=2026-07")
    assert page.locator("section.report-section").count() == 6  # with the quality app's reliability and voltage
    assert page.locator("button:has-text('打印')").count() == 1
