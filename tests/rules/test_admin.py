"""The rule-set admin: inline deadlines, "copy as new version", versions in force read-only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orgs.models import Staff
from griddesk.rules.models import RuleSetVersion
from griddesk.rules.selectors import ruleset_in_force
from griddesk.rules.services import ruleset_version_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(Staff.objects.create_superuser("root", "root@example.com", "pw-root"))
    return client


def change_url(version):
    return reverse("admin:rules_rulesetversion_change", args=[version.pk])


def form_data(version, *, effective_from=None, edit=None, delete=()):
    """The POST of the version's change form, deadlines inline; `edit` {key: {field: value}}."""
    effective_from = timezone.localtime(effective_from or version.effective_from)
    deadlines = list(version.deadlines.order_by("key"))
    data = {
        "effective_from_0": effective_from.strftime("%Y-%m-%d"),
        "effective_from_1": effective_from.strftime("%H:%M:%S"),
        "notes": version.notes,
        "deadlines-TOTAL_FORMS": str(len(deadlines)), "deadlines-INITIAL_FORMS": str(len(deadlines)),
        "deadlines-MIN_NUM_FORMS": "0", "deadlines-MAX_NUM_FORMS": "1000",
    }
    for i, d in enumerate(deadlines):
        row = {"id": d.pk, "version": version.pk, "key": d.key, "rule": d.rule, "amount": d.amount,
               "unit": d.unit, "direction": d.direction, "label": d.label, "citation": d.citation}
        row.update((edit or {}).get(d.key, {}))
        if d.key in delete:
            row["DELETE"] = "on"
        data.update({f"deadlines-{i}-{field}": value for field, value in row.items()})
    return data


def test_version_in_force_is_read_only(admin_client):
    v1 = ruleset_in_force(at=timezone.now())
    page = admin_client.get(change_url(v1))
    assert page.status_code == 200
    assert "R-2/urban" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(change_url(v1), form_data(v1, edit={"R-2/urban": {"amount": 30}}))
    assert response.status_code == 403
    assert v1.deadlines.get(key="R-2/urban").amount == 45


def test_copy_as_new_version_action(admin_client):
    v1 = ruleset_in_force(at=timezone.now())
    response = admin_client.post(
        reverse("admin:rules_rulesetversion_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [v1.pk]}, follow=True,
    )
    assert response.status_code == 200
    v2 = RuleSetVersion.objects.get(ruleset=v1.ruleset, version=2)
    assert "已复制 service-code v1 为 service-code v2" in response.content.decode()
    assert v2.effective_from > timezone.now()
    assert v2.deadlines.count() == 20


def test_future_version_is_edited_through_the_audited_service(admin_client):
    v1 = ruleset_in_force(at=timezone.now())
    v2 = ruleset_version_copy(version=v1, effective_from=timezone.now() + timedelta(days=10))
    data = form_data(v2, edit={"R-2/urban": {"amount": 40, "rule": ""}})
    response = admin_client.post(change_url(v2), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    edited = v2.deadlines.get(key="R-2/urban")
    assert (edited.amount, edited.rule) == (40, "R-2")  # rule filled in from the key
    last = AuditEvent.objects.filter(stream=stream_of(v1.ruleset)).order_by("-seq").first()
    assert last.action == "rules.deadline_saved"
    assert last.payload["deadline"]["amount"] == 40


def test_removing_a_key_from_a_new_version_is_refused(admin_client):
    v1 = ruleset_in_force(at=timezone.now())
    v2 = ruleset_version_copy(version=v1, effective_from=timezone.now() + timedelta(days=10))
    response = admin_client.post(change_url(v2), form_data(v2, delete=["W-4/reply"]))
    assert response.status_code == 200
    assert "缺少上一版本的时限：W-4/reply" in response.content.decode()
    assert v2.deadlines.filter(key="W-4/reply").exists()


def test_effective_time_in_the_past_is_refused_in_the_form(admin_client):
    v1 = ruleset_in_force(at=timezone.now())
    v2 = ruleset_version_copy(version=v1, effective_from=timezone.now() + timedelta(days=10))
    past = timezone.now() - timedelta(days=1)
    response = admin_client.post(change_url(v2), form_data(v2, effective_from=past))
    assert response.status_code == 200
    assert "生效时间不能早于当前时间" in response.content.decode()
    assert RuleSetVersion.objects.get(pk=v2.pk).effective_from == v2.effective_from
