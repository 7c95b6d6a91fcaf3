"""A new user's first tour of the console: every demo role follows the links from the home page.

For each role of the demo province (the logins `griddesk demo` prints), a bounded breadth-first crawl
of the same-origin links reachable from /console/, once in Chinese and once in English, checks:

- no page answers with a server error (status < 500), and no link leads to a refusal (403);
- no raw choice code (`hotline`, `satisfied`, `attitude`, `invoice`, … every ASCII-word value of the
  project's model choices) and no category code (A1-ATT) is shown as visible text where its label belongs;
- no select shows Django's untranslated empty choice ("- Select an option -" / "---------");
- no select offers the same label twice;
- no text repeats a parenthesised value ("张三（A1001）（A1001）": the agent number twice).
"""

import re
from collections import Counter, deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from griddesk.api.models import CallOutcomeKind
from griddesk.api.services import call_outcome_record
from griddesk.demo.services import build_demo_province
from griddesk.orders.models import Category, OrderState, ReminderKind, WorkOrder
from griddesk.orders.services import reminder_send
from griddesk.orgs.models import RoleCode, Staff
from griddesk.outages.services import storm_declare
from tests.console.pages import choice_values, read_page

MAX_PAGES = 60  # per role and language: the crawl is bounded, not exhaustive
PER_VIEW = 12  # at most this many URLs of one view (a dozen order pages, not every order)
SKIPPED_VIEWS = {
    "console:logout",  # ends the session
    "console:caller_reveal",  # audited disclosure of a customer's data, not a page
}
ROLES = [RoleCode.ADMINISTRATOR, RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.DISPATCHER,
         RoleCode.REPAIR_CREW, RoleCode.BACK_OFFICE, RoleCode.RETURN_VISIT, RoleCode.SUPERVISOR,
         RoleCode.MANAGER, RoleCode.AUDITOR]
UNTRANSLATED_EMPTY = {"- Select an option -", "---------"}
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
REPEATED = re.compile(r"[（(]([^（）()]+)[）)]\s*[（(]\1[）)]")  # 张三（A1001）（A1001）
CATEGORY_CODE = re.compile(r"(?<![A-Za-z0-9-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![A-Za-z0-9-])")
LIST_OF_CODES = re.compile(r"[:：]\s*([a-z_]+(?:\s*[,，、]\s*[a-z_]+)+)")


@pytest.fixture(autouse=True)
def _chinese_again():
    """A request in English leaves English active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo province with a busy last three days: ~390 orders, ~140 of them open, of every type
    and in most states (the default history spreads 40 orders over 90 days, nearly all archived)."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo_province(customers=2000, seed=1, orders=400, days=3)
        busy_day(summary)
        yield summary
        transaction.set_rollback(True)


def busy_day(summary):
    """What the demo history lacks and a desk sees daily: a harassment report for the shift leaders
    (C-10), reminders and supervision items (K-6) on open orders, severe weather declared (R-3)."""
    agent, leader, supervisor, dispatcher = (first_login(summary, role) for role in (
        RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.DISPATCHER))
    call_outcome_record(outcome=CallOutcomeKind.HARASSMENT, caller_phone="13912345678",
                        note="辱骂座席后挂机", actor=agent)
    open_orders = WorkOrder.objects.exclude(state=OrderState.ARCHIVED).order_by("number")
    for order in open_orders[:3]:
        reminder_send(order=order, kind=ReminderKind.REMIND, actor=leader, reason="客户再次来电催促")
    for order in open_orders[3:5]:
        reminder_send(order=order, kind=ReminderKind.SUPERVISE, actor=supervisor, reason="超时未办结")
    now = timezone.now()
    storm_declare(org=dispatcher.org, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=6),
                  reason="台风登陆", actor=dispatcher)


def first_login(demo, role):
    (login,) = [entry for entry in demo["logins"] if entry["role"] == role]
    return Staff.objects.get(username=login["first"])


def target_of(page_url, href):
    """The same-origin console URL `href` points to, or None (other site, mailto/tel, anchors)."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    absolute = urljoin("http://testserver" + page_url, href)
    parts = urlsplit(absolute)
    if parts.netloc != "testserver":
        return None
    path = parts.path
    if not (path.startswith("/console/") or path == "/admin/"):
        return None  # the console and the admin's index; the admin's own pages are Django's
    return path + ("?" + parts.query if parts.query else "")


