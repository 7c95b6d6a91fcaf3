"""One-time codes of the public site (portal.codes): hashed, short-lived, few attempts, used once,
rate-limited; rules C-2 and B-1."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.notify.models import Message
from griddesk.orders import services
from griddesk.portal import codes
from griddesk.portal.models import AccessCode, CodePurpose
from tests.portal.helpers import last_code

PROGRESS = CodePurpose.PROGRESS


@pytest.fixture
def order(people, province):
    return services.order_create(order_type="complaint", channel="website", actor=people["agent"],
                                 customer=province["customers"][0], title="抄表员态度差")


def test_rule_C2_code_is_sent_by_sms_to_the_orders_phone_and_stored_hashed(order):
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    message = Message.objects.get(channel="sms", address="13800000001")
    code = last_code("13800000001")
    assert len(code) == 6 and code.isdigit()
    assert message.order_id == order.pk and order.number in message.body
    row = AccessCode.objects.get(purpose=PROGRESS, subject=order.number)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash == codes.code_hash(PROGRESS, order.number, code)
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_rule_C2_right_code_works_once_replay_refused(order):
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    code = last_code("13800000001")
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=code, ip="10.0.0.1") is True
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=code, ip="10.0.0.1") is False


def test_rule_C2_code_expires(order, settings):
    settings.GRIDDESK_PORTAL_CODE_MINUTES = 10
    sent = timezone.now() - timedelta(minutes=11)
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1", now=sent)
    code = last_code("13800000001")
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=code, ip="10.0.0.1") is False
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=code, ip="10.0.0.1",
                            now=sent + timedelta(minutes=9)) is True


def test_rule_C2_wrong_entries_end_the_code_after_the_limit(order, settings):
    settings.GRIDDESK_PORTAL_CODE_ATTEMPTS = 3
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    code = last_code("13800000001")
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _attempt in range(3):
        assert codes.code_check(purpose=PROGRESS, subject=order.number, code=wrong, ip="10.0.0.1") is False
    assert AccessCode.objects.get(subject=order.number).attempts == 3
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=code, ip="10.0.0.1") is False


def test_rule_C2_asking_again_replaces_the_previous_code(order):
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    first = last_code("13800000001")
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    second = last_code("13800000001")
    if first != second:
        assert codes.code_check(purpose=PROGRESS, subject=order.number, code=first, ip="10.0.0.1") is False
    assert codes.code_check(purpose=PROGRESS, subject=order.number, code=second, ip="10.0.0.1") is True


def test_rule_C2_unknown_number_records_a_code_and_sends_nothing(db):
    codes.code_request(purpose=PROGRESS, subject="GD20990101000001", ip="10.0.0.1")
    assert AccessCode.objects.filter(subject="GD20990101000001").count() == 1
    assert Message.objects.count() == 0


def test_rule_C2_rate_limits_per_address_and_per_number(order, settings):
    settings.GRIDDESK_PORTAL_CODES_PER_IP_HOUR = 2
    settings.GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR = 100
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.1")
    codes.code_request(purpose=PROGRESS, subject="X1", ip="10.0.0.1")
    with pytest.raises(codes.CodeRefused):
        codes.code_request(purpose=PROGRESS, subject="X2", ip="10.0.0.1")
    settings.GRIDDESK_PORTAL_CODES_PER_IP_HOUR = 100
    settings.GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR = 2
    codes.code_request(purpose=PROGRESS, subject="X3", ip="10.0.0.2")
    codes.code_request(purpose=PROGRESS, subject="X3", ip="10.0.0.3")
    with pytest.raises(codes.CodeRefused):
        codes.code_request(purpose=PROGRESS, subject="X3", ip="10.0.0.4")  # another address, same number
    assert Message.objects.count() == 1


def test_rule_C2_checks_are_rate_limited_per_address(order, settings):
    settings.GRIDDESK_PORTAL_CHECKS_PER_IP_HOUR = 2
    for _attempt in range(2):
        codes.code_check(purpose=PROGRESS, subject=order.number, code="000000", ip="10.0.0.9")
    with pytest.raises(codes.CodeRefused):
        codes.code_check(purpose=PROGRESS, subject=order.number, code="000000", ip="10.0.0.9")


def test_rule_K7_a_reports_code_goes_to_the_sealed_phone_without_the_order(people, province):
    report = services.order_create(order_type="report", channel="website", actor=people["agent"],
                                   caller_name="赵举报", caller_phone="13900000009", title="抄表员收红包")
    assert report.caller_phone == ""  # sealed (K-7)
    codes.code_request(purpose=PROGRESS, subject=report.number, ip="10.0.0.1")
    message = Message.objects.get(channel="sms")
    assert message.address == "13900000009"
    assert message.order_id is None and report.number not in message.body and report.number not in message.subject
    assert codes.code_check(purpose=PROGRESS, subject=report.number, code=last_code("13900000009"), ip="10.0.0.1")


def test_answer_no_sooner_holds_the_answer_to_the_floor(settings):
    settings.GRIDDESK_PORTAL_CODE_MIN_SECONDS = 0.4
    slept = []
    codes.answer_no_sooner(__import__("time").monotonic(), sleep=slept.append)
    assert len(slept) == 1 and 0.3 < slept[0] <= 0.4


def test_session_grant_opens_one_subject_only():
    session = {}
    codes.grant(session, PROGRESS, " GD1 ")
    assert codes.granted(session, PROGRESS, "GD1")
    assert not codes.granted(session, PROGRESS, "GD2")
    assert not codes.granted(session, CodePurpose.BILLS, "GD1")


def test_rule_C2_ended_codes_are_deleted_a_day_after_they_end(order):
    """The table keeps a day of requests (to look into abuse), not every number ever asked about."""
    now = timezone.now()
    codes.code_request(purpose=PROGRESS, subject="20260101000001", ip="10.0.0.2", now=now - timedelta(hours=26))
    codes.code_request(purpose=PROGRESS, subject="20260101000002", ip="10.0.0.2", now=now - timedelta(hours=3))
    assert AccessCode.objects.count() == 2
    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.0.0.3", now=now)
    assert sorted(AccessCode.objects.values_list("subject", flat=True)) == sorted(["20260101000002", order.number])


def test_rate_limit_keys_carry_no_address_or_number(order):
    """One counter for every limit of the public site (griddesk.abuse.services.attempt_counted), in
    the database (every server process counts alike): its keys hold a hash, never the address or the
    number asked about."""
    from griddesk.abuse.models import Mark

    codes.code_request(purpose=PROGRESS, subject=order.number, ip="10.9.8.7")
    codes.code_check(purpose=PROGRESS, subject=order.number, code="000000", ip="10.9.8.7")
    keys = list(Mark.objects.values_list("key", flat=True))
    assert len(keys) == 3  # codes asked per address and per number, codes checked per address
    assert all("10.9.8.7" not in key and order.number not in key for key in keys)
