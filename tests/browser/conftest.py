"""Playwright harness: Debian's Chromium (Playwright cannot download browsers here) against
pytest-django's live server.

- one Chromium for the whole session, one browser context (cookies, storage) per test;
- Playwright's sync API runs an event loop in this thread, and Django refuses synchronous ORM
  calls while a loop runs, so fixtures that write the database need DJANGO_ALLOW_ASYNC_UNSAFE;
- live_server needs a transactional database; `serialized_rollback` puts back the rows the
  migrations seed (roles, categories, rule sets, calendars) that the flush after each test removes.
"""

import os
import re
from pathlib import Path

import pytest

from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# where a login lands: the desk, or a crew's task list (desk item 4)
LANDING = re.compile(r"/console/(crew/)?$")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def screens():
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS


class Staff:
    """Log a test user in and out through the real login form."""

    def __init__(self, page):
        self.page = page

    def login(self, username):
        page = self.page
        page.goto(page.base_url + "/console/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-" + username)  # tests/conftest.py make_staff's password
        page.click("button[type=submit]")
        page.wait_for_url(LANDING)

    def logout(self):
        self.page.click("header form button[type=submit]:has-text('退出')")
        self.page.wait_for_load_state()

    def switch(self, username):
        self.logout()
        self.login(username)


@pytest.fixture
def staff(page):
    return Staff(page)
