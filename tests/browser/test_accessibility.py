"""Every public page passes an automated accessibility check in the browser (issue 11): axe-core
(shipped inside the axe-playwright-python wheel, no network) with the WCAG 2.0/2.1 A and AA rules, on
a 360 px phone and on a desktop; and the keyboard reaches every control in order with a visible
focus indicator."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from griddesk.billing.importers import bills_import
from griddesk.kb.models import Article
from griddesk.kb.search import index_rebuild
from griddesk.orders import services
from griddesk.outages.models import OutageEvent
from griddesk.portal.submit_views import _kinds
from tests.browser.portal_pages import SCREENS, open_with_code, planned_outage, satisfaction_path, screen_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# WCAG 2.0/2.1 A and AA, and axe's best practices (heading order, one main landmark, content inside
# landmarks, a page-level h1, unique landmarks), none disabled
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
        "resultTypes": ["violations"]}
BILLS = ("account_no,month,kwh,amount,estimated,paid_at,pay_channel\n"
         "1000000001,2026-01,210,118.71,0,2026-02-08T10:00:00+08:00,app\n"
         "1000000001,2026-02,190,107.41,1,,\n")
FOCUSABLE = ("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]),"
             " textarea:not([disabled]), [tabindex]:not([tabindex='-1'])")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # rate limits, challenges and the notices' cache live there


@pytest.fixture(scope="module")
def axe():
    return Axe()


def violations(axe, page):
    """`(id, impact, help, targets)` of each WCAG A/AA violation on the page as it is now."""
    found = axe.run(page, options=WCAG).response["violations"]
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]]) for v in found]


def report(found):
    return "\n".join(f"{where}: {rule} ({impact}) {help_}: {targets}" for where, rule, impact, help_, targets in found)


@pytest.fixture
def portal_data(province, people, tmp_path):
    """Something on every public page: notices in the county, an order with progress, bills, a visit
    link, the policies' search index."""
    planned_outage(province, people)
    OutageEvent.objects.create(code="GZ1", kind="fault", device=province["switch"], cause="10kV城关线1号开关故障跳闸",
                               state="active", area="城关镇幸福路、东街", starts_at=timezone.now(),
                               expected_restoration_at=timezone.now() + timedelta(hours=2))
    agent, customer = people["agent"], province["customers"][0]
    order = services.order_create(order_type="complaint", channel="website", actor=agent, customer=customer,
                                  title="抄表员态度差")
    order = services.order_forward(order=order, actor=agent, department=people["marketing"])
    replied = services.order_create(order_type="complaint", channel="hotline", actor=agent,
                                    customer=province["customers"][1], title="营业员态度差")
    replied = services.order_forward(order=replied, actor=agent, department=people["marketing"])
    replied = services.order_findings(order=replied, actor=people["handler"], findings="属实", cause="attitude")
    replied = services.order_reply(order=replied, actor=people["handler"], reply="已致歉并整改")
    path = tmp_path / "bills.csv"
    path.write_text(BILLS, encoding="utf-8")
    bills_import(path=path)
    index_rebuild()  # the FTS table outlives a transactional test's flush (SQLite; no-op on PostgreSQL)
    return {"order": order, "customer": customer, "visit": satisfaction_path(replied),
            "article": Article.objects.get(title="电费有哪些缴纳方式").code}


def _pages(page, data):
    """Visit every public page in turn, yielding its name once it shows what it should."""
    base = page.base_url
    page.goto(base + "/")
    yield "home"
    page.goto(base + "/outages/?county=P0101")
    page.locator("#outage-GZ1").wait_for()
    yield "outages?county"
    page.goto(base + "/submit/")
    yield "submit"
    for kind, _title, _hint in _kinds():
        page.goto(f"{base}/submit/{kind}/")
        yield f"submit/{kind}"
    page.goto(base + "/apply/")
    yield "apply"
    page.goto(base + "/apply/lv-nonresident/")
    page.locator("#apply-form button[type=submit]").click()
    page.locator("#form-errors").wait_for()
    yield "apply/lv-nonresident (errors)"
    page.goto(base + "/progress/")
    yield "progress"
    page.fill("#id_number", data["order"].number)
    page.locator("#send-form button[type=submit]").click()
    page.locator("#code-sent").wait_for()
    yield "progress (code sent: two forms)"
    open_with_code(page, "/progress/", data["order"].number, data["customer"].phone)
    yield "progress/<number>"
    page.goto(base + "/bills/")
    yield "bills"
    page.fill("#id_number", data["customer"].account_no)
    page.locator("#send-form button[type=submit]").click()
    page.locator("#code-sent").wait_for()
    page.fill("#id_code", "000000")
    page.locator("#code-form button[type=submit]").click()
    page.locator("#code-error").wait_for()
    yield "bills (wrong code)"
    open_with_code(page, "/bills/", data["customer"].account_no, data["customer"].phone)
    page.locator("#bills-table").wait_for()
    yield "bills/<account>"
    page.goto(base + data["visit"])
    page.locator("#satisfaction-form").wait_for()
    yield "satisfaction/<token>"
    page.goto(base + "/policies/?q=" + "电费怎么交")
    page.locator("#policy-results .policy-hit").first.wait_for()
    yield "policies?q"
    page.goto(f"{base}/policies/{data['article']}/")
    yield "policies/<article>"
    page.goto(base + "/board/")
    yield "board"
    page.fill("#id_phone", "1391234")  # too short
    page.fill("#id_text", "东关村3组晚上电压低")
    page.fill("#id_answer", "0")  # wrong
    page.locator("#board-form button[type=submit]").click()
    page.locator("#board-form .errorlist").first.wait_for()
    yield "board (errors)"


