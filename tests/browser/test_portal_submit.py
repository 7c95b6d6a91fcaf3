"""The public site's forms in a real browser (rules W-3, H-7, K-7), on a phone (360 px) and on a
desktop: a connection application with a wrong field is pointed at that field, and once fixed gets
its order number; an anonymous report is sealed."""

import re

import pytest
from django.core.cache import cache

from griddesk.orders.models import SealedIdentity, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIZES = {"phone": {"width": 360, "height": 760}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def answer_challenge(page):
    a, b = map(int, re.search(r"(\d+) 加 (\d+) 等于几", page.inner_text("form.portal-form")).groups())
    page.get_by_label(re.compile(r"\d+ 加 \d+ 等于几")).fill(str(a + b))


@pytest.mark.parametrize("size", SIZES)
def test_rule_H7_a_wrong_field_is_pointed_at_then_the_application_is_accepted(page, province, people, size,
                                                                              screens):
    page.set_viewport_size(SIZES[size])
    page.set_default_timeout(30_000)  # each submit writes an order, with attachments: slower on a shared machine
    page.goto(page.base_url + "/")
    page.click("nav >> text=我要办")
    page.click("#apply-lv-nonresident")
    assert "营业执照或其他主体资格证明" in page.inner_text("main")
    page.fill("#id_name", "临河县幸福超市")
    page.fill("#id_phone", "1380013")  # too short
    page.select_option("#id_county", "P0101")
    page.fill("#id_address", "临河县城关镇幸福路18号")
    page.fill("#id_capacity_kva", "40")
    answer_challenge(page)
    page.click("button:has-text('提交申请')")
    error = page.locator("#id_phone-error")
    error.wait_for()
    assert "请填写11位手机号码" in error.inner_text()
    assert page.get_attribute("#id_phone", "aria-describedby") == "id_phone-error"
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    assert page.input_value("#id_name") == "临河县幸福超市"  # what was typed stays
    assert page.input_value("#id_capacity_kva") == "40"
    box = error.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"] + 1  # on screen at 360 px
    page.screenshot(path=str(screens / f"portal-apply-error-{size}.png"), full_page=True)
    page.fill("#id_phone", "13800138000")
    answer_challenge(page)
    page.click("button:has-text('提交申请')")
    page.locator("#order-number").wait_for()
    order = WorkOrder.objects.get(channel="website")
    assert page.inner_text("#order-number") == order.number
    assert (order.order_type, order.application_kind) == ("application", "lv_nonresident")
    assert "10 天内答复供电方案" in page.inner_text("#promise")
    page.screenshot(path=str(screens / f"portal-apply-done-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_rule_K7_an_anonymous_report_from_the_browser_is_sealed(page, province, people, size):
    page.set_viewport_size(SIZES[size])
    page.set_default_timeout(30_000)  # each submit writes an order, with attachments: slower on a shared machine
    page.goto(page.base_url + "/submit/")
    page.click("#submit-report")
    page.get_by_label(re.compile("匿名提交")).check()
    page.select_option("#id_county", "P0101")
    page.fill("#id_contact", "微信 anon123")
    page.fill("#id_title", "抄表员收受好处")
    page.fill("#id_description", "城关供电所某抄表员多次收取好处费")
    answer_challenge(page)
    page.click("button:has-text('提交')")
    page.locator("#order-number").wait_for()
    order = WorkOrder.objects.get(channel="website")
    assert page.inner_text("#order-number") == order.number and "10 天内答复您" in page.inner_text("#promise")
    assert order.anonymous and (order.customer_id, order.caller_name, order.caller_phone) == (None, "", "")
    assert SealedIdentity.objects.get(order=order).contact == "微信 anon123"
