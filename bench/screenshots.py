"""Screenshots of console and public pages for docs/ (docs/screenshots/NAME.png), with Debian's Chromium.

Reusable: `PAGES` lists (name, url, width, login[, setup]) entries; add a page by adding an entry
(login None: not logged in). `setup(page, base)` runs first, for a page that needs something done
before it can be shown: it returns the url to shoot, or None when it has already opened the page (the
progress page: it asks for a code through the page and reads it from the outbox through Django). Needs
a served demo province (`make run`, or `griddesk serve`) whose demo accounts have the password
`griddesk`; the script reads the same database as the server (same GRIDDESK_HOME / DATABASE_URL):

    .venv/bin/python bench/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots] [--only NAME]

Headless Chromium (--headless --no-sandbox --disable-gpu), zh-CN, Asia/Shanghai, full-page shots.
"""

import argparse
import os
import re
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PASSWORD = "griddesk"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

PHONE = 360  # the public site's phone width (issue 11)
CODE = re.compile(r"验证码 (\d{6})")


def _django():
    """Django on the served demo's database, for a setup step (Playwright's loop runs in this thread)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def outage_notices(page, base):
    """All the outage notices if they are few (a demo's), else those of the county with the most."""
    _django()
    from collections import Counter

    from griddesk.portal import selectors

    names = Counter(county for _outage, county in selectors.public_outages())
    if names.total() <= 10:
        return "/outages/"
    counties = {c.name: c.code for c in selectors.counties()}
    code = next((counties[name] for name, _n in names.most_common() if name in counties), "")
    return f"/outages/?county={code}" if code else "/outages/"


def progress_with_code(page, base):
    """Open a customer's complaint's progress page as the customer does: the order number on
    /progress/, the SMS code (read from the outbox), then the code (rule C-2). A replied complaint
    if there is one (the most steps), else one further back."""
    _django()
    from griddesk.notify.models import Message
    from griddesk.orders.models import WorkOrder

    complaints = (WorkOrder.objects.filter(order_type="complaint", anonymous=False, customer__isnull=False,
                                           parent__isnull=True).exclude(customer__phone="")
                  .select_related("customer").order_by("-received_at"))
    order = next((o for state in ("replied", "investigated", "contacted", "forwarded")
                  for o in complaints.filter(state=state)[:1]), None)
    if order is None:
        raise SystemExit("no open complaint with a customer in this database: load the demo (griddesk demo)")
    page.goto(f"{base}/progress/")
    page.fill("#id_number", order.number)
    page.click("#send-form button[type=submit]")
    page.wait_for_selector("#code-sent")
    message = Message.objects.filter(channel="sms", address=order.customer.phone).order_by("-pk").first()
    match = CODE.search(message.body) if message else None
    if match is None:
        raise SystemExit(f"no code for {order.number} in the outbox")
    page.fill("#id_code", match.group(1))
    page.click("#code-form button[type=submit]")
    page.wait_for_url(f"**/progress/{order.number}/")
    return None


# (name, url, viewport width, login username or None[, setup])
PAGES = [
    ("portal-home-phone", "/", PHONE, None),
    ("portal-home-desktop", "/", 1366, None),
    ("portal-outages-phone", None, PHONE, None, outage_notices),
    ("portal-progress-phone", None, PHONE, None, progress_with_code),
    ("analytics-service", "/console/analytics/", 1366, "manager1"),
    ("analytics-hotline", "/console/analytics/hotline/", 1366, "manager1"),
    ("analytics-complaints", "/console/analytics/complaints/", 1366, "supervisor1"),
    ("analytics-rectifications", "/console/analytics/rectifications/", 1366, "supervisor1"),
    ("analytics-report", "/console/analytics/report/", 1100, "manager1"),
    ("quality-reliability", "/console/quality/", 1366, "manager1"),
    ("quality-voltage", "/console/quality/voltage/", 1366, "manager1"),
]


def login(page, base, username):
    page.goto(f"{base}/console/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", action="append", help="a page name (repeatable)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    entries = [e for e in PAGES if not args.only or e[0] in args.only]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, url, width, username, *setup in entries:
            phone = {"is_mobile": True, "has_touch": True} if width <= PHONE else {}
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                          viewport={"width": width, "height": 740 if phone else 900}, **phone)
            page = context.new_page()
            if username:
                login(page, args.base, username)
            url = setup[0](page, args.base) if setup else url
            if url is not None:
                response = page.goto(f"{args.base}{url}")
                if response is None or response.status != 200:
                    print(f"{name}: HTTP {response.status if response else '?'} for {url}", file=sys.stderr)
                    return 1
            page.wait_for_load_state("networkidle")
            path = args.out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"{name}: {path}")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