@pytest.mark.parametrize("screen", SCREENS)
def test_every_public_page_passes_axe_wcag_a_and_aa(browser, live_server, axe, portal_data, screen):
    found, seen, elsewhere = [], [], []
    with screen_page(browser, live_server, screen) as page:
        page.on("request", lambda request: None if request.url.startswith(live_server.url)
                else elsewhere.append(request.url))
        for name in _pages(page, portal_data):
            seen.append(name)
            found += [(name, *v) for v in violations(axe, page)]
    assert len(seen) == 23, seen  # every page was opened and checked
    assert elsewhere == []  # axe-core comes from the wheel: nothing fetched from anywhere but the site
    assert not found, f"{len(found)} accessibility violations at {screen}:\n" + report(found)


def test_every_public_page_passes_axe_in_english_too(browser, live_server, axe, portal_data):
    """The English pages are other text in the same templates: the same 23 states, desktop, no
    violation, and the page says it is English (`<html lang>`, WCAG 3.1.1)."""
    found, seen = [], []
    with screen_page(browser, live_server, "desktop", locale="en-US") as page:
        for name in _pages(page, portal_data):
            seen.append(name)
            assert page.evaluate("document.documentElement.lang") == "en", name
            found += [(name, *v) for v in violations(axe, page)]
    assert len(seen) == 23, seen
    assert not found, f"{len(found)} accessibility violations in English:\n" + report(found)


# every control a keyboard user can reach, in document order, one stop per radio group; each gets a
# data-tab-stop index so the focused element can be named after each Tab
MARK_STOPS = """(selector) => {
  const seen = new Set();
  const stops = [...document.querySelectorAll(selector)].filter((el) => {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") return false;
    if (el.type === "radio") { if (seen.has(el.name)) return false; seen.add(el.name); }
    return true;
  });
  stops.forEach((el, i) => el.setAttribute("data-tab-stop", i));
  return stops.map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : el.name ? `[name=${el.name}]` : "")
                               + (el.getAttribute("href") ? ` ${el.getAttribute("href")}` : ""));
}"""
# the focused element, and whether it shows a focus indicator: an outline of 2 px or more (the site's
# 3 px ring, griddesk.css; Chromium's own is 1 px) or a box shadow, on screen
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {stop: el.getAttribute("data-tab-stop"), outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          shadow: style.boxShadow,
          inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth};
}"""


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("path", ["/", "/submit/repair/"])
def test_tab_reaches_every_control_in_order_with_a_visible_focus(browser, live_server, province, screen, path):
    with screen_page(browser, live_server, screen) as page:
        page.goto(page.base_url + path)
        stops = page.evaluate(MARK_STOPS, FOCUSABLE)
        assert len(stops) >= (14 if path == "/" else 8), stops  # the header's links, the page's controls
        reached, unseen = [], []
        for _ in stops:
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            reached.append(focused["stop"])
            name = stops[int(focused["stop"])] if focused["stop"] is not None else "?"
            shows = (focused["outline"] != "none" and focused["width"] >= 2) or focused["shadow"] != "none"
            if not (shows and focused["inView"]):
                unseen.append((name, focused))
        assert reached == [str(i) for i in range(len(stops))], list(zip(stops, reached, strict=True))
        assert not unseen, f"focus not visible at {screen}: {unseen}"


def test_errors_and_the_challenge_are_read_with_their_field(browser, live_server, province):
    """What axe cannot see: a screen reader reaching a field hears its error (aria-describedby) and,
    on the board, the challenge's question as part of the field's name."""
    with screen_page(browser, live_server, "phone") as page:
        page.goto(page.base_url + "/bills/")
        page.fill("#id_number", province["customers"][0].account_no)
        page.locator("#send-form button[type=submit]").click()
        page.fill("#id_code", "000000")
        page.locator("#code-form button[type=submit]").click()
        code = page.locator("#id_code")
        expect(code).to_have_attribute("aria-invalid", "true")
        expect(code).to_have_accessible_description(page.inner_text("#code-error"))
        expect(code).to_have_accessible_name("短信验证码")

        page.goto(page.base_url + "/board/")
        question = page.inner_text("#challenge-question")
        answer = page.get_by_label(re.compile(r"验证题：\d+ 加 \d+ 等于几"))
        expect(answer).to_have_accessible_name(f"验证题：{question}")
        page.fill("#id_phone", "13912345678")
        page.fill("#id_text", "东关村3组晚上电压低")
        answer.fill("0")
        page.locator("#board-form button[type=submit]").click()
        answer = page.locator("#id_answer")
        expect(answer).to_have_attribute("aria-invalid", "true")
        expect(answer).to_have_accessible_description("验证题答案不正确。")


def _skip_link_leads_to_the_content(page):
    skip = page.locator("a.skip-link")
    assert skip.bounding_box()["x"] < 0  # out of sight before the keyboard comes
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("跳到主要内容")
    assert skip.bounding_box()["x"] >= 0  # on screen while focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, past the header's links
    assert page.evaluate("!!document.activeElement.closest('main')")


@pytest.mark.parametrize("path", ["/", "/outages/"])
def test_the_first_tab_offers_a_skip_link_to_the_content(browser, live_server, province, path):
    """WCAG 2.4.1 (bypass blocks): the first keyboard stop of every page is a "跳到主要内容" link, out
    of sight until focused; following it puts the focus on the page's content."""
    with screen_page(browser, live_server, "phone") as page:
        page.goto(page.base_url + path)
        _skip_link_leads_to_the_content(page)


def test_the_console_has_the_skip_link_too(page, staff, province, make_staff):
    """The staff pages share the base template: past the header's dozen links in one key."""
    make_staff("skip_agent", province["station"], "agent")
    staff.login("skip_agent")
    page.goto(page.base_url + "/console/queues/")
    _skip_link_leads_to_the_content(page)
