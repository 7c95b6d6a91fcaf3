"""Crew pages (抢修班组移动端): steps in order, refusals with messages, stale versions (rules R-1, R-2, P-3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders import services
from griddesk.orders.models import OrderState, PaidService, SlaClock, WorkOrder

LIST = "/console/crew/"


def act(client, order, action, **data):
    order = WorkOrder.objects.get(pk=order.pk)
    payload = {"action": action, "version": order.version, **data}
    response = client.post(f"/console/crew/{order.number}/act/", payload, follow=True)
    assert response.status_code == 200
    return response, [str(m) for m in response.context["messages"]]


@pytest.fixture
def lineman(client, people):
    client.force_login(people["lineman"])
    return client


def test_crew_list_shows_address_fault_and_R2_countdown(lineman, repair):
    order = repair()
    body = lineman.get(LIST).content.decode()
    assert f'href="/console/crew/{order.number}/"' in body
    assert "临河县城关镇幸福路1号" in body and "整栋楼停电，闻到焦糊味" in body
    assert "R-2 城区45分钟到达现场" in body and "剩余 4" in body


def test_crew_list_only_has_the_users_crews(client, people, province, repair, make_staff):
    order = repair()
    stranger = make_staff("stranger", province["other_city"], "repair_crew")
    client.force_login(stranger)
    body = client.get(LIST).content.decode()
    assert order.number not in body and "您不属于任何抢修班组" in body


def test_rule_R2_steps_in_order_end_resolved_with_the_clock_met(lineman, repair):
    order = repair()
    page = lineman.get(f"/console/crew/{order.number}/").content.decode()
    assert 'id="step-crew_accept"' in page and 'id="step-arrive"' in page and 'id="step-restore"' not in page
    for action, extra, state in [
        ("crew_accept", {}, OrderState.CREW_ACCEPTED),
        ("arrive", {}, OrderState.ON_SITE),
        ("survey", {"note": "低压线被树枝刮断"}, OrderState.SURVEYED),
        ("repair", {}, OrderState.REPAIRED),
        ("restore", {}, OrderState.RESOLVED),
    ]:
        _response, messages = act(lineman, order, action, **extra)
        assert messages[0].startswith("已记录“"), messages
        assert WorkOrder.objects.get(pk=order.pk).state == state
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    assert clock.stopped_at is not None and clock.met is True


def test_arrival_time_entered_by_the_crew_is_recorded(lineman, repair):
    order = repair()
    WorkOrder.objects.filter(pk=order.pk).update(accepted_at=timezone.now() - timedelta(hours=2),
                                                 updated_at=timezone.now() - timedelta(hours=2))
    arrived = timezone.localtime(timezone.now() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    _r, messages = act(lineman, order, "arrive", at=arrived.strftime("%Y-%m-%dT%H:%M"))
    assert messages == [f"已记录“到达”：{arrived:%H:%M}"]
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    assert clock.stopped_at == arrived


def test_time_before_the_previous_step_or_in_the_future_is_refused(lineman, repair):
    order = repair()
    before = timezone.localtime(order.accepted_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    _r, messages = act(lineman, order, "arrive", at=before)
    assert messages[0].startswith("时间不能早于上一环节")
    future = timezone.localtime(timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    _r, messages = act(lineman, order, "arrive", at=future)
    assert messages == ["时间不能晚于当前时间。"]
    _r, messages = act(lineman, order, "arrive", at="yesterday")
    assert messages == ["时间格式不正确：yesterday"]
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.DISPATCHED


def test_invalid_step_is_refused_with_a_message(lineman, repair):
    order = repair()
    _r, messages = act(lineman, order, "restore")
    assert messages == [f"工单 {order.number} 当前状态为“已派工”，不能执行“恢复送电”。"
                        "可执行：班组接单、到达现场、要求回访、转值长"]
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.DISPATCHED


def test_survey_without_a_report_is_refused(lineman, repair):
    order = repair()
    act(lineman, order, "arrive")
    _r, messages = act(lineman, order, "survey", note="  ")
    assert messages == ["请填写勘查情况。"]
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.ON_SITE


def test_stale_version_gets_the_concurrency_message(lineman, repair):
    order = repair()
    stale = WorkOrder.objects.get(pk=order.pk).version
    act(lineman, order, "crew_accept")  # another phone got there first
    response = lineman.post(f"/console/crew/{order.number}/act/",
                            {"action": "arrive", "version": stale}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"工单 {order.number} 已被他人修改，请刷新后重试。"]
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.CREW_ACCEPTED


def test_missing_version_is_refused(lineman, repair):
    order = repair()
    response = lineman.post(f"/console/crew/{order.number}/act/", {"action": "arrive"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["页面缺少版本号，请刷新后重试。"]


def test_order_of_another_crew_is_404(client, people, province, repair, make_staff):
    order = repair()
    stranger = make_staff("stranger", province["other_city"], "repair_crew")
    client.force_login(stranger)
    assert client.get(f"/console/crew/{order.number}/").status_code == 404
    assert client.post(f"/console/crew/{order.number}/act/", {"action": "arrive", "version": 2}).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.DISPATCHED


def test_non_repair_order_is_404_on_crew_pages(lineman, people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    assert lineman.get(f"/console/crew/{order.number}/").status_code == 404


def test_rule_P3_paid_work_quote_consent_then_invoice(lineman, people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="customer_internal",
                                  title="户内开关跳闸")
    assert order.number in lineman.get(LIST).content.decode()  # awaiting a quote in the crew's area
    _r, messages = act(lineman, order, "quote", item_0="更换漏电开关", material_0="DZ47LE", quantity_0="1",
                       unit_price_0="85", item_1="人工", quantity_1="2", unit_price_1="30.5")
    assert messages == ["报价已保存（规则 P-3），请客户确认。"]
    assert PaidService.objects.get(order=order).total == 146
    _r, messages = act(lineman, order, "consent", consent_by="", method="现场签字")
    assert messages == ["请填写确认人。"]
    _r, messages = act(lineman, order, "consent", consent_by="张伟", method="现场签字")
    assert messages == ["已记录客户确认（规则 P-3），可以派工施工。"]
    paid = PaidService.objects.get(order=order)
    assert (paid.consent_by, paid.consent_method) == ("张伟", "现场签字") and paid.consent_at
    order = services.order_dispatch(order=WorkOrder.objects.get(pk=order.pk), actor=people["dispatcher"])
    for action, extra in [("arrive", {}), ("repair", {}), ("restore", {})]:
        act(lineman, order, action, **extra)
    page = lineman.get(f"/console/crew/{order.number}/").content.decode()
    assert 'id="pay-form"' in page and 'id="invoice-form"' not in page  # rule P-3: paid first
    _r, messages = act(lineman, order, "pay", method="cash", reference="")
    assert messages == ["已登记收费（规则 P-3），请开具发票。"]
    page = lineman.get(f"/console/crew/{order.number}/").content.decode()
    assert 'id="invoice-form"' in page and 'id="pay-form"' not in page
    _r, messages = act(lineman, order, "invoice", invoice_no="No.00012345")
    assert messages == ["发票号已记录。"]
    assert PaidService.objects.get(order=order).invoice_no == "No.00012345"


def test_quote_with_a_bad_line_changes_nothing(lineman, people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="customer_internal")
    _r, messages = act(lineman, order, "quote", item_0="更换开关", quantity_0="一个", unit_price_0="85")
    assert messages == ["第 1 行的数量或单价不是数字。"]
    assert not PaidService.objects.filter(order=order).exists()
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.ACCEPTED


def test_crew_page_query_count_is_bounded(lineman, province, repair, django_assert_max_num_queries):
    for customer in province["customers"]:  # three customers: three open repairs for crew C1
        repair(customer=customer)
    lineman.get(LIST)
    with django_assert_max_num_queries(12):
        response = lineman.get(LIST)
    assert len(response.context["rows"]) == 3
