"""Helpers of the public site's browser tests (accessibility, journeys): the two screen sizes, a
browser context per size, a published planned outage, and opening a coded query with the code read
from the outbox (as the customer's phone would)."""

import re
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from griddesk.notify.models import Message
from griddesk.outages import services as outage_services
from tests.portal.helpers import last_code

SCREENS = {"phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
           "desktop": {"viewport": {"width": 1366, "height": 900}}}
LINK = re.compile(r"https?://[^/\s]+(/satisfaction/[^/\s]+/)")


@contextmanager
def screen_page(browser, live_server, screen, *, locale="zh-CN"):
    """A fresh page at `screen` ("phone": 360 px, touch; "desktop": 1366 px), in Chinese unless
    `locale` asks for another language (the browser's Accept-Language)."""
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", **SCREENS[screen])
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.base_url = live_server.url
        yield page
    finally:
        context.close()


def planned_outage(province, people, *, days=8):
    """A planned maintenance outage (计划停电) on the rural transformer 东关村台区, planned by the county's
    dispatcher and published (rule Q-3: more than 7 days ahead, on time)."""
    starts_at = (timezone.now() + timedelta(days=days)).replace(hour=8, minute=0, second=0, microsecond=0)
    outage = outage_services.outage_plan(kind="planned", device=province["tx2"], starts_at=starts_at,
                                         cause="台区变压器检修", actor=people["dispatcher"],
                                         expected_restoration_at=starts_at + timedelta(hours=9),
                                         area="东关村3组、4组")
    return outage_services.outage_publish(outage=outage, actor=people["dispatcher"])


def open_with_code(page, path, number, phone):
    """Ask for a code on a coded query page (/progress/, /bills/), read it from the outbox, type it:
    the page lands on the order's or account's page."""
    page.goto(page.base_url + path)
    page.fill("#id_number", number)
    page.locator("#send-form button[type=submit]").click()
    page.locator("#code-sent").wait_for()
    code = last_code(phone)
    assert code is not None, f"no code sent to {phone}"
    page.fill("#id_code", code)
    page.locator("#code-form button[type=submit]").click()
    page.wait_for_url(f"**{path}{number}/")


def satisfaction_path(order):
    """The one-tap satisfaction link sent by SMS when the order came to its visit (rule C-12)."""
    message = Message.objects.get(order=order, dedupe_key=f"visit-link:{order.pk}")
    return LINK.search(message.body).group(1)
