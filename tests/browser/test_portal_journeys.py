"""Two public journeys in a real browser (issue 11), on a 360 px phone and on a desktop:

- a planned outage published on a village's transformer is found in the notices by county and
  village, with its area, cause, start and expected restoration (rules C-2, W-2, Q-3);
- a visitor reports a fault on /submit/repair/ with the account number and its registered phone,
  gets the order number and the arrival deadline (rules C-8, R-1, R-2), asks for a code on
  /progress/, reads it from the SMS (the outbox) and follows the order's steps and deadlines (C-2).
"""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from griddesk.orders import services
from griddesk.orders.models import WorkOrder
from griddesk.outages.models import OutageEvent
from tests.browser.portal_pages import SCREENS, open_with_code, planned_outage, screen_page
from tests.browser.test_portal_submit import answer_challenge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # rate limits, challenges and the notices' cache live there


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("screen", SCREENS)
def test_rule_W2_a_planned_outage_is_found_by_county_and_village(browser, live_server, province, people, screen,
                                                                  screens):
    outage = planned_outage(province, people)
    OutageEvent.objects.create(code="GZ1", kind="fault", device=province["switch"], cause="10kV城关线1号开关故障跳闸",
                               state="active", area="城关镇幸福路、东街", starts_at=timezone.now(),
                               expected_restoration_at=timezone.now() + timedelta(hours=2))
    with screen_page(browser, live_server, screen) as page:
        page.goto(page.base_url + "/")
        page.locator("header nav").get_by_role("link", name="停电信息").click()
        page.wait_for_url("**/outages/")
        page.select_option("#county", "P0101")
        page.fill("#place", "东关村")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**/outages/?county=P0101&q=*")
        expect(page.locator("#notices h2")).to_have_text("共 1 条停电信息")
        notice = page.locator(f"#outage-{outage.code}")
        expect(notice.locator("h3")).to_contain_text("计划停电")
        expect(notice.locator("h3")).to_contain_text("临河县供电公司 · 东关村3组、4组")
        facts = notice.locator("dl")
        expect(facts).to_contain_text("已公告，尚未停电")
        expect(facts).to_contain_text("台区变压器检修")
        expect(facts).to_contain_text(local(outage.starts_at))
        expect(facts).to_contain_text(local(outage.expected_restoration_at))
        expect(page.locator("#outage-GZ1")).to_have_count(0)  # the fault in town is not in the village
        expect(page.get_by_role("link", name="订阅临河县供电公司停电信息（Atom）")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["viewport"]["width"], width  # nothing wider than the screen
        page.screenshot(path=str(screens / f"portal-outage-found-{screen}.png"), full_page=True)


@pytest.mark.parametrize("screen", SCREENS)
def test_rule_C8_R2_C2_a_repair_from_the_website_is_followed_with_a_code(browser, live_server, province, people,
                                                                         screen, screens):
    customer = province["customers"][0]
    with screen_page(browser, live_server, screen) as page:
        page.set_default_timeout(30_000)  # the submit writes and dispatches an order: slower on a shared machine
        page.goto(page.base_url + "/submit/")
        page.click("#submit-repair")
        page.fill("#id_account_no", customer.account_no)
        page.fill("#id_name", "张伟")
        page.fill("#id_phone", customer.phone)
        page.fill("#id_title", "家里停电")
        page.fill("#id_description", "晚上八点起全屋停电，邻居家有电")
        answer_challenge(page)
        page.get_by_role("button", name="提交").click()
        page.locator("#order-number").wait_for()
        order = WorkOrder.objects.get(channel="website")
        assert (order.order_type, order.customer, order.crew.code) == ("repair", customer, "C1")
        number = page.inner_text("#order-number")
        assert number == order.number
        promise = page.locator("#promise")
        expect(promise).to_contain_text("我们将在 45 分钟内派抢修人员到达现场（规则 R-2），最迟 ")
        promised_due = re.search(r"最迟 (\d{4}-\d\d-\d\d \d\d:\d\d)", promise.inner_text()).group(1)
        page.screenshot(path=str(screens / f"portal-repair-done-{screen}.png"), full_page=True)

        open_with_code(page, "/progress/", number, customer.phone)
        expect(page.locator("h1")).to_have_text(f"工单 {number} 的办理进度")
        expect(page.locator("#progress-state")).to_have_text("已派工")
        steps = page.locator("#progress-steps li")
        expect(steps).to_have_count(2)
        expect(steps.nth(0)).to_contain_text("已受理")
        expect(steps.nth(1)).to_contain_text("已派工")
        arrival = page.locator("#progress-deadlines tbody tr")
        expect(arrival).to_have_count(1)
        expect(arrival.locator("td").nth(0)).to_contain_text("城区45分钟到达现场 R-2")
        expect(arrival.locator("td").nth(1)).to_have_text(promised_due)  # the deadline the answer promised
        expect(arrival.locator("td").nth(2)).to_have_text("进行中，未到期")

        for step in ("crew_accept", "arrive"):  # the crew on its phone: accepted, on site
            order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
        page.reload()
        expect(page.locator("#progress-state")).to_have_text(order.get_state_display())
        expect(steps).to_have_count(4)
        expect(page.locator("#progress-steps")).to_contain_text("已到达现场")
        expect(arrival.locator("td").nth(2)).to_have_text("已按时完成")
        expect(page.locator("body")).not_to_contain_text("城关抢修一班")  # no internal names (rule C-2)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["viewport"]["width"], width
        page.screenshot(path=str(screens / f"portal-repair-progress-{screen}.png"), full_page=True)
