"""Queue pages: role-based queue choice, filters, htmx table, bulk assign and remind (issue 4, "Queues")."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orders.bulk import order_assign, orders_remind_bulk
from griddesk.orders.models import OrderState, Reminder, WorkOrder
from griddesk.orders.services import ConcurrentUpdate

URL = "/console/queues/"


def login(client, user):
    client.force_login(user)
    return client


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("who, title", [
    ("agent", "我的工单"),
    ("handler", "待处理"),
    ("leader", "值长队列"),
    ("supervisor", "全单位工单（督办）"),
    ("dispatcher", "抢修工单"),
    ("visitor", "本单位工单"),
])
def test_each_role_opens_its_queue(client, people, who, title):
    response = login(client, people[who]).get(URL)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_crew_member_is_sent_to_the_crew_page(client, people):
    response = login(client, people["lineman"]).get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/console/crew/"


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_agent_queue_lists_own_open_orders_with_masked_customer_and_sla(client, people, repair):
    order = repair()
    body = login(client, people["agent"]).get(URL).content.decode()
    assert f'href="/console/orders/{order.number}/"' in body
    assert "张*" in body and "张伟" not in body  # customer names are masked in lists
    assert "R-2 城区45分钟到达现场" in body
    assert "data-due=" in body and "剩余 4" in body  # 44 or 45 minutes left


def test_breached_clock_is_shown_red(client, people, repair):
    order = repair()
    order.clocks.update(due_at=timezone.now() - timedelta(minutes=3))
    body = login(client, people["dispatcher"]).get(URL).content.decode()
    assert 'class="sla bad"' in body and "超时 " in body


def test_supervisor_defaults_to_overdue_and_unticking_shows_all(client, people, make_order, make_clock):
    late = make_order(order_type="complaint")
    make_clock(late, timezone.now() - timedelta(hours=1))
    fine = make_order(order_type="complaint")
    login(client, people["supervisor"])
    body = client.get(URL).content.decode()
    assert late.number in body and fine.number not in body
    body = client.get(URL, {"f": "1", "scope": "org", "state": "open"}).content.decode()
    assert late.number in body and fine.number in body


def test_htmx_request_gets_only_the_table(client, people, make_order):
    order = make_order(owner=people["agent"])
    response = login(client, people["agent"]).get(URL, {"f": "1", "scope": "mine"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="queue-table"') and "<html" not in body
    assert order.number in body


def test_next_page_link_walks_the_queue(client, people, make_order):
    made = [make_order(owner=people["agent"]).number for _ in range(27)]
    login(client, people["agent"])
    first = client.get(URL, {"f": "1", "scope": "mine", "sort": "accepted_at"})
    link = first.context["next_url"]
    assert link and "cursor=" in link
    second = client.get(link)
    seen = [r.number for r in first.context["rows"]] + [r.number for r in second.context["rows"]]
    assert len(seen) == 27 and sorted(seen) == sorted(made)
    assert second.context["next_url"] is None


def test_bad_filter_is_a_400_with_the_parameter_named(client, people):
    response = login(client, people["agent"]).get(URL, {"f": "1", "sort": "number"})
    assert response.status_code == 400
    assert "sort: 未知的排序方式：number" in response.content.decode()


def test_org_filter_outside_scope_is_refused(client, people):
    response = login(client, people["dispatcher"]).get(URL, {"f": "1", "org": "P02"})
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()


def test_leader_queue_shows_transfers_to_the_shift_leader(client, people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][1], title="电费咨询")
    services.order_transfer_to_leader(order=order, actor=people["agent"], note="客户情绪激动")
    body = login(client, people["leader"]).get(URL).content.decode()
    assert 'id="leader-items"' in body
    assert "坐席转值长：客户情绪激动" in body and order.number in body


def test_rule_K6_shift_leader_closes_a_transfer_and_it_leaves_the_queue(client, people, province):
    from griddesk.orders.models import Reminder

    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][1], title="电费咨询")
    services.order_transfer_to_leader(order=order, actor=people["agent"], note="客户情绪激动")
    reminder = Reminder.objects.get(order=order)
    leader = login(client, people["leader"])
    body = leader.post(f"{URL}reminders/{reminder.pk}/done/", follow=True).content.decode()
    assert f"已办结工单 {order.number} 的催办" in body
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    assert "坐席转值长：客户情绪激动" not in leader.get(URL).content.decode()
    again = leader.post(f"{URL}reminders/{reminder.pk}/done/", follow=True).content.decode()
    assert "该催办/督办已办结" in again


# ---------------------------------------------------------------- bulk actions


def test_bulk_assign_reports_successes_and_failures(client, people, province, make_order):
    leader, handler = people["leader"], people["station_handler"]
    ok1, ok2 = make_order(), make_order()
    archived = make_order(state=OrderState.ARCHIVED)
    response = login(client, leader).post(URL + "bulk/", {
        "action": "assign", "assignee": handler.pk, "next": URL,
        "numbers": [ok1.number, ok2.number, archived.number, "GD-NOPE"],
    })
    assert response.status_code == 302 and response["Location"] == URL
    got = texts(response)
    assert got[0] == f"指派成功 2 张：{ok1.number}、{ok2.number}"
    assert sorted(got[1:]) == sorted([
        "指派失败 GD-NOPE：工单不存在或不在您的管辖范围内。",
        f"指派失败 {archived.number}：工单 {archived.number} 已归档，不能指派。",
    ])
    assert set(WorkOrder.objects.filter(assignee=handler).values_list("number", flat=True)) == {
        ok1.number, ok2.number}
    event = AuditEvent.objects.filter(stream=stream_of(ok1), action="order.assign").get()
    assert event.payload["assignee"] == handler.pk


def test_bulk_assign_out_of_scope_order_fails_without_revealing_it(client, people, province, make_order):
    elsewhere = make_order(org=province["other_city"])
    response = login(client, people["dispatcher"]).post(URL + "bulk/", {
        "action": "assign", "assignee": people["lineman"].pk, "numbers": [elsewhere.number]})
    assert texts(response) == [f"指派失败 {elsewhere.number}：工单不存在或不在您的管辖范围内。"]
    assert WorkOrder.objects.get(pk=elsewhere.pk).assignee is None


def test_bulk_assign_to_someone_outside_scope_is_refused(client, people, province, make_order, make_staff):
    outsider = make_staff("outsider", province["other_city"], "back_office")
    order = make_order()
    response = login(client, people["dispatcher"]).post(URL + "bulk/", {
        "action": "assign", "assignee": outsider.pk, "numbers": [order.number]})
    assert texts(response) == [f"指派失败 {order.number}：处理人 outsider 不在您的管辖范围内。"]


def test_bulk_assign_by_an_agent_is_refused(client, people, make_order):
    order = make_order(owner=people["agent"])
    response = login(client, people["agent"]).post(URL + "bulk/", {
        "action": "assign", "assignee": people["agent"].pk, "numbers": [order.number]})
    assert texts(response) == [f"指派失败 {order.number}：您的角色不能指派处理人。"]


def test_bulk_remind_sends_a_reminder_to_each_owner(client, people, make_order):
    owned = make_order(owner=people["agent"])
    orphan = make_order()
    response = login(client, people["supervisor"]).post(URL + "bulk/", {
        "action": "remind", "reason": "客户多次来电", "numbers": [owned.number, orphan.number]})
    assert texts(response) == [f"催办成功 1 张：{owned.number}",
                               f"催办失败 {orphan.number}：工单没有首问责任人，无法催办。"]
    reminder = Reminder.objects.get(order=owned)
    assert (reminder.kind, reminder.to_user, reminder.from_user, reminder.reason) == (
        "remind", people["agent"], people["supervisor"], "客户多次来电")
    assert not Reminder.objects.filter(order=orphan).exists()


def test_bulk_remind_needs_a_reason_and_ticked_orders(client, people, make_order):
    order = make_order(owner=people["agent"])
    login(client, people["supervisor"])
    for data, expected in [
        ({"action": "remind", "numbers": [order.number]}, "请填写催办原因。"),
        ({"action": "remind", "reason": "x"}, "请先勾选工单。"),
        ({"action": "dance", "numbers": [order.number]}, "请选择批量操作：指派或催办。"),
    ]:
        response = client.post(URL + "bulk/", data, follow=True)
        assert [str(m) for m in response.context["messages"]] == [expected]
    assert not Reminder.objects.exists()


def test_bulk_redirect_never_leaves_the_site(client, people, make_order):
    order = make_order(owner=people["agent"])
    response = login(client, people["supervisor"]).post(URL + "bulk/", {
        "action": "remind", "reason": "x", "numbers": [order.number], "next": "https://evil.example/"})
    assert response["Location"] == URL


def test_order_assign_with_a_stale_version_is_refused(people, make_order):
    order = make_order()
    with pytest.raises(ConcurrentUpdate, match="已被他人修改"):
        order_assign(order=order, assignee=people["station_handler"], actor=people["leader"],
                     expected_version=order.version + 1)
    assert WorkOrder.objects.get(pk=order.pk).assignee is None
    order_assign(order=order, assignee=people["station_handler"], actor=people["leader"],
                 expected_version=order.version)
    assert WorkOrder.objects.get(pk=order.pk).version == 2


def test_orders_remind_bulk_one_failure_does_not_undo_the_others(people, make_order):
    a, b = make_order(owner=people["agent"]), make_order(state=OrderState.ARCHIVED, owner=people["agent"])
    result = orders_remind_bulk(orders=[a, b], actor=people["leader"], reason="请尽快处理")
    assert result.succeeded == [a.number]
    assert result.failed == [(b.number, "工单已归档，无需催办。")]
    assert Reminder.objects.filter(order=a).count() == 1


# ---------------------------------------------------------------- query counts


def test_queue_page_query_count_does_not_grow_with_rows(client, people, make_order, make_clock,
                                                        django_assert_max_num_queries):
    login(client, people["leader"])
    client.get(URL)  # session and first-time look-ups
    for i in range(25):
        order = make_order(order_type="complaint", owner=people["agent"], assignee=people["station_handler"])
        make_clock(order, timezone.now() + timedelta(minutes=i))
    with django_assert_max_num_queries(16):
        response = client.get(URL)
    assert len(response.context["rows"]) == 25


def test_rule_C10_harassment_reports_reach_the_leader_queue_and_can_be_handled(client, people):
    from griddesk.api.models import CallOutcome
    from griddesk.api.services import call_outcome_record

    report = call_outcome_record(outcome="harassment", caller_phone="13900000009", note="辱骂座席",
                                 actor=people["agent"])
    login(client, people["leader"])
    body = client.get(URL).content.decode()
    assert 'id="harassment"' in body and "13900000009" in body and "辱骂座席" in body
    response = client.post(f"{URL}harassment/{report.pk}/handle/", {"note": "已警告并列入黑名单"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已处理骚扰来电记录 13900000009。"]
    report = CallOutcome.objects.get(pk=report.pk)
    assert report.handled_by == people["leader"] and report.handling_note == "已警告并列入黑名单"
    assert "13900000009" not in client.get(URL).content.decode()


def test_harassment_report_outside_scope_is_404(client, people, province, make_staff):
    from griddesk.api.services import call_outcome_record

    far_agent = make_staff("far_agent", province["other_city"], "agent")
    report = call_outcome_record(outcome="harassment", caller_phone="139", note="", actor=far_agent)
    county_leader = make_staff("county_leader", province["county"], "shift_leader")
    login(client, county_leader)
    assert client.post(f"{URL}harassment/{report.pk}/handle/").status_code == 404
