"""Order page: waiting on the customer pauses a business application's clocks (issue 3, rules T-1..T-3)."""

import re

import pytest
from django.urls import reverse

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orders.models import ClockPause, SlaClock, WorkOrder

WAIT_LABEL = "等待客户（暂停时限）"
BACK_LABEL = "客户已补齐资料（恢复计时）"


@pytest.fixture
def application(people, province):
    return services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                 customer=province["customers"][0], title="居民新装")


@pytest.fixture
def office(client, people):
    client.force_login(people["station_handler"])
    return client


def _page(client, order):
    response = client.get(reverse("console:order", args=[order.number]))
    assert response.status_code == 200
    return response


def _offered(response):
    return [transition.action for transition, _form in response.context["action_forms"]]


def _post(client, order, action, **fields):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(reverse("console:order_action", args=[order.number, action]), data, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_issue3_wait_then_customer_back_from_the_order_page(office, application, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        page = _page(office, application)
    assert _offered(page) == ["reply_plan", "energise", "wait_customer"]
    text = page.content.decode()
    assert WAIT_LABEL in text and 'name="wait_customer-reason"' in text and 'maxlength="200"' in text
    assert BACK_LABEL not in text and 'id="waiting-on-customer"' not in text

    response = _post(office, application, "wait_customer", version=application.version, reason="缺房产证明")
    assert response.status_code == 200
    assert _messages(response) == [f"已完成：{WAIT_LABEL}"]
    assert set(SlaClock.objects.filter(order=application).values_list("pause_reason", flat=True)) == {"缺房产证明"}
    assert [c.status for c in response.context["clocks"]] == ["paused", "paused"]
    text = response.content.decode()
    assert 'id="waiting-on-customer"' in text
    rows = re.findall(r'<tr class="clock paused".*?</tr>', text, flags=re.S)
    assert len(rows) == 2 and all("暂停</span>：缺房产证明" in row for row in rows)
    assert _offered(response) == ["reply_plan", "energise", "customer_back"]
    assert BACK_LABEL in text

    version = WorkOrder.objects.get(pk=application.pk).version
    assert version == 2
    response = _post(office, application, "customer_back", version=version, note="资料已补齐")
    assert _messages(response) == [f"已完成：{BACK_LABEL}"]
    assert [c.status for c in response.context["clocks"]] == ["running", "running"]
    assert _offered(response) == ["reply_plan", "energise", "wait_customer"]
    assert not ClockPause.objects.filter(clock__order=application, ended_at__isnull=True).exists()
    timeline = response.context["events"]
    assert [e["action"] for e in timeline] == ["order.created", "order.wait_customer", "order.customer_back"]
    assert (timeline[1]["label"], timeline[2]["label"]) == (WAIT_LABEL, BACK_LABEL)
    assert ("原因", "缺房产证明") in [(str(k), v) for k, v in timeline[1]["details"]]
    assert AuditEvent.objects.filter(stream=stream_of(application), action="order.customer_back").count() == 1


def test_issue3_not_offered_to_an_agent_and_refused_if_forged(client, people, application):
    client.force_login(people["agent"])
    page = _page(client, application)
    assert "wait_customer" not in _offered(page) and WAIT_LABEL not in page.content.decode()
    response = _post(client, application, "wait_customer", version=1, reason="缺资料")
    assert response.status_code == 200
    assert _messages(response) == [f"您的角色不能执行“{WAIT_LABEL}”。"]
    assert not SlaClock.objects.filter(order=application, paused_since__isnull=False).exists()


def test_issue3_missing_reason_stale_form_and_waiting_twice_are_messages(office, application):
    response = _post(office, application, "wait_customer", version=1, reason="   ")
    assert response.status_code == 200 and _messages(response)[0].startswith("未执行：")
    assert "等待原因" in _messages(response)[0]
    response = _post(office, application, "wait_customer", version=1, reason="长" * 201)
    assert _messages(response)[0].startswith("未执行：")
    assert not SlaClock.objects.filter(order=application, paused_since__isnull=False).exists()

    _post(office, application, "wait_customer", version=1, reason="缺资料")
    twice = _post(office, application, "wait_customer", version=1, reason="又缺")  # the form read before
    assert _messages(twice) == [f"工单 {application.number} 已在等待客户，请先办理“客户已补齐资料”。"]
    _post(office, application, "customer_back", version=2)
    stale = _post(office, application, "wait_customer", version=2, reason="又缺")  # read before the back
    assert _messages(stale) == [f"工单 {application.number} 已被他人修改，请刷新后重试。"]
    assert ClockPause.objects.filter(clock__order=application).count() == 2  # the first wait's only
    assert WorkOrder.objects.get(pk=application.pk).version == 3


def test_issue3_not_offered_on_other_order_types(office, people, province):
    complaint = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                      customer=province["customers"][0], title="营业员态度差")
    page = _page(office, complaint)
    assert "wait_customer" not in _offered(page)
    response = _post(office, complaint, "wait_customer", version=1, reason="缺资料")
    assert response.status_code == 200
    assert _messages(response) == ["只有业务受理工单可以因客户原因暂停时限。"]