def view_of(url):
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def crawl(client, language):
    """Yield (url, response) for a bounded breadth-first crawl from the home page."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    queue, seen, per_view, visited = deque(["/console/"]), {"/console/"}, Counter(), 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        yield url, response
        if response.status_code in (301, 302) and response.get("Location"):
            links = [response["Location"]]
        elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            links = read_page(response.content.decode()).links
        else:
            links = []
        for href in links:
            target = target_of(url, href)
            if target is None or target in seen:
                continue
            view = view_of(target)
            if view in SKIPPED_VIEWS or per_view[view] >= PER_VIEW:
                continue
            seen.add(target)
            per_view[view] += 1
            queue.append(target)


def raw_codes(page, codes, language):
    """Raw choice values shown as visible text (where their label belongs)."""
    found = []
    for text in page.texts + [o for s in page.selects for o in s.options]:
        if language == "zh-hans":
            # A Chinese page has no English words but a few identifiers (GridDesk, SHA-256, kV):
            # any token that is a choice code is a code shown instead of its label.
            found += [t for t in TOKEN.findall(text) if t in codes]
        else:
            # English labels are English words too: a code is a leak when it is the whole text,
            # has an underscore (crew_accepted), or is a list of codes ("Available: invoice, visit").
            if text in codes:
                found.append(text)
            found += [t for t in TOKEN.findall(text) if "_" in t and t in codes]
            for listed in LIST_OF_CODES.findall(text):
                items = re.split(r"\s*[,，、]\s*", listed)
                if all(item in codes for item in items):
                    found += items
    return found


def category_codes_shown(page, category_codes):
    """Category codes (A1-ATT, F-HV-TX) shown where the category's name belongs."""
    return [code for text in page.texts for code in CATEGORY_CODE.findall(text) if code in category_codes]


def select_defects(page):
    defects = []
    for select in page.selects:
        for label in select.options:
            if label in UNTRANSLATED_EMPTY:
                defects.append(f"<select name={select.name}> has the untranslated empty choice {label!r}")
        for group, labels in select.labels_by_group().items():  # <optgroup>s may repeat a label
            for label, n in Counter(label for label in labels if label).items():
                if n > 1:
                    where = f" (group {group!r})" if group else ""
                    defects.append(f"<select name={select.name}> offers {label!r} {n} times{where}")
    return defects


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_new_user_crawl(client, demo, role, db):
    user = first_login(demo, role)
    client.force_login(user)
    category_codes = set(Category.objects.values_list("code", flat=True))
    defects, pages = {}, Counter()  # (language, view, problem) -> first URL showing it
    for language in ("zh-hans", "en"):
        with translation.override(language):
            codes = choice_values()
        for url, response in crawl(client, language):
            pages[language] += 1
            problems = []
            if response.status_code >= 500:
                problems.append(f"status {response.status_code}")
            elif response.status_code == 403:
                problems.append("a link shown to this role leads to a page it may not open (403)")
            elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                page = read_page(response.content.decode())
                problems += [f"raw code {code!r} shown (label {codes[code]!r})"
                             for code in sorted(set(raw_codes(page, codes, language)))]
                problems += [f"category code {code!r} shown" for code in sorted(set(
                    category_codes_shown(page, category_codes)))]
                problems += select_defects(page)
                problems += [f"the same value twice in {text!r}" for text in page.texts if REPEATED.search(text)]
            for problem in problems:
                defects.setdefault((language, view_of(url), problem), url)
    assert pages["zh-hans"] >= 3 and pages["en"] >= 3, pages  # the crawl reached past the home page
    assert not defects, f"{user.username} ({role}):\n" + "\n".join(
        f"[{language}] {url}: {problem}" for (language, _view, problem), url in defects.items())
