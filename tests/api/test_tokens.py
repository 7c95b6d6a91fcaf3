"""Token lifetimes and rotation (issue 8, item 10): every token expires, long lifetimes need an explicit
yes, a token can be rotated from the command line or by itself, with an overlap, audited."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from griddesk.api.models import ApiToken
from griddesk.api.services import api_token_issue, api_token_revoke, api_token_rotate
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from tests.api.conftest import ApiClient

URL = "/api/v1/orders/none"  # any authenticated endpoint; 404 once the token is accepted
ROTATE = "/api/v1/tokens/rotate"


def _close(moment, expected, slack=timedelta(seconds=30)):
    return abs(moment - expected) < slack


def _command(*args):
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _token_of(plaintext):
    return ApiToken.objects.get(digest=hashlib.sha256(plaintext.encode()).hexdigest())


# ---------------------------------------------------------------- lifetimes


def test_a_token_issued_without_an_expiry_lives_90_days(people):
    token, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    assert _close(token.expires_at, timezone.now() + timedelta(days=90))
    event = AuditEvent.objects.get(action="api_token.issued")
    assert event.payload["expires_at"] == token.expires_at.isoformat()


def test_the_default_and_the_maximum_lifetime_are_settings(people, settings):
    settings.GRIDDESK_API_TOKEN_DAYS = 7
    settings.GRIDDESK_API_TOKEN_MAX_DAYS = 30
    token, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    assert _close(token.expires_at, timezone.now() + timedelta(days=7))
    with pytest.raises(ValidationError, match="令牌有效期不能超过 30 天"):
        api_token_issue(user=people["agent"], name="IVR", actor=None, expires_at=timezone.now() + timedelta(days=31))


def test_a_lifetime_beyond_365_days_needs_an_explicit_yes(people):
    far = timezone.now() + timedelta(days=366)
    with pytest.raises(ValidationError) as refused:
        api_token_issue(user=people["agent"], name="IVR", actor=None, expires_at=far)
    assert refused.value.message_dict == {"expires_at": [
        "令牌有效期不能超过 365 天（GRIDDESK_API_TOKEN_MAX_DAYS）；"
        "确需更长请明确允许（命令行 --allow-long-lifetime）。"]}
    assert not ApiToken.objects.exists()
    token, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None,
                                        expires_at=timezone.now() + timedelta(days=365))
    token, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None, expires_at=far,
                                        allow_long=True)
    assert token.expires_at == far


def test_the_command_gives_the_default_lifetime_and_refuses_long_ones(people):
    plaintext, err = _command("agent", "--name", "IVR")
    token = _token_of(plaintext)
    assert _close(token.expires_at, timezone.now() + timedelta(days=90))
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") in err and plaintext not in err
    with pytest.raises(CommandError, match="令牌有效期不能超过 365 天"):
        _command("issue", "agent", "--days", "400")
    plaintext, _err = _command("issue", "agent", "--days", "400", "--allow-long-lifetime")
    assert _close(_token_of(plaintext).expires_at, timezone.now() + timedelta(days=400))
    assert ApiToken.objects.count() == 2


# ---------------------------------------------------------------- rotation from the command line


def test_rotate_from_the_command_line_overlaps_then_the_old_token_expires(people):
    old, old_plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    new_plaintext, err = _command("rotate", old.prefix, "--overlap-hours", "6")
    new = _token_of(new_plaintext)
    old.refresh_from_db()
    assert (new.user, new.name) == (people["agent"], "IVR") and new.pk != old.pk
    assert _close(new.expires_at, timezone.now() + timedelta(days=90))
    assert _close(old.expires_at, timezone.now() + timedelta(hours=6)) and old.replaced_by == new
    assert new.prefix in err and old.prefix in err and new_plaintext not in err
    # both work during the overlap; the old one stops when it ends
    assert ApiClient(old_plaintext).get(URL).status_code == 404
    assert ApiClient(new_plaintext).get(URL).status_code == 404
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = ApiClient(old_plaintext).get(URL)
    assert response.status_code == 401 and response.json()["message"] == f"访问令牌 {old.prefix}… 已过期。"
    assert ApiClient(new_plaintext).get(URL).status_code == 404
    rotated = AuditEvent.objects.get(stream=stream_of(old), action="api_token.rotated")
    assert rotated.payload == {"prefix": old.prefix, "new_prefix": new.prefix,
                               "expires_at": old.expires_at.isoformat()}
    issued = AuditEvent.objects.get(stream=stream_of(new), action="api_token.issued")
    assert issued.payload["rotated_from"] == old.prefix


def test_the_overlap_never_lengthens_the_old_token(people):
    soon = timezone.now() + timedelta(hours=2)
    old, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None, expires_at=soon)
    _new, _new_plaintext, old = api_token_rotate(token=old, actor=None, overlap=timedelta(hours=24))
    assert old.expires_at == soon


def test_rotate_and_revoke_errors_on_the_command_line(people):
    token, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    with pytest.raises(CommandError, match="--overlap-hours 必须在 0 到 168 之间"):
        _command("rotate", token.prefix, "--overlap-hours", "169")
    with pytest.raises(CommandError, match="找不到前缀为 gdk_none 的令牌"):
        _command("rotate", "gdk_none")
    with pytest.raises(CommandError, match="用法"):
        _command("rename", "agent")
    _out, err = _command("revoke", token.prefix + "…")
    assert f"已吊销令牌 {token.prefix}…" in err
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(CommandError, match=f"访问令牌 {token.prefix}… 已被吊销，不能轮换。"):
        _command("rotate", token.prefix)
    assert ApiToken.objects.count() == 1


def test_a_rotation_whose_new_token_was_used_cannot_be_repeated(people):
    old, _plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    first, first_plaintext, _old = api_token_rotate(token=old, actor=None)
    # the new plaintext was lost on the way: rotating again replaces the unused one
    second, second_plaintext, _old = api_token_rotate(token=old, actor=None)
    first.refresh_from_db()
    assert first.revoked_at is not None and ApiClient(first_plaintext).get(URL).status_code == 401
    old.refresh_from_db()
    assert old.replaced_by == second
    assert ApiClient(second_plaintext).get(URL).status_code == 404  # now it has been used
    with pytest.raises(Exception, match=f"已轮换为 {second.prefix}…（新令牌已使用或已吊销），不能再次轮换"):
        api_token_rotate(token=old, actor=None)
    assert ApiToken.objects.count() == 3
    api_token_revoke(token=second, actor=None)


# ---------------------------------------------------------------- a token rotates itself


def test_a_token_rotates_itself_through_the_api(people):
    old, old_plaintext = api_token_issue(user=people["agent"], name="微信", actor=None)
    response = ApiClient(old_plaintext).post(ROTATE, {"overlap_hours": 2})
    assert response.status_code == 201, response.json()
    data = response.json()
    new = _token_of(data["token"])
    old.refresh_from_db()
    assert data["prefix"] == new.prefix == data["token"][:8] and data["name"] == "微信"
    assert data["expires_at"] == timezone.localtime(new.expires_at).isoformat(timespec="milliseconds")
    assert data["previous"]["prefix"] == old.prefix
    assert data["expires_at"].endswith("+08:00") and data["previous"]["expires_at"].endswith("+08:00")
    assert _close(old.expires_at, timezone.now() + timedelta(hours=2))
    assert AuditEvent.objects.get(action="api_token.rotated").actor_id == people["agent"].pk
    assert ApiClient(data["token"]).get(URL).status_code == 404  # the new one is used ...
    again = ApiClient(old_plaintext).post(ROTATE, {})
    assert again.status_code == 409 and again.json()["code"] == "conflict"  # ... so the old may not rotate again
    assert ApiToken.objects.count() == 2


def test_rotating_with_no_overlap_ends_the_old_token_at_once(people):
    _old, old_plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    response = ApiClient(old_plaintext).post(ROTATE, {"overlap_hours": 0})
    assert response.status_code == 201
    assert ApiClient(old_plaintext).get(URL).status_code == 401
    assert ApiClient(response.json()["token"]).get(URL).status_code == 404


@pytest.mark.parametrize(("body", "detail"), [
    ({"overlap_hours": 169}, "必须小于等于 168"),
    ({"overlap_hours": -1}, "必须大于等于 0"),
    ({"overlap_hours": "2"}, "必须是整数"),
    ({"lifetime": 3}, "不认识的字段（请检查拼写）"),
])
def test_rotation_bodies_are_checked(people, body, detail):
    _old, plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    response = ApiClient(plaintext).post(ROTATE, body)
    assert response.status_code == 422 and list(response.json()["details"].values()) == [detail]
    assert ApiToken.objects.count() == 1


def test_rotation_needs_a_token(db, anonymous_api):
    assert anonymous_api.post(ROTATE, {}).status_code == 401


# ---------------------------------------------------------------- the migration


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_the_migration_gives_tokens_without_expiry_the_default_lifetime(make_staff, province, settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.GRIDDESK_API_TOKEN_DAYS = 30
    user = make_staff("ivr", province["root"], "agent")
    executor = MigrationExecutor(connection)
    executor.migrate([("api", "0002_lean_write_indexes")])
    old_apps = executor.loader.project_state([("api", "0002_lean_write_indexes")]).apps
    OldToken = old_apps.get_model("api", "ApiToken")
    OldToken.objects.create(user_id=user.pk, name="IVR", prefix="gdk_old1", digest="a" * 64, expires_at=None)
    soon = timezone.now() + timedelta(days=3)
    OldToken.objects.create(user_id=user.pk, name="app", prefix="gdk_old2", digest="b" * 64, expires_at=soon)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("api"))
    lifetimes = dict(ApiToken.objects.values_list("prefix", "expires_at"))
    assert _close(lifetimes["gdk_old1"], timezone.now() + timedelta(days=30))
    assert lifetimes["gdk_old2"] == soon  # a token that had an expiry keeps it
