"""A repair crew completes a dispatched repair on a phone (issue 4, "Done when"; rules R-1, R-2).

The crew member logs in on a 390x844 viewport, opens the order from the crew page, taps
接单, 到达 (stops the R-2 arrival clock), 勘查 (types the survey report), 修复, 送电; the order
ends resolved with the R-2 clock met. The last screen is saved to var/screens/crew.png.
"""

import pytest
from playwright.sync_api import expect

from griddesk.orders import services
from griddesk.orders.models import OrderState, SlaClock, WorkOrder
from tests.browser.conftest import LANDING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def tap_step(phone, step, label, state_label):
    form = phone.locator(f"#step-{step}")
    form.get_by_role("button", name=label).tap()
    phone.wait_for_load_state()
    expect(phone.locator(".messages")).to_contain_text(f"已记录“{label}”")
    expect(phone.locator("#order-state")).to_have_text(state_label)


def test_crew_completes_a_repair_on_a_phone(phone, people, province, screens):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="utility",
                                  title="家里停电", description="整栋楼停电，闻到焦糊味")
    assert order.state == OrderState.DISPATCHED

    phone.goto(phone.base_url + "/console/login/")
    phone.fill("#id_username", "lineman")
    phone.fill("#id_password", "pw-lineman")
    phone.locator("button[type=submit]").tap()
    phone.wait_for_url(LANDING)
    phone.goto(phone.base_url + "/console/queues/")  # the queue sends a crew member to the crew page
    phone.wait_for_url("**/console/crew/")
    card = phone.locator(f"#order-{order.number}")
    expect(card).to_contain_text("临河县城关镇幸福路1号")
    expect(card).to_contain_text("R-2 城区45分钟到达现场")
    expect(card.locator(".left")).to_contain_text("剩余")
    card.tap()
    phone.wait_for_url(f"**/console/crew/{order.number}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"
    button = phone.locator("#step-crew_accept button")
    assert button.bounding_box()["height"] >= 44  # thumb-sized

    tap_step(phone, "crew_accept", "接单", "班组已接单")
    tap_step(phone, "arrive", "到达", "已到达现场")
    phone.screenshot(path=str(screens / "crew-steps.png"), full_page=True)
    phone.locator("#step-survey textarea").fill("10kV城关线1号开关下游低压线被树枝刮断")
    tap_step(phone, "survey", "勘查", "已勘查")
    tap_step(phone, "repair", "修复", "已修复")
    tap_step(phone, "restore", "送电", "已处理")
    expect(phone.locator("#clocks")).to_contain_text("R-2 城区45分钟到达现场")
    expect(phone.locator("#clocks")).to_contain_text("按时")
    phone.screenshot(path=str(screens / "crew.png"), full_page=True)

    order = WorkOrder.objects.get(pk=order.pk)
    assert order.state == OrderState.RESOLVED
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    assert clock.stopped_at is not None and clock.met is True
