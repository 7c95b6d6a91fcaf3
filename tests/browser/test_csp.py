"""The Content-Security-Policy blocks nothing that GridDesk itself needs (issue 8, item 9).

Chromium reports every blocked script, style or handler as a `securitypolicyviolation` event and a
console message; each page of the console, the crew pages, the admin and the public site is loaded
(htmx swaps included) with both watched, and the pages' own scripts are seen to run.
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from griddesk.orders import services
from griddesk.orgs.models import Staff
from griddesk.outages.models import OutageEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""


class Watch:
    """Every CSP violation a page reports, by event and by console message."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.add_init_script(WATCH)
        page.on("console", self._message)

    def _message(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, path):
        response = self.page.goto(self.page.base_url + path)
        assert response.ok, f"{path}: {response.status}"
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path)

    def assert_clean(self, where):
        events = self.page.evaluate("window.__csp || []")
        assert events == [] and self.console == [], f"{where}: {events} {self.console}"


@pytest.fixture
def watch(page):
    return Watch(page)


def test_console_pages_report_no_csp_violation(page, watch, staff, people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="utility",
                                  title="家里停电", description="整栋楼停电")
    watch.visit("/")
    watch.visit("/console/login/")
    staff.login("agent")
    watch.assert_clean("/console/")
    watch.visit("/console/caller/")
    page.keyboard.type("138 0000 0001")  # htmx swaps the hits in
    expect(page.locator("#results .hit-row")).to_have_count(1)
    watch.assert_clean("caller look-up (htmx)")
    watch.visit("/console/caller/1000000001/")
    page.keyboard.press("2")  # the page's nonce'd hotkey script runs: 2 opens a complaint
    page.wait_for_url("**/console/orders/new/**")
    expect(page.locator("#id_order_type")).to_have_value("complaint")
    watch.assert_clean("new order")
    watch.visit(f"/console/orders/{order.number}/")
    expect(page.locator(".countdown .left").first).not_to_be_empty()  # the countdown script ran
    watch.assert_clean("order page")

    staff.switch("dispatcher")
    watch.visit("/console/queues/")
    expect(page.locator("#queue-table")).to_be_visible()
    sort = page.locator("#queue-table a[hx-get]").first
    label = sort.inner_text()
    sort.click()  # htmx re-sorts the table: the chosen order is no longer a link
    expect(page.locator("#queue-table strong", has_text=label)).to_be_visible()
    page.locator("#bulk-form thead input[type=checkbox]").check()  # griddesk.js ticks every row
    boxes = page.locator("#bulk-form tbody input[name=numbers]")
    assert boxes.count() >= 1
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_be_checked()
    watch.assert_clean("queue (htmx sort, tick all)")
    watch.visit("/console/queues/storm/")
    OutageEvent.objects.create(code="CSP-OUT", kind="fault", device=province["switch"], org=province["station"],
                               cause="开关跳闸", starts_at=order.accepted_at, state="predicted")
    watch.visit("/console/outages/")
    expect(page.locator("#outage-CSP-OUT")).to_be_visible()
    watch.visit("/console/outages/CSP-OUT/")
    expect(page.locator("#net-tree svg g.origin")).to_have_attribute("data-device", "SW1")
    watch.assert_clean("outage board and the outage's inline SVG tree")

    staff.switch("lineman")
    watch.visit("/console/crew/")
    watch.visit(f"/console/crew/{order.number}/")

    page.select_option("select[name=language]", "en")  # griddesk.js submits the language form
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watch.assert_clean("language switch")


def test_admin_pages_report_no_csp_violation(page, watch, province):
    root = Staff.objects.create_superuser("root", "root@example.com", "pw-root", org=province["root"])
    device = TOTPDevice.objects.create(user=root, name="root's phone", confirmed=False)
    watch.visit("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw-root")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    watch.assert_clean("/admin/")
    watch.visit("/admin/orgs/staff/")
    watch.visit("/admin/orgs/staff/add/")
    watch.visit("/admin/otp_totp/totpdevice/add/")
    watch.visit("/admin/axes/accessattempt/")
    watch.visit(f"/admin/otp_totp/totpdevice/{device.pk}/config/")  # enrolment: the QR code to scan
    expect(page.locator("img.qrcode-image")).not_to_have_js_property("naturalWidth", 0)  # segno drew it
