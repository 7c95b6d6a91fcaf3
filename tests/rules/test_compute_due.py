"""compute_due: every key of both seeded rule sets, over the database calendar, with exact dues."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from griddesk.calendar.models import Calendar, CalendarYear, Holiday
from griddesk.calendar.services import holiday_save
from griddesk.calendar.workdays import EVERY_DAY
from griddesk.rules.deadlines import DeadlineError
from griddesk.rules.selectors import DeadlineNotFound, compute_due, deadline_for, ruleset_in_force
from griddesk.rules.services import ruleset_version_copy
from tests.rules.oracles import local, server_time_zone, utc

pytestmark = pytest.mark.django_db

START = local(2026, 9, 30, 10)  # eve of National Day 2026; make-up working day Saturday 2026-10-10

EXPECTED = {
    "service-code": {
        "R-2/urban": local(2026, 9, 30, 10, 45),
        "R-2/rural": local(2026, 9, 30, 11, 30),
        "R-2/remote": local(2026, 9, 30, 12, 0),
        "K-3/complaint": local(2026, 10, 5, 10),
        "K-3/report": local(2026, 10, 10, 10),
        "T-1/lv": local(2026, 10, 10, 10),
        "T-1/hv-single": local(2026, 10, 30, 10),
        "T-1/hv-dual": local(2026, 11, 30, 10),
        "T-2/lv": local(2026, 10, 10, 10),
        "T-2/hv": local(2026, 10, 30, 10),
        "T-3/resident": local(2026, 10, 13, 23, 59, 59),
        "T-3/other": local(2026, 10, 13, 23, 59, 59),
        "Q-3/planned": local(2026, 9, 23, 10),
        "Q-3/temporary": local(2026, 9, 29, 10),
        "C-6/callback": local(2026, 10, 1, 10),
        "W-4/reply": local(2026, 10, 9, 23, 59, 59),
        "C-12/complaint-visit": local(2026, 10, 5, 10),
        "H-5/payment": local(2026, 9, 30, 10, 5),
        "H-5/business": local(2026, 9, 30, 10, 20),
        "M-1/meter-retention": local(2026, 10, 30, 10),
    },
}
EXPECTED["ten-commitments-2023"] = {
    **EXPECTED["service-code"],
    "K-3/complaint": local(2026, 10, 13, 23, 59, 59),
    "K-3/complaint-contact": local(2026, 10, 1, 10),
    "C-12/complaint-visit": local(2026, 10, 13, 23, 59, 59),
    "R-1/restore-urban": local(2026, 9, 30, 13),
    "R-1/restore-rural": local(2026, 9, 30, 14),
    "R-1/restore-remote": local(2026, 9, 30, 14),
    "T-3/lv-nonresident": local(2026, 10, 14, 23, 59, 59),
    "T-3/hv-single": local(2026, 11, 5, 23, 59, 59),
    "T-3/hv-dual": local(2026, 11, 19, 23, 59, 59),
}
CASES = [(name, key, due) for name, table in EXPECTED.items() for key, due in table.items()]


@pytest.mark.parametrize(("name", "key", "expected"), CASES, ids=[f"{n}:{k}" for n, k, _ in CASES])
def test_every_key_of_both_rule_sets_from_the_eve_of_national_day(name, key, expected):
    version = ruleset_in_force(name, at=START)
    result = compute_due(key, start=START, ruleset_version=version)
    assert result.due == expected
    assert result.due.utcoffset() == timedelta(hours=8)
    assert result.deadline.key == key and result.version == version
    assert result.warnings == ()


def test_every_seeded_key_is_in_the_table_above():
    for name, table in EXPECTED.items():
        version = ruleset_in_force(name, at=START)
        assert set(version.deadlines.values_list("key", flat=True)) == set(table)


def test_rule_T3_resident_as_json():
    result = compute_due("T-3/resident", start=START, ruleset_version=ruleset_in_force(at=START))
    data = result.as_dict()
    assert {k: data[k] for k in ("rule", "key", "ruleset", "version", "start", "due", "unit", "amount")} == {
        "rule": "T-3", "key": "T-3/resident", "ruleset": "service-code", "version": 1,
        "start": "2026-09-30T10:00:00+08:00", "due": "2026-10-13T23:59:59+08:00",
        "unit": "working_days", "amount": 5,
    }
    assert data["basis"].startswith("5 working days after 2026-09-30, the start day not counted; skips")
    assert data["label"] == "居民客户受理后5个工作日内送电"
    assert data["calendar"] == "national"


def test_rule_T3_a_holiday_entered_in_the_admin_moves_the_deadline_at_once():
    version = ruleset_in_force(at=START)
    before = compute_due("T-3/resident", start=START, ruleset_version=version).due
    national = Calendar.objects.get(code="national")
    holiday_save(holiday=Holiday(calendar=national, date=date(2026, 10, 12), kind="holiday", name="测试"))
    after = compute_due("T-3/resident", start=START, ruleset_version=version).due
    assert (before, after) == (local(2026, 10, 13, 23, 59, 59), local(2026, 10, 14, 23, 59, 59))


def test_rule_T3_year_without_holiday_data_degrades_to_monday_to_friday_with_a_warning():
    version = ruleset_in_force(at=START)
    result = compute_due("T-3/resident", start=local(2026, 12, 28, 10), ruleset_version=version)
    assert result.due == local(2027, 1, 4, 23, 59, 59)
    assert result.warnings == ("2027 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。",)
    far = compute_due("T-3/resident", start=local(2031, 9, 30, 10), ruleset_version=version)
    assert far.due == local(2031, 10, 7, 23, 59, 59)  # Tue 09-30: Wed..Fri, Mon, Tue; no holidays known
    assert far.warnings == ("2031 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。",)


def test_rule_T3_deleting_a_years_coverage_row_warns_but_keeps_its_entered_days():
    CalendarYear.objects.filter(calendar__code="national", year=2026).delete()
    result = compute_due("T-3/resident", start=START, ruleset_version=ruleset_in_force(at=START))
    assert result.due == local(2026, 10, 13, 23, 59, 59)
    assert result.warnings == ("2026 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。",)


def test_rule_H3_hall_calendar_by_code_and_any_oracle_plug_in():
    version = ruleset_in_force(at=START)
    by_code = compute_due("T-3/resident", start=START, ruleset_version=version, calendar="hall")
    by_oracle = compute_due("T-3/resident", start=START, ruleset_version=version, calendar=EVERY_DAY)
    assert by_code.due == by_oracle.due == local(2026, 10, 5, 23, 59, 59)
    assert by_code.calendar == "hall" and by_code.warnings == ()


def test_rule_R3_storm_pause_extends_the_arrival_clock():
    version = ruleset_in_force(at=START)
    storm = [(local(2026, 9, 30, 10, 15), local(2026, 9, 30, 12, 15))]
    result = compute_due("R-2/urban", start=START, ruleset_version=version, pauses=storm)
    assert result.due == local(2026, 9, 30, 12, 45)
    assert result.unpaused_due == local(2026, 9, 30, 10, 45)


def test_start_in_utc_gives_the_same_due_in_local_time():
    version = ruleset_in_force(at=START)
    result = compute_due("T-3/resident", start=utc(2026, 9, 30, 2), ruleset_version=version)
    assert result.start.isoformat() == "2026-09-30T10:00:00+08:00"
    assert result.due.isoformat() == "2026-10-13T23:59:59+08:00"


def test_result_does_not_depend_on_the_servers_time_zone():
    version = ruleset_in_force(at=START)
    seen = set()
    for zone in ("UTC", "America/New_York", "Asia/Kathmandu"):
        with server_time_zone(zone):
            for key in ("T-3/resident", "T-1/hv-single", "R-2/rural", "Q-3/planned"):
                seen.add((key, compute_due(key, start=START, ruleset_version=version).due.isoformat()))
    assert seen == {
        ("T-3/resident", "2026-10-13T23:59:59+08:00"), ("T-1/hv-single", "2026-10-30T10:00:00+08:00"),
        ("R-2/rural", "2026-09-30T11:30:00+08:00"), ("Q-3/planned", "2026-09-23T10:00:00+08:00"),
    }


def test_bad_input_names_the_problem():
    version = ruleset_in_force(at=START)
    with pytest.raises(DeadlineNotFound, match="没有时限“T-9/x”"):
        compute_due("T-9/x", start=START, ruleset_version=version)
    with pytest.raises(DeadlineError, match="timezone-aware"):
        compute_due("R-2/urban", start=START.replace(tzinfo=None), ruleset_version=version)


def test_hot_path_query_counts(django_assert_num_queries):
    # Order create: the version in force (1 query), then the clocks' dues, warm from the process cache.
    with django_assert_num_queries(1):
        version = ruleset_in_force(at=START)
    with django_assert_num_queries(4):  # cold: the version's deadlines + calendar, holidays, years
        compute_due("T-3/resident", start=START, ruleset_version=version)
    with django_assert_num_queries(0):  # warm: any key, any span, across a year without data
        for key in ("T-3/resident", "R-2/urban", "W-4/reply", "T-1/hv-dual"):
            compute_due(key, start=START, ruleset_version=version)
        compute_due("T-3/resident", start=local(2026, 12, 28, 10), ruleset_version=version)
        compute_due("T-3/resident", start=local(2004, 2, 1, 10), ruleset_version=version)


def test_a_version_not_yet_in_force_is_read_fresh_each_time(django_assert_num_queries):
    v1 = ruleset_in_force(at=timezone.now())
    v2 = ruleset_version_copy(version=v1, effective_from=timezone.now() + timedelta(days=3))
    with django_assert_num_queries(1):
        compute_due("R-2/urban", start=START, ruleset_version=v2)
    with django_assert_num_queries(1):
        compute_due("R-2/urban", start=START, ruleset_version=v2)


def test_deadline_for_names_the_keys_a_set_has_when_one_is_missing():
    version = ruleset_in_force(at=START)
    with pytest.raises(DeadlineNotFound, match="K-3/complaint-contact"):
        deadline_for("K-3/complaint-contact", version=version)
    assert deadline_for("K-3/complaint", version=version).label == "投诉5天内答复"
    ten = ruleset_in_force("ten-commitments-2023", at=START)
    assert deadline_for("K-3/complaint-contact", version=ten).amount == 24
