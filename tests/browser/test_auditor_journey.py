"""Browser journeys of the auditor screen (rule K-8) and the canned replies (标准话术, rule C-4): keyboard
only where the agent works, htmx progress of the background verify, no CSP violation on the way."""

import pytest
from playwright.sync_api import expect

from griddesk.audit import auditing
from griddesk.audit.models import VerifyRun
from griddesk.orders import services
from tests.browser.test_csp import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_rule_C4_agent_inserts_the_greeting_from_the_keyboard(page, staff, people, province, screens):
    watch = Watch(page)
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="营业员态度差")
    staff.login("agent")
    page.goto(f"{page.base_url}/console/orders/{order.number}/")
    page.click("#action-transfer_to_leader summary")
    area = page.locator("#id_transfer_to_leader-note")
    area.focus()
    page.keyboard.type("客户情绪激动。")
    page.keyboard.press("Alt+r")  # to the picker
    picker = page.locator("#replies-id_transfer_to_leader-note")
    expect(picker).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first phrase: the greeting (C-4)
    page.keyboard.press("Enter")
    expect(area).to_be_focused()
    expect(area).to_have_value("客户情绪激动。您好，测试省电力公司，95598001号为您服务，请问有什么可以帮您？")
    picker.select_option(label="复述确认（C-5）")
    page.click("[data-reply-insert='replies-id_transfer_to_leader-note']")
    expect(area).to_have_value(f"客户情绪激动。您好，测试省电力公司，95598001号为您服务，请问有什么可以帮您？"
                               f"跟您确认一下您反映的情况：……。您的工单编号是{order.number}，请问记录是否准确？")
    page.screenshot(path=str(screens / "canned-replies.png"), full_page=True)
    watch.assert_clean("order page with canned replies")


def test_rule_K8_auditor_verifies_the_whole_audit_and_exports_a_history(page, staff, people, province, make_staff,
                                                                        screens):
    watch = Watch(page)
    make_staff("auditor", province["root"], "auditor")
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="家里停电", fault_side="utility")
    staff.login("auditor")
    page.click("#open-audit")
    page.click("#verify-start")
    expect(page.locator(".verify-run")).to_have_attribute("data-status", "queued")
    run = VerifyRun.objects.get()
    auditing.verify_run_execute(run_id=run.pk)  # what the task worker does meanwhile
    expect(page.locator(".verify-run")).to_have_attribute("data-status", "ok", timeout=8000)  # htmx polled it
    expect(page.locator(".verify-run")).to_contain_text("审计历史完整")
    page.screenshot(path=str(screens / "audit-verify.png"), full_page=True)
    page.fill("#audit-q", order.number)
    page.keyboard.press("Enter")
    expect(page.locator("#chain-status")).to_contain_text("审计链完整")
    expect(page.locator("#trail tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.click("#trail-export button[value=csv]")
    assert download.value.suggested_filename.startswith(f"audit-{order.number}-")
    page.screenshot(path=str(screens / "audit-trail.png"), full_page=True)
    watch.assert_clean("auditor screen")
