"""The return visit's one-tap satisfaction link (客户回访), rule C-12: sent by SMS when an order comes to
its visit, signed, valid for a limited time, one answer per order, recorded as the order's visit."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from griddesk.audit.selectors import events_of
from griddesk.notify.models import Message
from griddesk.orders import services, visits
from griddesk.orders.models import OrderState

LINK = re.compile(r"https?://[^/\s]+(/satisfaction/[^/\s]+/)")


@pytest.fixture
def replied(people, province):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="营业员态度差")
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    order = services.order_findings(order=order, actor=people["handler"], findings="属实", cause="attitude")
    return services.order_reply(order=order, actor=people["handler"], reply="已致歉并整改")


def link_of(order):
    message = Message.objects.get(order=order, dedupe_key=f"visit-link:{order.pk}")
    return message, LINK.search(message.body).group(1)


def test_rule_C12_a_replied_complaint_sends_the_link_by_sms_once(replied):
    message, path = link_of(replied)
    assert message.body.count("http://127.0.0.1:8000/satisfaction/") == 1 and path.startswith("/satisfaction/")
    assert message.channel == "sms" and message.address == "13800000001"
    assert replied.number in message.body and "7 天内有效" in message.body
    assert [e.action for e in events_of(replied)][-1] == "order.visit_invited"
    visits.visit_invite(replied)  # a retry: the same key, one message
    assert Message.objects.filter(order=replied, dedupe_key__startswith="visit-link:").count() == 1


def test_rule_C12_a_resolved_repair_drawn_for_a_visit_gets_the_link(people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="家里停电")
    order = services.order_request_visit(order=order, actor=people["agent"], reason="客户要求回访")
    for step in ("crew_accept", "arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    assert order.state == OrderState.RESOLVED
    link_of(order)
    plain = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][1], title="家里停电")
    for step in ("crew_accept", "arrive", "repair", "restore"):
        plain = services.order_crew_step(order=plain, actor=people["lineman"], step=step)
    assert not Message.objects.filter(order=plain, dedupe_key__startswith="visit-link:").exists()  # not drawn


def test_rule_C12_answer_through_the_link_is_the_orders_visit(client, replied):
    _message, path = link_of(replied)
    page = client.get(path)
    assert page.status_code == 200 and "非常满意" in page.content.decode() and "现场未修复" in page.content.decode()
    response = client.post(path, {"satisfaction": "dissatisfied", "reasons": ["attitude", "repair_speed"],
                                  "note": "等了很久"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    replied.refresh_from_db()
    assert (replied.state, replied.satisfaction) == (OrderState.VISITED, "dissatisfied")
    event = list(events_of(replied))[-1]
    assert event.action == "order.visit" and event.actor_id is None
    assert event.payload["reasons"] == ["attitude", "repair_speed"] and event.payload["visit_channel"] == "link"
    assert event.payload["note"] == "等了很久"


def test_rule_C12_second_answer_refused(client, replied):
    _message, path = link_of(replied)
    client.post(path, {"satisfaction": "satisfied"})
    again = client.post(path, {"satisfaction": "dissatisfied"})
    assert again.status_code == 400 and "已评价过" in again.content.decode()
    replied.refresh_from_db()
    assert replied.satisfaction == "satisfied"
    assert [e.action for e in events_of(replied)].count("order.visit") == 1


def test_rule_C12_an_agents_visit_first_closes_the_link(client, replied, people):
    _message, path = link_of(replied)
    services.order_visit(order=replied, actor=people["visitor"], satisfaction="neutral")
    response = client.get(path)
    assert response.status_code == 400 and "已评价过" in response.content.decode()


def test_rule_C12_tampered_link_refused(client, replied):
    _message, path = link_of(replied)
    token = path.split("/")[2]
    forged = signing.dumps({"o": replied.pk}, salt="another salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        response = client.post(f"/satisfaction/{bad}/", {"satisfaction": "very_satisfied"})
        assert response.status_code == 400 and "评价链接无效" in response.content.decode()
    replied.refresh_from_db()
    assert replied.state == OrderState.REPLIED


def test_rule_C12_expired_link_refused(client, replied, settings, monkeypatch):
    settings.GRIDDESK_SATISFACTION_LINK_DAYS = 7
    _message, path = link_of(replied)
    later = timezone.now() + timedelta(days=7, minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    response = client.post(path, {"satisfaction": "satisfied"})
    assert response.status_code == 400 and "已过期" in response.content.decode()
    replied.refresh_from_db()
    assert replied.state == OrderState.REPLIED


def test_rule_C12_the_form_refuses_an_answer_it_does_not_offer(client, replied):
    _message, path = link_of(replied)
    response = client.post(path, {"satisfaction": "unreachable"})
    assert response.status_code == 400
    replied.refresh_from_db()
    assert replied.state == OrderState.REPLIED


def test_rule_K7_a_report_gets_no_link(people, province):
    report = services.order_create(order_type="report", channel="hotline", actor=people["agent"],
                                   caller_name="赵举报", caller_phone="13900000009", title="收红包")
    assert visits.visit_invite(report) is None
    assert not Message.objects.filter(address="13900000009").exists()


def test_the_link_path_is_the_portals_satisfaction_url():
    from django.urls import reverse

    assert visits.LINK_PATH.format(token="abc:def") == reverse("portal:satisfaction", args=["abc:def"])
