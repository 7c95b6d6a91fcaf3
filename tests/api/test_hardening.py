"""API hardening (issue 8, item 10): oversized bodies, received_at bounds (K-2), strict booleans and
integers, +08:00 offsets on every datetime the API emits."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from griddesk.api.models import ApiToken
from griddesk.orders import services
from griddesk.orders.models import WorkOrder
from griddesk.orders.received import MAX_BACKDATE_DAYS
from tests.api.conftest import ApiClient, repair_body

URL = "/api/v1/orders"
THREE_MB = 3 * 1024 * 1024


# ---------------------------------------------------------------- 413 for any oversized body


@pytest.mark.parametrize("url", [
    "/api/v1/orders",
    "/api/v1/orders/GD1/actions/dispatch",
    "/api/v1/orders/GD1/reminders",
    "/api/v1/calls/outcomes",
    "/api/v1/tokens/rotate",
    "/api/v1/no-such-endpoint",
    "/api/elsewhere",
])
@pytest.mark.parametrize("with_token", [True, False])
def test_a_3_mb_body_is_413_json_with_or_without_a_token(api_as, url, with_token):
    api = api_as("agent") if with_token else ApiClient()
    body = '{"title": "' + "停" * (THREE_MB // 3) + '"}'  # 3 MB of UTF-8
    response = api.post(url, raw=body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "too_large", "message": "请求体过大：上限为 2621440 字节（约 2.5 MB）。",
                               "details": {}}
    assert not ApiToken.objects.filter(last_used_at__isnull=False).exists()  # refused before the token check


def test_a_body_at_the_limit_is_read_and_judged(api_as, settings):
    api = api_as("agent")
    body = '{"order_type": "repair", "channel": "hotline", "title": "' + "x" * 2_000_000 + '"}'
    assert len(body.encode()) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api.post(URL, raw=body)
    assert response.status_code == 422 and response.json()["details"] == {"title": "长度不能超过 200 个字符"}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # the limit is Django's setting, whatever it is
    response = api.post(URL, raw=body)
    assert response.status_code == 413 and "1000 字节" in response.json()["message"]


# ---------------------------------------------------------------- received_at (rule K-2)


def _days_ago(days, **extra):
    return (timezone.localtime() - timedelta(days=days, **extra)).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("received_at", [
    "0001-01-01T00:00:00+08:00", "0400-06-01T00:00:00+08:00", "1900-01-01T00:00:00+08:00",
    "2000-01-01T00:00:00Z", "90 days and 5 minutes ago",
])
def test_received_at_more_than_90_days_back_is_422_naming_the_field(api_as, received_at):
    if received_at.endswith("ago"):
        received_at = _days_ago(MAX_BACKDATE_DAYS, minutes=5)
    response = api_as("agent").post(URL, repair_body(received_at=received_at))
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error" and list(error["details"]) == ["received_at"]
    assert error["details"]["received_at"].startswith("客户提交时间不能早于 90 天前（")
    assert "最多回溯 90 天（规则 K-2）" in error["details"]["received_at"]
    assert error["message"].startswith("请求参数有误：字段“received_at”客户提交时间不能早于 90 天前")
    assert WorkOrder.objects.count() == 0


def test_received_at_up_to_90_days_back_starts_the_clock_then(api_as):
    handed_in = _days_ago(MAX_BACKDATE_DAYS - 1)
    response = api_as("agent").post(URL, {"order_type": "complaint", "channel": "letter", "org": "P0101",
                                          "title": "来信", "received_at": handed_in})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["received_at"] == handed_in
    assert data["clocks"][0]["started_at"] == handed_in and data["clocks"][0]["breached"] is True


@pytest.mark.parametrize(("received_at", "phrase"), [
    (datetime(1, 1, 1, tzinfo=UTC), "不能早于 90 天前"),
    (datetime(1900, 1, 1, tzinfo=UTC), "不能早于 90 天前"),
    ("in 5 minutes", "不能晚于当前时间"),
])
def test_the_service_bounds_received_at_for_console_and_imports_too(people, received_at, phrase):
    if received_at == "in 5 minutes":
        received_at = timezone.now() + timedelta(minutes=5)
    with pytest.raises(ValidationError) as refused:
        services.order_create(order_type="complaint", channel="letter", actor=people["agent"],
                              org=people["agent"].org, received_at=received_at)
    assert list(refused.value.message_dict) == ["received_at"]
    assert phrase in refused.value.message_dict["received_at"][0]


def test_the_service_names_the_bound_in_english_too(people, settings):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.order_create(order_type="complaint", channel="letter", actor=people["agent"],
                              org=people["agent"].org, received_at=datetime(1900, 1, 1, tzinfo=UTC))
    assert refused.value.message_dict["received_at"][0].startswith(
        "The time the customer handed the matter in cannot be more than 90 days ago (")


# ---------------------------------------------------------------- strict booleans and integers


@pytest.mark.parametrize(("body", "field", "phrase"), [
    (repair_body(anonymous=0), "anonymous", "必须是 true 或 false"),
    (repair_body(anonymous=1), "anonymous", "必须是 true 或 false"),
    (repair_body(anonymous="false"), "anonymous", "必须是 true 或 false"),
])
def test_booleans_are_strict(api_as, body, field, phrase):
    response = api_as("agent").post(URL, body)
    assert response.status_code == 422
    assert response.json()["details"] == {field: phrase}
    assert WorkOrder.objects.count() == 0


@pytest.mark.parametrize("version", ["1", True, 1.5])
def test_expected_version_is_a_strict_integer(api_as, version):
    api = api_as("agent")
    number = api.post(URL, repair_body()).json()["number"]
    response = api.post(f"{URL}/{number}/actions/transfer_to_leader", {"expected_version": version})
    assert response.status_code == 422
    assert response.json()["details"] == {"expected_version": "必须是整数"}


def test_datetime_strings_still_parse(api_as):
    handed_in = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    response = api_as("agent").post(URL, repair_body(received_at=handed_in.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert response.status_code == 201
    assert response.json()["received_at"] == timezone.localtime(handed_in).isoformat()


# ---------------------------------------------------------------- +08:00 on every datetime


@pytest.mark.parametrize("stored", [
    datetime(400, 6, 1, 12, tzinfo=UTC),  # Shanghai local mean time: +08:05:43
    datetime(1988, 7, 1, 12, tzinfo=UTC),  # China's summer time 1986-91: +09:00
    datetime(1, 1, 1, tzinfo=UTC),  # +08:00 would still be year 1; one hour earlier would not be
])
def test_every_datetime_the_api_emits_is_at_plus_8(api_as, stored):
    api = api_as("agent")
    number = api.post(URL, repair_body()).json()["number"]
    WorkOrder.objects.filter(number=number).update(received_at=stored)
    data = api.get(f"{URL}/{number}").json()
    assert data["received_at"] == stored.astimezone(timezone.get_fixed_timezone(480)).isoformat()
    assert data["received_at"].endswith("+08:00")
    stamps = [data["accepted_at"], data["updated_at"], *(c["started_at"] for c in data["clocks"]),
              *(c["due_at"] for c in data["clocks"])]
    assert stamps and all(s.endswith("+08:00") for s in stamps)


# ---------------------------------------------------------------- found by fuzzing (test_schemathesis.py)


@pytest.mark.parametrize("due_at", ["9999-12-31T23:00:00Z", "9999-12-31T23:00:00-10:00"])
def test_a_deadline_at_the_end_of_the_calendar_is_400_not_500(api_as, due_at):
    number = api_as("agent").post(URL, repair_body()).json()["number"]
    response = api_as("supervisor").post(f"{URL}/{number}/reminders",
                                         {"kind": "supervise", "reason": "督办", "due_at": due_at})
    assert response.status_code == 400
    assert response.json()["details"] == {"due_at": "办理期限不能晚于一年以后。"}


def test_a_transfer_note_fits_the_leaders_reminder(api_as):
    from griddesk.orders.models import Reminder

    api = api_as("agent")
    order = api.post(URL, repair_body()).json()
    too_long = api.post(f"{URL}/{order['number']}/actions/transfer_to_leader",
                        {"expected_version": order["version"], "note": "急" * 181})
    assert too_long.status_code == 422 and too_long.json()["details"] == {"note": "长度不能超过 180 个字符"}
    done = api.post(f"{URL}/{order['number']}/actions/transfer_to_leader",
                    {"expected_version": order["version"], "note": "急" * 180})
    assert done.status_code == 200
    assert Reminder.objects.get(order__number=order["number"]).reason == "坐席转值长：" + "急" * 180
