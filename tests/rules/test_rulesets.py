"""Versioned rule sets: the seeded sets, version resolution, and the services that change them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.rules.models import Deadline, RuleSet, RuleSetVersion
from griddesk.rules.selectors import (
    DeadlineNotFound,
    RuleSetNotFound,
    deadline_for,
    deadline_key_resolve,
    ruleset_in_force,
)
from griddesk.rules.services import (
    DEADLINE_FIELDS,
    deadline_delete,
    deadline_save,
    ruleset_create,
    ruleset_version_copy,
    ruleset_version_create,
    ruleset_version_save,
)
from tests.rules.oracles import local

pytestmark = pytest.mark.django_db

SERVICE_CODE = {
    "R-2/urban": (45, "minutes", "after"),
    "R-2/rural": (90, "minutes", "after"),
    "R-2/remote": (120, "minutes", "after"),
    "K-3/complaint": (5, "days", "after"),
    "K-3/report": (10, "days", "after"),
    "T-1/lv": (10, "days", "after"),
    "T-1/hv-single": (1, "months", "after"),
    "T-1/hv-dual": (2, "months", "after"),
    "T-2/lv": (10, "days", "after"),
    "T-2/hv": (1, "months", "after"),
    "T-3/resident": (5, "working_days", "after"),
    "T-3/other": (5, "working_days", "after"),
    "Q-3/planned": (7, "days", "before"),
    "Q-3/temporary": (24, "hours", "before"),
    "C-6/callback": (24, "hours", "after"),
    "W-4/reply": (2, "working_days", "after"),
    "C-12/complaint-visit": (5, "days", "after"),
    "H-5/payment": (5, "minutes", "after"),
    "H-5/business": (20, "minutes", "after"),
    "M-1/meter-retention": (1, "months", "after"),
}
TEN_COMMITMENTS = {
    **SERVICE_CODE,
    "K-3/complaint": (5, "working_days", "after"),
    "K-3/complaint-contact": (24, "hours", "after"),
    "C-12/complaint-visit": (5, "working_days", "after"),
    "R-1/restore-urban": (3, "hours", "after"),
    "R-1/restore-rural": (4, "hours", "after"),
    "R-1/restore-remote": (4, "hours", "after"),
    "T-3/lv-nonresident": (6, "working_days", "after"),
    "T-3/hv-single": (22, "working_days", "after"),
    "T-3/hv-dual": (32, "working_days", "after"),
}


def deadlines_of(name):
    version = ruleset_in_force(name, at=timezone.now())
    return {d.key: (d.amount, d.unit, d.direction) for d in version.deadlines.all()}, version


@pytest.mark.parametrize(("name", "expected"), [
    ("service-code", SERVICE_CODE), ("ten-commitments-2023", TEN_COMMITMENTS),
])
def test_seeded_rule_sets_carry_their_complete_deadline_lists(name, expected):
    deadlines, version = deadlines_of(name)
    assert version.version == 1
    assert deadlines == expected


def test_every_seeded_deadline_cites_its_rule_and_has_a_chinese_label():
    for deadline in Deadline.objects.all():
        assert deadline.key.startswith(deadline.rule + "/")
        assert deadline.label and deadline.citation
        deadline.full_clean()


def test_default_rule_set_is_the_service_code(settings):
    assert ruleset_in_force(at=local(2026, 9, 30, 10)).ruleset.name == "service-code"
    settings.GRIDDESK_DEFAULT_RULESET = "ten-commitments-2023"
    assert ruleset_in_force(at=local(2026, 9, 30, 10)).ruleset.name == "ten-commitments-2023"


def test_ruleset_in_force_is_one_query_cold_and_none_warm(django_assert_num_queries):
    with django_assert_num_queries(1):
        version = ruleset_in_force("service-code", at=local(2026, 9, 30, 10))
        assert version.ruleset.name == "service-code"
    with django_assert_num_queries(0):  # every order's acceptance asks: the versions are cached
        assert ruleset_in_force("service-code", at=local(2026, 10, 1, 10)) == version


def test_version_two_applies_from_its_effective_time_and_orders_before_keep_version_one():
    v1 = ruleset_in_force("service-code", at=timezone.now())
    switch = timezone.now() + timedelta(days=30)
    v2 = ruleset_version_copy(version=v1, effective_from=switch)
    assert v2.version == 2
    assert ruleset_in_force("service-code", at=switch - timedelta(microseconds=1)) == v1
    assert ruleset_in_force("service-code", at=switch) == v2  # accepted exactly at X: the new version
    assert ruleset_in_force("service-code", at=switch + timedelta(days=400)) == v2
    assert ruleset_in_force("service-code", at=local(2010, 1, 1)) == v1


def test_ten_commitments_apply_only_from_2023():
    with pytest.raises(RuleSetNotFound, match="尚无生效的版本"):
        ruleset_in_force("ten-commitments-2023", at=local(2022, 12, 31, 23, 59))
    assert ruleset_in_force("ten-commitments-2023", at=local(2023, 1, 1)).version == 1


def test_unknown_rule_set_and_key_are_named():
    with pytest.raises(RuleSetNotFound, match="规则集“nope”不存在"):
        ruleset_in_force("nope", at=timezone.now())
    version = ruleset_in_force(at=timezone.now())
    with pytest.raises(DeadlineNotFound, match="没有时限“R-1/restore-urban”"):
        deadline_for("R-1/restore-urban", version=version)
    with pytest.raises(ValueError, match="timezone-aware"):
        ruleset_in_force(at=local(2026, 1, 1).replace(tzinfo=None))


@pytest.mark.parametrize(("name", "key", "zone", "supply", "expected"), [
    ("service-code", "R-2", "rural", None, "R-2/rural"),
    ("service-code", "R-2", "urban", None, "R-2/urban"),
    ("service-code", "T-3", None, "220V", "T-3/resident"),
    ("service-code", "T-3", None, "380V", "T-3/other"),
    ("service-code", "T-3", None, "10kV", "T-3/other"),
    ("service-code", "T-1", None, "380V", "T-1/lv"),
    ("service-code", "T-1", None, "110kV", "T-1/hv-single"),
    ("service-code", "T-2", None, "35kV", "T-2/hv"),
    ("service-code", "C-6", None, None, "C-6/callback"),  # one key: no qualifier needed
    ("ten-commitments-2023", "T-3", None, "380V", "T-3/lv-nonresident"),
    ("ten-commitments-2023", "T-3", None, "10kV", "T-3/hv-single"),
    ("ten-commitments-2023", "R-1", "remote", None, "R-1/restore-remote"),
    ("service-code", "K-3/report", None, None, "K-3/report"),
])
def test_generic_keys_resolve_by_zone_and_supply(name, key, zone, supply, expected):
    version = ruleset_in_force(name, at=timezone.now())
    assert deadline_key_resolve(key, version=version, zone=zone, supply=supply) == expected


def test_ambiguous_generic_key_names_the_choices():
    version = ruleset_in_force(at=timezone.now())
    with pytest.raises(DeadlineNotFound, match="R-2/remote、R-2/rural、R-2/urban"):
        deadline_key_resolve("R-2", version=version)
    with pytest.raises(DeadlineNotFound, match="未知的区域"):
        deadline_key_resolve("R-2", version=version, zone="moon")
    with pytest.raises(DeadlineNotFound, match="没有与 supply=220V 对应的时限"):
        deadline_key_resolve("K-3", version=version, supply="220V")


# --- services ----------------------------------------------------------------------------------

def full_list(version):
    return [{f: getattr(d, f) for f in DEADLINE_FIELDS} for d in version.deadlines.all()]


def test_a_version_in_force_is_frozen():
    v1 = ruleset_in_force(at=timezone.now())
    deadline = deadline_for("R-2/urban", version=v1)
    deadline.amount = 30
    with pytest.raises(ValidationError, match="已于 2000-01-01T00:00\\+08:00 生效"):
        deadline_save(deadline=deadline)
    with pytest.raises(ValidationError, match="不能再修改"):
        deadline_delete(deadline=deadline)
    v1.effective_from = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError, match="不能再修改"):
        ruleset_version_save(version=v1)
    assert Deadline.objects.get(pk=deadline.pk).amount == 45


def test_copy_as_new_version_is_complete_editable_and_audited(make_staff, province):
    admin = make_staff("rules-admin", province["root"], "administrator")
    v1 = ruleset_in_force(at=timezone.now())
    now = local(2026, 11, 27, 18, 30)
    v2 = ruleset_version_copy(version=v1, actor=admin, now=now)
    assert (v2.version, v2.effective_from) == (2, local(2026, 11, 28))  # next local midnight
    assert full_list(v2) == full_list(v1)
    deadline = v2.deadlines.get(key="R-2/urban")
    deadline.amount = 40
    deadline_save(deadline=deadline, actor=admin, now=now)
    assert deadline_for("R-2/urban", version=v2).amount == 40
    assert deadline_for("R-2/urban", version=v1).amount == 45
    history = AuditEvent.objects.filter(stream=stream_of(v1.ruleset)).order_by("seq")
    actions = list(history.values_list("action", flat=True))
    assert actions == ["rules.version_created", "rules.deadlines_set", "rules.deadline_saved"]


def test_new_version_must_not_take_effect_in_the_past_or_before_a_later_one():
    v1 = ruleset_in_force(at=timezone.now())
    with pytest.raises(ValidationError, match="生效时间不能早于当前时间"):
        ruleset_version_create(ruleset=v1.ruleset, effective_from=timezone.now() - timedelta(hours=1),
                               deadlines=full_list(v1))
    later = ruleset_version_copy(version=v1, effective_from=timezone.now() + timedelta(days=60))
    with pytest.raises(ValidationError, match=f"已有版本 {later}"):
        ruleset_version_create(ruleset=v1.ruleset, effective_from=timezone.now() + timedelta(days=30),
                               deadlines=full_list(v1))
    assert RuleSetVersion.objects.filter(ruleset=v1.ruleset).count() == 2


def test_new_version_missing_a_key_is_refused_and_nothing_is_written():
    v1 = ruleset_in_force(at=timezone.now())
    deadlines = [d for d in full_list(v1) if d["key"] != "W-4/reply"]
    with pytest.raises(ValidationError, match="缺少上一版本的时限：W-4/reply"):
        ruleset_version_create(ruleset=v1.ruleset, effective_from=timezone.now() + timedelta(days=1),
                               deadlines=deadlines)
    assert RuleSetVersion.objects.filter(ruleset=v1.ruleset).count() == 1


def test_invalid_deadline_is_refused():
    v1 = ruleset_in_force(at=timezone.now())
    moon = {"key": "R-2/moon", "rule": "R-3", "amount": 1, "unit": "hours", "direction": "after",
            "label": "月"}
    deadlines = [*full_list(v1), moon]
    with pytest.raises(ValidationError, match="键应以规则编号加斜杠开头"):
        ruleset_version_create(ruleset=v1.ruleset, effective_from=timezone.now() + timedelta(days=1),
                               deadlines=deadlines)
    bad_unit = full_list(v1)
    bad_unit[0]["unit"] = "weeks"
    with pytest.raises(ValidationError, match="weeks"):
        ruleset_version_create(ruleset=v1.ruleset, effective_from=timezone.now() + timedelta(days=1),
                               deadlines=bad_unit)
    assert RuleSetVersion.objects.filter(ruleset=v1.ruleset).count() == 1


def test_an_administrator_can_add_a_new_rule_set():
    ruleset = ruleset_create(name="storm-2027", title="2027 防汛期")
    version = ruleset_version_create(
        ruleset=ruleset, effective_from=timezone.now() + timedelta(days=1),
        deadlines=[{"key": "R-2/urban", "rule": "R-2", "amount": 60, "unit": "minutes",
                    "direction": "after", "label": "城区60分钟到达现场"}],
    )
    assert RuleSet.objects.get(name="storm-2027").versions.get() == version
    assert ruleset_in_force("storm-2027", at=version.effective_from).version == 1
    with pytest.raises(ValidationError):
        ruleset_create(name="storm-2027", title="重复")
