"""The desk as agents live in it (issue 9, desk items), in a real browser:

1. the shift leader's filtered queue shows a new order within the poll interval, without a reload,
   the filter still applied and a ticked box still ticked;
2. the header search: "/" focuses it, a phone's tail digits drop the order down, ↓ and Enter open it;
3. "?" opens the keyboard map, Esc closes it, Alt+F opens the caller look-up;
4. a crew member lands on the task list, under a header of at most a tenth of a 360×740 phone;
5. a unit picker narrows to what is typed and Enter takes the first match.
"""

import re

import pytest
from playwright.sync_api import expect

from griddesk.orders import services
from tests.browser.conftest import LANDING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.GRIDDESK_QUEUE_POLL_SECONDS = 1


def test_a_new_order_appears_in_the_open_filtered_queue_without_a_reload(page, staff, people, province, screens):
    agent, customers = people["agent"], province["customers"]
    first = services.order_create(order_type="repair", channel="hotline", actor=agent, customer=customers[0],
                                  title="家里停电")
    staff.login("leader")
    page.goto(page.base_url + "/console/queues/")
    page.select_option("#queue-filters select[name=order_type]", "repair")
    page.click("#queue-filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"order_type=repair"))
    expect(page.locator("#queue-table")).to_contain_text(first.number)
    page.locator(f"#queue-table input[name=numbers][value='{first.number}']").check()
    page.evaluate("window.stillTheSamePage = true")

    other = services.order_create(order_type="query", channel="hotline", actor=agent, customer=customers[1],
                                  title="查询电费")
    second = services.order_create(order_type="repair", channel="hotline", actor=agent, customer=customers[2],
                                   title="线路冒火")
    expect(page.locator("#queue-table")).to_contain_text(second.number, timeout=5_000)
    expect(page.locator("#queue-table")).not_to_contain_text(other.number)  # the filter still holds
    expect(page.locator("#queue-filters select[name=order_type]")).to_have_value("repair")
    ticked = page.locator(f"#queue-table input[name=numbers][value='{first.number}']")
    expect(ticked).to_be_checked()
    expect(ticked).to_be_focused()  # the box the leader last touched keeps the focus
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path=str(screens / "desk-live-queue.png"), full_page=True)


def test_header_search_opens_an_order_by_its_phone_tail_with_the_keyboard(page, staff, people, province):
    customer = province["customers"][1]  # 李娜, 13800000002
    order = services.order_create(order_type="query", channel="hotline", actor=people["agent"], customer=customer,
                                  title="查询电费")
    services.order_create(order_type="query", channel="hotline", actor=people["agent"],
                          customer=province["customers"][0], title="查询电价")
    staff.login("agent")
    page.keyboard.press("/")
    expect(page.locator("#global-q")).to_be_focused()
    page.keyboard.type("0000002")
    expect(page.locator("#global-results .search-hit")).to_have_count(1)
    expect(page.locator("#global-results")).to_contain_text("李*")  # listed masked
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/orders/{order.number}/")

    page.keyboard.press("/")
    page.keyboard.type(order.number[-3:])  # three tail digits: too few for a phone, so the number only
    expect(page.locator("#global-results .search-hit")).to_have_count(1)
    page.keyboard.press("Enter")  # nothing chosen: the results page
    page.wait_for_url(re.compile(r"/console/search/\?q="))
    expect(page.locator("#search-results")).to_contain_text(order.number)


def test_question_mark_opens_the_keyboard_map_and_alt_f_the_caller_lookup(page, staff, people):
    staff.login("agent")
    help_box = page.locator("#keymap-help")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Alt+F")
    expect(help_box).to_contain_text("来电查询")
    expect(help_box.locator("tr[data-combo]")).to_have_count(help_box.locator("tr[data-combo]").count())
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("Alt+f")
    page.wait_for_url("**/console/caller/")


def test_a_crew_lands_on_its_tasks_under_a_compact_phone_header(browser, live_server, people, province):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(live_server.url + "/console/login/")
        phone.fill("#id_username", "lineman")
        phone.fill("#id_password", "pw-lineman")
        phone.click("button[type=submit]")
        phone.wait_for_url(LANDING)
        assert phone.url.endswith("/console/crew/")
        height = phone.locator("header.topbar").bounding_box()["height"]
        assert height <= 74, height  # 10 % of 740
        expect(phone.locator("h1")).to_contain_text("抢修任务")
    finally:
        context.close()


def test_unit_picker_narrows_as_typed_and_enter_takes_the_first_match(page, staff, people, province):
    staff.login("leader")
    page.goto(page.base_url + "/console/queues/")
    box = page.locator("#filter-org-filter")
    box.fill("城关")
    shown = page.locator("#filter-org option:not([hidden])")
    expect(shown).to_have_count(1)
    expect(shown).to_have_text(re.compile(r"临河县供电公司 / 城关供电所"))
    box.press("Enter")
    expect(page.locator("#filter-org")).to_have_value(province["station"].code)
