"""Hand-overs reach their receivers live (issue 9, desk item 1; rule K-6).

1. The agent reminds (催办) a complaint forwarded to 营销部; the department's handler, with the inbox
   open, sees the unread count go up and the reminder appear, without reloading.
2. A repair dispatched at once pages its crew: the crew member's phone page shows the new task without
   reloading, and the outbox holds the SMS (sent by the log adapter).

The console polls every GRIDDESK_INBOX_POLL_SECONDS (15 s); the tests make it one second.
"""

import pytest
from playwright.sync_api import expect

from griddesk.notify.delivery import outbox_deliver
from griddesk.notify.models import Message
from griddesk.orders import services
from tests.browser.conftest import LANDING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.GRIDDESK_INBOX_POLL_SECONDS = 1


def second_page(browser, live_server, **options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    return context, page


def login(page, username):
    page.goto(page.base_url + "/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("button[type=submit]")
    page.wait_for_url(LANDING)


def test_rule_K6_a_reminder_reaches_the_departments_open_inbox_live(page, staff, browser, live_server, people,
                                                                     province, screens):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="营业员态度差")
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    context, desk = second_page(browser, live_server, viewport={"width": 1366, "height": 900})
    try:
        login(desk, "handler")
        desk.goto(desk.base_url + "/console/inbox/")
        expect(desk.locator("#inbox-unread")).to_have_text("1")  # the forward
        expect(desk.locator("#inbox-open-reminders")).to_contain_text("没有待办的催办督办")
        desk.evaluate("window.stillTheSamePage = true")

        staff.login("agent")
        page.goto(f"{page.base_url}/console/orders/{order.number}/")
        page.select_option("select[name=reminder-kind]", "remind")
        page.fill("#id_reminder-reason", "客户再次来电催促")
        page.locator("#reminders button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(".messages")).to_contain_text("已催办：临河县营销部")

        expect(desk.locator("#inbox-unread")).to_have_text("2")
        expect(desk.locator("#inbox-open-reminders")).to_contain_text(order.number)
        expect(desk.locator("#inbox-open-reminders")).to_contain_text("客户再次来电催促")
        assert desk.evaluate("window.stillTheSamePage") is True  # no reload
        desk.screenshot(path=str(screens / "inbox.png"), full_page=True)
    finally:
        context.close()


def test_rule_R1_a_dispatch_pages_the_crews_phone_live_and_the_outbox_holds_the_sms(browser, live_server, people,
                                                                                     province):
    people["crew"].phone = "0531-88886666"
    people["crew"].save()
    context, phone = second_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                                 has_touch=True)
    try:
        login(phone, "lineman")
        phone.goto(phone.base_url + "/console/crew/")
        expect(phone.locator("#crew-tasks")).to_contain_text("暂无在办抢修工单")
        phone.evaluate("window.stillTheSamePage = true")

        order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                      customer=province["customers"][0], fault_side="utility", title="家里停电")

        card = phone.locator(f"#order-{order.number}")
        expect(card).to_contain_text("临河县城关镇幸福路1号")
        expect(phone.locator("#inbox-unread")).to_have_text("1")
        assert phone.evaluate("window.stillTheSamePage") is True
    finally:
        context.close()
    sms = Message.objects.get(channel="sms", order=order)
    assert sms.address == "0531-88886666" and order.number in sms.body and "幸福路1号" in sms.body
    assert outbox_deliver()["sent"] == 1
    sms.refresh_from_db()
    assert sms.sent_at is not None
