"""English is complete: with the English locale no console page shows Chinese outside the data.

Every role logs in (the `people` of tests/orders/conftest.py, plus a manager, an auditor and an
administrator), switches to English the way a user does (the language cookie that
/i18n/setlang/ sets), and opens every console page: home, queues, caller look-up and caller page,
the order page of every order type, the intake form of every type, inbox, outbox, circulated report,
crew pages, the severe-weather page, the admin index. The visible text (not <script>/<style>) may
contain Chinese only inside the data the test itself made or the province fixture holds: names,
addresses, units, titles, reasons. The API answers in English to `Accept-Language: en`.
"""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from griddesk.analytics.streets import street_of
from griddesk.api.models import CallOutcomeKind
from griddesk.api.services import api_token_issue, call_outcome_record
from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from griddesk.notify.models import Message
from griddesk.orders import services
from griddesk.orders.models import Category, OrderType, Reminder, WorkOrder
from griddesk.orders.reference_names import SEEDED_CATEGORY_NAMES
from griddesk.orgs.models import Crew, Org, RoleCode, Staff
from griddesk.outages.models import OutageEvent
from griddesk.outages.services import storm_declare
from griddesk.rules.models import Deadline
from griddesk.rules.reference_names import SEEDED_DEADLINE_LABELS
from tests.console.pages import CJK, cjk_lines, read_page

# Free text this module writes into orders, reminders and declarations (customer data).
TEXTS = {
    "repair": "家里停电", "complaint": "营业员态度差", "report": "抄表员收红包", "consultation": "电价咨询",
    "query": "电费查询", "application": "居民新装", "opinion": "营业厅排队太久", "suggestion": "增加缴费网点",
    "praise": "抢修师傅很负责", "paid": "表后线烧坏", "caller": "刘某", "remind": "客户第二次来电催促",
    "supervise": "超时未办结", "wait": "缺房产证明", "contact": "已电话联系客户", "findings": "经核实属实",
    "harassment": "辱骂座席后挂机", "storm": "台风登陆", "outage": "10kV城关线1号开关跳闸", "forward": "请调查",
    "answer": "居民电价每度0.5元", "quote": "更换表后空开", "material": "空开",
}
ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}


@pytest.fixture(autouse=True)
def _chinese_again():
    """A request in English leaves English active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


@pytest.fixture
def world(people, province, make_staff):
    """One order of every type, in states that show most of the order page, and the day's extras."""
    agent, leader, handler = people["agent"], people["leader"], people["handler"]
    customers = province["customers"]
    now = timezone.now()
    outage = OutageEvent.objects.create(
        code="OUT-1", kind="fault", device=province["switch"], org=province["station"], cause=TEXTS["outage"],
        starts_at=now - timedelta(minutes=20), expected_restoration_at=now + timedelta(hours=2), state="active")

    def create(order_type, **kwargs):
        kwargs.setdefault("title", TEXTS[order_type])
        return services.order_create(order_type=order_type, channel="hotline", actor=agent, **kwargs)

    orders = {
        "repair": create("repair", customer=customers[2], fault_side="utility"),
        "complaint": create("complaint", customer=customers[1], category=Category.objects.get(code="A1-ATT")),
        "report": create("report", org=province["station"], identity={"name": TEXTS["caller"],
                                                                        "phone": "13911112222"}),
        "consultation": create("consultation", customer=customers[0]),
        "query": create("query", customer=customers[0]),
        "application": create("application", customer=customers[2]),
        "opinion": create("opinion", customer=customers[1]),
        "suggestion": create("suggestion", customer=customers[1]),
        "praise": create("praise", customer=customers[1]),
        "paid": create("repair", title=TEXTS["paid"], customer=customers[1], fault_side="customer_internal"),
    }
    complaint = orders["complaint"]
    services.order_forward(order=complaint, actor=leader, department=people["marketing"], note=TEXTS["forward"])
    complaint.refresh_from_db()
    services.order_contact(order=complaint, actor=handler, note=TEXTS["contact"])
    complaint.refresh_from_db()
    services.order_findings(order=complaint, actor=handler, findings=TEXTS["findings"], cause="attitude")
    services.order_answer(order=orders["consultation"], actor=agent, answer=TEXTS["answer"])
    services.order_wait_customer(order=orders["application"], actor=people["station_handler"], reason=TEXTS["wait"])
    line = {"item": TEXTS["quote"], "material": TEXTS["material"], "quantity": 1, "unit_price": 80}
    services.order_quote(order=orders["paid"], actor=people["lineman"], lines=[line])
    services.reminder_send(order=orders["repair"], kind="remind", actor=leader, reason=TEXTS["remind"])
    services.reminder_send(order=complaint, kind="supervise", actor=people["supervisor"], reason=TEXTS["supervise"])
    call_outcome_record(outcome=CallOutcomeKind.HARASSMENT, caller_phone="13912345678", note=TEXTS["harassment"],
                        actor=agent)
    storm_declare(org=province["county"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=5),
                  reason=TEXTS["storm"], actor=people["dispatcher"])
    extra = {
        "manager": make_staff("manager", province["root"], RoleCode.MANAGER),
        "auditor": make_staff("auditor", province["root"], RoleCode.AUDITOR),
        "admin": make_staff("admin", province["root"], RoleCode.ADMINISTRATOR),
    }
    Staff.objects.filter(pk=extra["admin"].pk).update(is_staff=True, is_superuser=True)
    return {"orders": orders, "outage": outage, "people": {**people, **extra}}


