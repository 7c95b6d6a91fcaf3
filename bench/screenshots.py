"""Screenshots of console pages for docs/ (docs/screenshots/NAME.png), with Debian's Chromium.

Reusable: `PAGES` lists (name, url, width, login) entries; add a page (the portal's, say) by adding
an entry (login None: not logged in). Needs a served demo province (`make run`, or `griddesk serve`)
whose demo accounts have the password `griddesk`:

    .venv/bin/python bench/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots] [--only NAME]

Headless Chromium (--headless --no-sandbox --disable-gpu), zh-CN, Asia/Shanghai, full-page shots.
"""

import argparse
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PASSWORD = "griddesk"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

# (name, url, viewport width, login username or None)
PAGES = [
    ("analytics-service", "/console/analytics/", 1366, "manager1"),
    ("analytics-hotline", "/console/analytics/hotline/", 1366, "manager1"),
    ("analytics-complaints", "/console/analytics/complaints/", 1366, "supervisor1"),
    ("analytics-rectifications", "/console/analytics/rectifications/", 1366, "supervisor1"),
    ("analytics-report", "/console/analytics/report/", 1100, "manager1"),
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
        for name, url, width, username in entries:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                          viewport={"width": width, "height": 900})
            page = context.new_page()
            if username:
                login(page, args.base, username)
            response = page.goto(f"{args.base}{url}")
            page.wait_for_load_state("networkidle")
            if response is None or response.status != 200:
                print(f"{name}: HTTP {response.status if response else '?'} for {url}", file=sys.stderr)
                return 1
            path = args.out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"{name}: {path}")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
