"""Token auth (接口令牌): digest only, one look-up, revocable, expiring, last use once a minute."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from griddesk.api.admin import ApiTokenAdmin
from griddesk.api.models import ApiToken
from griddesk.api.services import api_token_issue, api_token_revoke
from griddesk.audit.models import AuditEvent
from tests.api.conftest import ApiClient

URL = "/api/v1/orders/none"  # any authenticated endpoint; 404 once the token is accepted


def test_only_the_digest_is_stored(people):
    token, plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    assert plaintext.startswith("gdk_") and len(plaintext) > 40
    assert token.prefix == plaintext[:8]
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest__contains=plaintext[8:]).exists()
    assert AuditEvent.objects.filter(action="api_token.issued").count() == 1


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwdw==", "Bearer " + "x" * 500])
def test_missing_or_bad_token_is_401_json(db, anonymous_api, header):
    headers = {"Authorization": header} if header else {}
    response = anonymous_api.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]


def test_revoked_expired_and_inactive_tokens_are_refused(people):
    token, plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    assert ApiClient(plaintext).get(URL).status_code == 404
    api_token_revoke(token=token, actor=people["leader"])
    response = ApiClient(plaintext).get(URL)
    assert response.status_code == 401 and response.json()["message"] == f"访问令牌 {token.prefix}… 已被吊销。"

    token, plaintext = api_token_issue(user=people["agent"], name="app", actor=None,
                                       expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(plaintext).get(URL).json()["message"] == f"访问令牌 {token.prefix}… 已过期。"

    _token, plaintext = api_token_issue(user=people["visitor"], name="x", actor=None)
    people["visitor"].is_active = False
    people["visitor"].save()
    assert ApiClient(plaintext).get(URL).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(people, django_assert_num_queries):
    token, plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    api = ApiClient(plaintext)
    with django_assert_num_queries(3):  # token, last_used_at, the order look-up
        api.get(URL)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    with django_assert_num_queries(2):  # no write this time
        api.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    api.get(URL)
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_token_user_roles_come_with_the_token_query(people):
    _token, plaintext = api_token_issue(user=people["lineman"], name="app", actor=None)
    response = ApiClient(plaintext).post("/api/v1/orders", {"order_type": "repair", "channel": "app"})
    assert response.status_code == 403  # a crew member may not take orders in


def test_issue_needs_a_name_and_an_active_user(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_issue(user=people["agent"], name=" ", actor=None)
    with pytest.raises(ValidationError):
        api_token_issue(user=people["agent"], name="x", actor=None,
                        expires_at=timezone.now() - timedelta(days=1))


def test_command_prints_the_token_once(people):
    out, err = StringIO(), StringIO()
    call_command("api_token", "agent", "--name", "IVR", "--days", "30", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.name == "IVR" and token.expires_at > timezone.now() + timedelta(days=29)
    assert token.prefix in err.getvalue() and plaintext not in err.getvalue()
    assert ApiClient(plaintext).get(URL).status_code == 404
    with pytest.raises(CommandError, match="找不到工作人员账号：nobody"):
        call_command("api_token", "nobody", stdout=StringIO(), stderr=StringIO())


def test_admin_revoke_action(people, rf):
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    token, plaintext = api_token_issue(user=people["agent"], name="IVR", actor=None)
    request = rf.post("/admin/api/apitoken/")
    request.user = people["leader"]
    request.session = {}
    request._messages = FallbackStorage(request)
    ApiTokenAdmin(ApiToken, django_admin.site).revoke(request, ApiToken.objects.all())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(plaintext).get(URL).status_code == 401
