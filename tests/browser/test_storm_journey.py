"""A storm of repair calls, end to end (issue 10): calls arrive through the API, the analyser predicts the
feeder, the dispatcher's open board shows it without a reload (htmx poll), the dispatcher confirms it
and restores it, and every caller's order shows the restoration message (rules C-9, C-12).

The analyser runs in-process (`Analyzer().run()`, as `griddesk serve` runs it on a timer). The board
polls every GRIDDESK_BOARD_POLL_SECONDS (5 s); the test makes it one second. The board and the outage
page are saved to var/screens/board.png and outage.png.
"""

import json

import pytest
from django.test import Client
from playwright.sync_api import expect

from griddesk.api.services import api_token_issue
from griddesk.notify.models import Message
from griddesk.orders.models import OrderState, WorkOrder
from griddesk.outages.analyzer import Analyzer
from griddesk.outages.models import OutageEvent, OutageState
from tests.outages.conftest import grid  # noqa: F401  (re-exported fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CALLERS = [("A1", 0), ("A1", 1), ("B1", 0), ("C1", 2), ("A2", 0), ("A2", 1), ("B2", 0), ("C2", 3)]


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.GRIDDESK_BOARD_POLL_SECONDS = 1


def test_a_storm_of_calls_reaches_the_open_board_and_is_restored(page, staff, people, grid, screens):  # noqa: F811
    _token, plaintext = api_token_issue(user=people["agent"], name="ivr", actor=None)
    api = Client(headers={"Authorization": f"Bearer {plaintext}"})

    staff.login("dispatcher")
    page.click("#nav-outages")
    page.wait_for_url("**/console/outages/")
    expect(page.locator("#board")).to_contain_text("当前没有研判中、已确认或停电中的停电事件")
    page.evaluate("window.stillTheSamePage = true")

    numbers = []
    for code, n in CALLERS:  # the storm: callers below both switches of feeder F9
        customer = grid["customers"][code][n]
        answer = api.post("/api/v1/orders", json.dumps({
            "order_type": "repair", "channel": "hotline", "customer": customer.account_no,
            "title": "家里停电了", "description": "整条街都停电了，邻居家也没电", "caller_phone": customer.phone,
            "fault_side": "unknown"}, ensure_ascii=False), content_type="application/json")
        assert answer.status_code == 201, answer.content
        numbers.append(answer.json()["number"])
    assert Analyzer().run() == len(CALLERS)
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    assert (outage.device.device_id, outage.calls) == ("F9", len(CALLERS))

    row = page.locator(f"#outage-{outage.code}")
    expect(row).to_contain_text("10kV东风线", timeout=10_000)  # arrived by the poll
    expect(row).to_contain_text("研判中")
    expect(row.locator("td.num").first).to_have_text(str(len(CALLERS)))
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    page.screenshot(path=str(screens / "board.png"), full_page=True)

    row.get_by_role("link", name=outage.code).click()
    page.wait_for_url(f"**/console/outages/{outage.code}/")
    expect(page.locator("#net-tree g.origin")).to_have_attribute("data-device", "F9")
    expect(page.locator("#net-tree g.out")).to_have_count(9)
    expect(page.locator("#outage-orders tbody tr")).to_have_count(len(CALLERS))
    page.locator("#act-confirm button").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text(f"已确认停电 {outage.code}")
    expect(page.locator("#outage-state")).to_have_text("已确认")
    page.screenshot(path=str(screens / "outage.png"), full_page=True)
    page.locator("#act-restore button").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text(f"停电 {outage.code} 已恢复送电")
    expect(page.locator("#outage-state")).to_have_text("已恢复")

    assert OutageEvent.objects.get(pk=outage.pk).state == OutageState.RESTORED
    assert set(WorkOrder.objects.filter(number__in=numbers).values_list("state", flat=True)) == {OrderState.RESOLVED}
    assert Message.objects.filter(order__number__in=numbers, subject="恢复供电通知").count() == len(CALLERS)
    staff.switch("agent")
    for number in numbers:  # every caller's order shows the restoration message
        page.goto(f"{page.base_url}/console/orders/{number}/")
        expect(page.locator('#timeline li[data-action="order.restoration_notified"]')).to_contain_text(
            "短信通知客户已恢复供电")