def known_values():
    """Data, not interface: what the fixtures and this module stored (names, addresses, units, texts),
    and the SMS texts as they were sent (the outbox is their record; console messages are rendered
    in the reader's language, notify.phrases)."""
    values = set(TEXTS.values())
    values |= {v for m in Message.objects.exclude(channel="console") for v in (m.subject, m.body)}
    values |= set(Reminder.objects.filter(clock_key="").values_list("reason", flat=True))  # typed by staff
    values |= {v for c in Customer.objects.all() for v in (c.name, c.address, street_of(c.address))}
    values |= set(Org.objects.values_list("name", flat=True)) | set(Crew.objects.values_list("name", flat=True))
    values |= set(Device.objects.values_list("name", flat=True))
    values |= set(WorkOrder.objects.values_list("title", flat=True))
    return values


def english_client(user):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pages_for(world):
    orders = world["orders"]
    urls = ["/console/", "/console/queues/", "/console/queues/?state=&sort=due_at", "/console/caller/",
            "/console/caller/?q=1380000", "/console/caller/1000000001/", "/console/caller/1000000003/",
            "/console/inbox/", "/console/inbox/outbox/", "/console/inbox/circular/", "/console/queues/storm/",
            "/console/crew/", "/admin/"]
    urls += [f"/console/orders/{order.number}/" for order in orders.values()]
    urls += [f"/console/crew/{orders[key].number}/" for key in ("repair", "paid")]
    urls += [f"/console/orders/new/?type={t}" for t in OrderType.values]
    urls += ["/console/orders/new/?type=repair&customer=1000000002"]
    urls += ["/console/analytics/", "/console/analytics/hotline/", "/console/analytics/complaints/",
             "/console/analytics/rectifications/", "/console/analytics/report/",
             "/console/analytics/orders/?type=complaint"]
    return urls


ROLES = ["agent", "leader", "dispatcher", "lineman", "handler", "station_handler", "supervisor",
         "county_supervisor", "visitor", "office", "manager", "auditor", "admin"]


@pytest.mark.parametrize("who", ROLES)
def test_every_console_page_is_english_for_every_role(world, who):
    client = english_client(world["people"][who])
    known = known_values()
    shown, chinese = 0, {}
    for url in pages_for(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code in (301, 302):
            continue
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        html = response.content.decode()
        assert '<html lang="en"' in html, url  # the language switch took
        left = cjk_lines(read_page(html), known)
        if left:
            chinese[url] = left
        shown += response.status_code == 200
    assert shown >= 5, shown  # every role reaches real pages, not only refusals
    assert not chinese, f"{who}: Chinese left on English pages:\n" + json.dumps(chinese, ensure_ascii=False,
                                                                                  indent=1)


@pytest.mark.parametrize("url", ["/", "/console/login/", "/console/no-such-page/"])
def test_public_pages_are_english(client, province, url):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code in (200, 404)
    page = read_page(response.content.decode())
    assert page.texts and not cjk_lines(page), cjk_lines(page)


def test_the_language_cookie_is_what_the_language_form_sets(client, people):
    client.force_login(people["agent"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/console/").content.decode()
    assert '<html lang="en">' in html and "Caller look-up" in html


def test_chinese_stays_the_default(client, people):
    client.force_login(people["agent"])
    page = read_page(client.get("/console/").content.decode())
    assert CJK.search(page.text) and "工作台" in page.text


def test_the_api_answers_in_english(people, province):
    api = Client()
    _token, plaintext = api_token_issue(user=people["agent"], name="tests", actor=None)
    english = {"Accept-Language": "en"}
    anonymous = api.get("/api/v1/orders/GD00000000000000", headers=english)
    assert anonymous.status_code == 401
    assert "Missing or invalid access token" in anonymous.json()["message"]
    headers = {**english, "Authorization": f"Bearer {plaintext}"}
    missing = api.get("/api/v1/orders/GD00000000000000", headers=headers)
    assert missing.status_code == 404 and not CJK.search(missing.content.decode()), missing.content
    bad = api.post("/api/v1/orders", data=json.dumps({"order_type": "repair", "channel": "pigeon"}),
                   content_type="application/json", headers=headers)
    assert bad.status_code == 422 or bad.status_code == 400, bad.content
    body = bad.content.decode()
    assert not CJK.search(body), body
    assert "must be one of" in body or "Invalid request parameter" in body, body
    chinese = api.get("/api/v1/orders/GD00000000000000", headers={"Authorization": f"Bearer {plaintext}"})
    assert CJK.search(chinese.json()["message"])  # without the header the API stays Chinese


def test_seeded_categories_and_deadline_labels_are_in_the_catalogue(db):
    """Categories and deadline labels are data seeded in Chinese: each seeded one is listed for
    translation (orders/rules reference_names) and has an English name."""
    categories = set(Category.objects.values_list("name", flat=True))
    labels = set(Deadline.objects.values_list("label", flat=True))
    assert len(categories) >= 25 and len(labels) >= 20
    assert categories <= set(SEEDED_CATEGORY_NAMES), categories - set(SEEDED_CATEGORY_NAMES)
    assert labels <= set(SEEDED_DEADLINE_LABELS), labels - set(SEEDED_DEADLINE_LABELS)
    with translation.override("en"):
        untranslated = [text for text in categories | labels if CJK.search(gettext(text))]
        assert not untranslated, untranslated
        assert str(Category.objects.get(code="F-HV-TX")) == "High-voltage fault / Distribution transformer fault"
    with translation.override("zh-hans"):
        assert str(Category.objects.get(code="F-HV-TX")) == "高压故障 / 配变故障"
