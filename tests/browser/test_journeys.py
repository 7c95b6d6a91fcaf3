"""Main journeys of the agent console in a real browser (issue 4, "Done when").

a) an agent takes a repair call for a customer inside an active outage, sees the cause and the
   apology prompt (C-9), creates the repair order with read-back (C-5) and sees its number;
b) a complaint goes from intake through forward, contact, findings, reply, return visit to archive
   (K-3, A-2, C-12);
c) an anonymous report's identity stays hidden from the accused department's handler, while a
   supervisor can open it and the opening shows in the timeline (K-7, K-9).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from griddesk.orders.models import OrderState, WorkOrder
from griddesk.outages.models import OutageEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def new_order_via_readback(page, screenshot=None):
    """From the intake form: Enter to the read-back (C-5), Enter to save; returns the order number."""
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("请向客户复述以下内容")
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    expect(page.locator("#confirm")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/orders/*/")
    number = page.locator("#order-number").inner_text()
    expect(page.locator(".messages")).to_contain_text(f"工单已保存，编号 {number}")
    return number

COUNTY = "青州供电公司 / 临河县供电公司 / "  # a unit picker names each unit by its path (console.pickers)


def act(page, action, fields=None, selects=None):
    """Open an action of the order page, fill it, submit it; wait for the page to come back."""
    box = page.locator(f"#action-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in (fields or {}).items():
        box.locator(f"[name='{action}-{name}']").fill(value)
    for name, value in (selects or {}).items():
        box.locator(f"select[name='{action}-{name}']").select_option(label=value)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("已完成")


def test_journey_a_repair_call_inside_an_active_outage(page, staff, people, province, screens):
    now = timezone.now()
    OutageEvent.objects.create(code="OUT-J1", kind="fault", device=province["switch"], org=province["station"],
                               cause="10kV城关线1号开关故障跳闸", starts_at=now - timedelta(minutes=30),
                               expected_restoration_at=now + timedelta(hours=2), state="active")
    staff.login("agent")
    page.goto(page.base_url + "/console/caller/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("138 0000 0001")
    expect(page.locator("#results .hit-row")).to_have_count(1)
    page.screenshot(path=str(screens / "lookup.png"))
    page.keyboard.press("Enter")  # opens the first hit
    page.wait_for_url("**/console/caller/1000000001/")
    prompt = page.locator("#outage-prompt")
    expect(prompt).to_contain_text("10kV城关线1号开关故障跳闸")
    expect(prompt).to_contain_text("请向客户说明停电原因并致歉")
    expect(page.locator("#supply-path li.out")).to_have_text("开关 · 城关线1号开关")
    page.screenshot(path=str(screens / "caller.png"), full_page=True)

    page.keyboard.press("1")  # hotkey 1 = 故障报修 (rule C-1)
    page.wait_for_url("**/console/orders/new/**")
    expect(page.locator("#id_order_type")).to_have_value("repair")
    expect(page.locator("#id_title")).to_be_focused()
    page.keyboard.type("家中停电，邻居也停电")
    page.screenshot(path=str(screens / "intake.png"), full_page=True)
    number = new_order_via_readback(page, screenshot=screens / "readback.png")

    order = WorkOrder.objects.get(number=number)
    assert order.customer.account_no == "1000000001"
    assert order.agent_no == "95598001"  # rule C-4
    # rule C-9 (issue 10): a call below an active outage joins it, no crew of its own
    assert order.outage.code == "OUT-J1" and order.crew_id is None
    assert order.state == OrderState.ACCEPTED
    expect(page.locator("#order-outage")).to_contain_text("10kV城关线1号开关故障跳闸")
    expect(page.locator("#sla-clocks")).to_contain_text("城区45分钟到达现场")
    expect(page.locator("#sla-clocks .countdown")).to_contain_text("剩余")
    page.screenshot(path=str(screens / "order.png"), full_page=True)


def test_journey_b_complaint_from_intake_to_archive(page, staff, people, province):
    staff.login("agent")
    page.goto(page.base_url + "/console/caller/1000000002/")
    page.keyboard.press("2")  # 投诉
    expect(page.locator("#id_order_type")).to_have_value("complaint")
    page.select_option("#id_category", label="服务态度")
    page.fill("#id_title", "营业厅工作人员态度恶劣")
    page.fill("#id_description", "客户称11月26日在城关营业厅办理业务时被工作人员顶撞。")
    page.focus("#id_title")
    number = new_order_via_readback(page)
    expect(page.locator("#sla-clocks")).to_contain_text("K-3")
    act(page, "forward", selects={"department": COUNTY + "临河县营销部"})  # units by their path (pickers)
    expect(page.locator("#order-state")).to_have_text("已转派")

    staff.switch("handler")
    page.goto(page.base_url + f"/console/orders/{number}/")
    act(page, "contact", {"note": "已电话联系客户，致歉并说明将调查"})
    act(page, "findings", {"findings": "经调取录像核实属实，已对当事人批评教育"},
        selects={"cause": "工作人员服务态度"})
    act(page, "reply", {"reply": "经核实情况属实，已批评教育当事人，向您致歉"})
    expect(page.locator("#order-state")).to_have_text("已答复")
    expect(page.locator("#sla-clocks")).to_contain_text("按时完成")

    staff.switch("visitor")
    page.goto(page.base_url + f"/console/orders/{number}/")
    act(page, "visit", selects={"satisfaction": "满意"})
    act(page, "archive")
    expect(page.locator("#order-state")).to_have_text("已归档")
    order = WorkOrder.objects.get(number=number)
    assert (order.state, order.cause, order.satisfaction, order.transfer_count) == (
        "archived", "attitude", "satisfied", 1)
    expect(page.locator("#timeline")).to_contain_text("回访")


def test_journey_c_anonymous_report_identity_stays_sealed(page, staff, people, province):
    staff.login("agent")
    page.goto(page.base_url + "/console/caller/")
    page.click("a.button:has-text('举报')")
    expect(page.locator("#id_order_type")).to_have_value("report")
    page.focus("#id_order_type")
    page.keyboard.press("4")  # digits pick the type in the form too
    expect(page.locator("#id_order_type")).to_have_value("consultation")
    expect(page.locator("#id_anonymous")).to_be_hidden()
    page.keyboard.press("3")
    expect(page.locator("#id_order_type")).to_have_value("report")
    page.check("#id_anonymous")
    page.fill("#id_reporter_name", "刘某")
    page.fill("#id_reporter_phone", "13911112222")
    page.fill("#id_title", "营销部抄表员索要好处费")
    page.select_option("#id_accused", label=COUNTY + "临河县营销部")  # rule K-9: the unit it is about
    page.focus("#id_title")
    number = new_order_via_readback(page)
    act(page, "forward", selects={"department": COUNTY + "城关供电所"})

    staff.switch("handler")  # the accused department (rules K-7, K-9): not even the report itself
    response = page.goto(page.base_url + f"/console/orders/{number}/")
    assert response.status == 404
    content = page.content()
    assert "13911112222" not in content and "刘某" not in content
    page.goto(page.base_url + "/console/")

    staff.switch("supervisor")
    page.goto(page.base_url + f"/console/orders/{number}/")
    expect(page.locator("#identity-sealed")).to_contain_text("身份已封存")
    page.fill("[name='identity-purpose']", "核实举报线索")
    page.click("#open-identity")
    expect(page.locator("#identity-opened")).to_contain_text("13911112222")
    page.reload()  # a reload neither re-submits nor opens it again (issue 9, item 12)
    expect(page.locator("#identity-opened")).to_contain_text("13911112222")
    expect(page.locator("#timeline li[data-action='identity.opened']")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("查看举报人身份（K-7）")
    expect(page.locator("#timeline")).to_contain_text("核实举报线索")
