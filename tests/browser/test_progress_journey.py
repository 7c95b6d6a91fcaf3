"""The public progress query in a browser (rule C-2), on a 360 px phone and on a desktop: an order made
through the services, a code asked for, read from the outbox (as the customer's phone would), typed,
and the order's steps and deadlines shown."""

import pytest
from playwright.sync_api import expect

from griddesk.orders import services
from tests.portal.helpers import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENS = {"phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
           "desktop": {"viewport": {"width": 1366, "height": 900}}}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_rule_C2_customer_follows_a_complaint_with_a_code(browser, live_server, people, province, screens, screen):
    order = services.order_create(order_type="complaint", channel="website", actor=people["agent"],
                                  customer=province["customers"][0], title="抄表员态度差")
    services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SCREENS[screen])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="业务进度").first.click()
        page.wait_for_url("**/progress/")
        page.fill("#id_number", order.number)
        page.locator("#send-form button[type=submit]").click()
        expect(page.locator("#code-sent")).to_contain_text("如果该工单编号存在")
        code = last_code("13800000001")
        assert code is not None
        page.fill("#id_code", code)
        page.locator("#code-form button[type=submit]").click()
        page.wait_for_url(f"**/progress/{order.number}/")
        expect(page.locator("h1")).to_contain_text(order.number)
        expect(page.locator("#progress-steps li")).to_have_count(2)
        expect(page.locator("#progress-steps")).to_contain_text("已受理")
        expect(page.locator("#progress-steps")).to_contain_text("已转派")
        expect(page.locator("#progress-deadlines")).to_contain_text("进行中，未到期")
        expect(page.locator("body")).not_to_contain_text("临河县营销部")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["viewport"]["width"], width  # nothing wider than the screen
        page.screenshot(path=str(screens / f"portal-progress-{screen}.png"), full_page=True)
    finally:
        context.close()
