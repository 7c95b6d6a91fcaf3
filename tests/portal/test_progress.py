"""The public progress query (业务进度查询), rule C-2: nothing without the code, the same answer for
existing and unknown numbers, then the steps and the deadlines in public words."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders import services
from griddesk.orders.models import SlaClock
from griddesk.portal import progress
from tests.portal.helpers import last_code

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def complaint(people, province):
    order = services.order_create(order_type="complaint", channel="website", actor=people["agent"],
                                  customer=province["customers"][0], title="抄表员态度差")
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"],
                                   note="请营销部核实")
    return services.order_contact(order=order, actor=people["handler"], note="已电话联系张伟")


def send(client, number):
    started = time.monotonic()
    response = client.post("/progress/", {"step": "send", "number": number})
    return response, time.monotonic() - started


def shown(response, number):
    return CSRF.sub("", response.content.decode()).replace(number, "NUMBER")


def open_progress(client, number, phone):
    send(client, number)
    return client.post("/progress/", {"step": "code", "number": number, "code": last_code(phone)})


def test_rule_C2_send_code_answers_alike_for_existing_and_unknown_numbers(client, complaint, settings):
    settings.GRIDDESK_PORTAL_CODE_MIN_SECONDS = 0.3
    unknown = complaint.number[:-1] + ("9" if complaint.number[-1] != "9" else "8")
    send(client, "GD20000101000000")  # warm up: templates compiled, session started
    known, known_time = send(client, complaint.number)
    other, other_time = send(client, unknown)
    assert known.status_code == other.status_code == 200
    assert shown(known, complaint.number) == shown(other, unknown)
    assert "如果该工单编号存在，验证码已发送到登记的手机号码" in known.content.decode()
    # the same timing class: both held to the floor (the machine running the tests may be busy)
    assert known_time >= 0.3 and other_time >= 0.3
    assert abs(known_time - other_time) < 0.2


def test_rule_C2_wrong_code_answers_alike_for_existing_and_unknown_numbers(client, complaint):
    unknown = "GD20990101999999"
    answers = []
    for number in (complaint.number, unknown):
        send(client, number)
        answers.append(client.post("/progress/", {"step": "code", "number": number, "code": "000000"}))
    assert answers[0].status_code == answers[1].status_code == 200
    assert shown(answers[0], complaint.number) == shown(answers[1], unknown)
    assert "验证码不正确或已失效" in answers[0].content.decode()


def test_rule_C2_progress_page_without_code_reveals_nothing(client, complaint):
    for number in (complaint.number, "GD20990101999999"):
        response = client.get(f"/progress/{number}/")
        assert response.status_code == 302
        assert response["Location"] == f"/progress/?number={number}"


def test_rule_C2_code_opens_that_order_only_for_the_session(client, complaint, people, province):
    other = services.order_create(order_type="complaint", channel="website", actor=people["agent"],
                                  customer=province["customers"][1], title="电费疑问")
    response = open_progress(client, complaint.number, "13800000001")
    assert response.status_code == 302 and response["Location"] == f"/progress/{complaint.number}/"
    assert client.get(f"/progress/{complaint.number}/").status_code == 200
    assert client.get(f"/progress/{other.number}/").status_code == 302
    client.cookies.clear()  # a new browser session
    assert client.get(f"/progress/{complaint.number}/").status_code == 302


def test_rule_C2_progress_shows_steps_with_times_and_no_staff(client, complaint):
    open_progress(client, complaint.number, "13800000001")
    page = client.get(f"/progress/{complaint.number}/").content.decode()
    steps = re.findall(r"<li><time[^>]*>[^<]+</time> ([^<]+)</li>", page)
    assert steps == ["已受理", "已转派", "已联系客户"]
    for secret in ("95598001", "临河县营销部", "请营销部核实", "已电话联系张伟", "agent", "handler", "张伟"):
        assert secret not in page
    assert "投诉处理" in page or "K-3" in page  # the complaint's deadline is listed


def test_rule_C2_deadline_statuses_due_met_overdue_paused(complaint):
    now = timezone.now()
    clock = SlaClock.objects.get(order=complaint)
    assert progress.deadline_status(clock, now) == "due"
    clock.due_at = now - timedelta(minutes=1)
    assert progress.deadline_status(clock, now) == "overdue"
    clock.paused_since = now
    assert progress.deadline_status(clock, now) == "paused"
    clock.stopped_at, clock.met = now, True
    assert progress.deadline_status(clock, now) == "met"
    clock.met = False
    assert progress.deadline_status(clock, now) == "overdue"


def test_rule_C2_progress_page_shows_each_deadline_status(client, complaint, people):
    order = services.order_findings(order=complaint, actor=people["handler"], findings="属实", cause="attitude")
    services.order_reply(order=order, actor=people["handler"], reply="已致歉")  # stops K-3 in time
    open_progress(client, complaint.number, "13800000001")
    page = client.get(f"/progress/{complaint.number}/").content.decode()
    assert page.count('class="deadline met"') == 1
    assert "已按时完成" in page
    SlaClock.objects.filter(order=complaint, stopped_at__isnull=True).update(
        due_at=timezone.now() - timedelta(hours=1))
    page = client.get(f"/progress/{complaint.number}/").content.decode()
    assert "已超时" in page


def test_rule_K7_progress_of_a_report_names_no_reporter(client, people, province):
    report = services.order_create(order_type="report", channel="website", actor=people["agent"],
                                   caller_name="赵举报", caller_phone="13900000009", title="抄表员收红包",
                                   description="举报人赵举报称抄表员收红包")
    open_progress(client, report.number, "13900000009")
    response = client.get(f"/progress/{report.number}/")
    page = response.content.decode()
    assert response.status_code == 200 and "已受理" in page
    for secret in ("赵举报", "13900000009", "收红包", "95598001"):
        assert secret not in page


def test_progress_read_is_three_queries(complaint, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        shown_progress = progress.progress_of(complaint.number)
        assert len(shown_progress.steps) == 3 and len(shown_progress.deadlines) == 1


def test_send_code_refuses_an_empty_number_by_name(client, db):
    response = client.post("/progress/", {"step": "send", "number": "  "})
    assert response.status_code == 200
    assert "请输入工单编号" in response.content.decode()


def test_send_code_over_the_limit_says_so(client, complaint, settings):
    settings.GRIDDESK_PORTAL_CODES_PER_IP_HOUR = 1
    send(client, complaint.number)
    response, _elapsed = send(client, "GD20990101999999")
    assert response.status_code == 429
    assert "过于频繁" in response.content.decode()
