"""Canned replies (标准话术): seeded from the service code, editable in the admin (validated, audited),
offered on the order page's free-text forms with the placeholders filled from the order and the agent."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.kb.models import CannedReply, ReplyKind
from griddesk.kb.services import replies_filled, reply_fill, reply_values
from griddesk.orders import services
from griddesk.orgs.models import Staff
from griddesk.outages.models import OutageEvent

pytestmark = pytest.mark.django_db


def greeting():
    return CannedReply.objects.get(kind=ReplyKind.GREETING)


@pytest.fixture
def outage(province):
    now = timezone.now()
    return OutageEvent.objects.create(
        code="OUT-1", kind="fault", device=province["switch"], org=province["station"],
        cause="10kV城关线1号开关跳闸", starts_at=now - timedelta(minutes=20),
        expected_restoration_at=now + timedelta(hours=2), state="active")


def repair(people, province):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="家里停电", fault_side="utility")


def test_the_service_codes_phrases_are_seeded():
    kinds = set(CannedReply.objects.filter(active=True).values_list("kind", flat=True))
    assert {"greeting", "apology_wait", "outage", "storm", "callback", "paid_service", "wrong_number",
            "closing"} <= kinds
    assert greeting().rule == "C-4"


def test_rule_C4_greeting_greets_then_names_the_unit_and_the_agent_number(people, province):
    agent = people["agent"]  # agent_no 95598001, of the province company
    text = reply_fill(greeting().text, reply_values(user=agent))
    assert text == "您好，测试省电力公司，95598001号为您服务，请问有什么可以帮您？"
    assert text.index("您好") < text.index(province["root"].name) < text.index("95598001")


def test_rule_C4_apology_beyond_four_rings_also_names_unit_and_number(people):
    reply = CannedReply.objects.get(kind=ReplyKind.APOLOGY_WAIT)
    text = reply_fill(reply.text, reply_values(user=people["agent"]))
    assert text.startswith("您好，很抱歉让您久等了") and "测试省电力公司，95598001号" in text


def test_rule_C4_a_department_agent_names_the_unit_the_department_belongs_to(people, make_staff):
    agent = make_staff("dept_agent", people["marketing"], "agent", agent_no="1207")
    text = reply_fill(greeting().text, reply_values(user=agent))
    assert "临河县供电公司，1207号为您服务" in text


def test_rule_C9_outage_phrase_is_filled_with_the_cause_and_the_expected_restoration(people, province, outage):
    order = repair(people, province)
    assert order.outage_id == outage.pk  # the call joined the active outage on its path
    reply = CannedReply.objects.get(kind=ReplyKind.OUTAGE)
    text = reply_fill(reply.text, reply_values(user=people["agent"], order=order))
    back = timezone.localtime(outage.expected_restoration_at)
    assert "由于10kV城关线1号开关跳闸造成的" in text
    assert f"预计{back.month}月{back.day}日{back:%H:%M}恢复供电" in text
    assert "{" not in text and "【" not in text


def test_a_value_that_is_not_known_is_left_marked_for_the_agent(people, province):
    order = repair(people, province)  # no outage
    reply = CannedReply.objects.get(kind=ReplyKind.OUTAGE)
    text = reply_fill(reply.text, reply_values(user=people["agent"], order=order))
    assert "由于【停电原因】造成的" in text and "预计【预计恢复】恢复供电" in text
    assert reply_fill("{工号}", reply_values(user=people["handler"])) == "【工号】"  # no agent number


def test_order_number_placeholder(people, province):
    order = repair(people, province)
    reply = CannedReply.objects.get(kind=ReplyKind.CALLBACK)
    assert f"您的工单编号是{order.number}。" in reply_fill(reply.text, reply_values(user=people["agent"], order=order))


def test_inactive_phrases_are_not_offered(people):
    CannedReply.objects.filter(kind=ReplyKind.CLOSING).update(active=False)
    assert ReplyKind.CLOSING not in {r.kind for r in replies_filled(user=people["agent"])}


def _pickers(page):
    return re.findall(r'<select id="replies-([^"]+)" data-reply-target="([^"]+)">', page)


def test_order_page_offers_the_filled_phrases_on_each_free_text_field(client, people, province, outage):
    order = repair(people, province)
    client.force_login(people["agent"])  # 转值长 (C-11) carries a note
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    pickers = _pickers(page)
    assert "id_transfer_to_leader-note" in [target for _select, target in pickers]
    for select, target in pickers:
        assert select == target and f'id="{target}"' in page and "<textarea" in page
    text = html.unescape(page)
    assert "由于10kV城关线1号开关跳闸造成的" in text  # the outage phrase, filled for this order
    assert "您好，测试省电力公司，95598001号为您服务" in text  # the greeting, with this agent's number
    assert 'data-reply-insert="replies-id_transfer_to_leader-note"' in page


def test_admin_edit_is_validated_audited_and_reflected_on_the_order_page(client, people, province):
    root = Staff.objects.create_superuser("root", "root@example.com", "pw-root")
    client.force_login(root)
    reply = greeting()
    url = reverse("admin:kb_cannedreply_change", args=[reply.pk])
    form = {"title": reply.title, "kind": reply.kind, "rule": "C-4", "position": 10, "active": "on"}
    response = client.post(url, {**form, "text": "您好，{客户姓名}"})
    assert response.status_code == 200 and "未知的占位符：{客户姓名}" in response.content.decode()
    reply.refresh_from_db()
    assert "客户姓名" not in reply.text  # nothing changed
    response = client.post(url, {**form, "text": "您好！{单位}{工号}号座席很高兴为您服务。"})
    assert response.status_code == 302
    saved = AuditEvent.objects.filter(stream=stream_of(reply)).get()
    assert saved.action == "kb.reply_saved" and saved.actor == root
    assert saved.payload["text"] == "您好！{单位}{工号}号座席很高兴为您服务。"
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="电价咨询")
    client.force_login(people["agent"])
    page = html.unescape(client.get(reverse("console:order", args=[order.number])).content.decode())
    assert "您好！测试省电力公司95598001号座席很高兴为您服务。" in page


def test_admin_cannot_delete_a_phrase(client):
    root = Staff.objects.create_superuser("root", "root@example.com", "pw-root")
    client.force_login(root)
    response = client.post(reverse("admin:kb_cannedreply_delete", args=[greeting().pk]), {"post": "yes"})
    assert response.status_code == 403 and CannedReply.objects.filter(pk=greeting().pk).exists()


def test_the_new_order_form_offers_the_phrases_for_the_details(client, people):
    client.force_login(people["agent"])
    page = html.unescape(client.get(reverse("console:order_new")).content.decode())
    assert 'data-reply-target="id_description"' in page
    assert "您好，测试省电力公司，95598001号为您服务" in page
    assert "您的工单编号是【工单编号】" in page  # no order yet: left for the agent

