"""Rules Q-1 (major event days, properties), Q-2 (planned outages per customer) and Q-3 (notice)."""

from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.customers.models import Customer
from griddesk.outages.models import OutageEvent, OutageState
from griddesk.quality.selectors import (
    Tally,
    major_event_days,
    notice_timeliness,
    planned_outage_counts,
    reliability_report,
)
from tests.quality.conftest import SHANGHAI, local

BASE = local(2026, 3, 1)


# ---------------------------------------------------------------------- properties of the arithmetic

@given(nt=st.integers(1, 10**6), interruptions=st.integers(0, 10**7), seconds=st.floats(0, 1e10),
       hours=st.sampled_from([24.0, 744.0, 8760.0]))
def test_rule_Q1_asai_and_saidi_are_consistent(nt, interruptions, seconds, hours):
    e = Tally(customers_served=nt, customer_interruptions=interruptions, customer_seconds=seconds).indices(hours)
    assert e["asai_percent"] == pytest.approx(100 * (1 - e["saidi"] / hours), abs=1e-4)
    if interruptions:  # CAIDI = SAIDI / SAIFI = Σri·Ni / ΣNi
        assert e["caidi"] == pytest.approx(seconds / 3600 / interruptions, rel=1e-6, abs=1e-6)
        if e["saifi"] > 0.01:
            assert e["caidi"] == pytest.approx(e["saidi"] / e["saifi"], rel=1e-3, abs=1e-5)


outage = st.tuples(st.sampled_from(["switch", "feeder", "tx1", "tx2"]), st.sampled_from(["planned", "fault"]),
                   st.integers(-3 * 24 * 60, 6 * 24 * 60), st.integers(1, 3 * 24 * 60))


def _with_outages(province, outages, check):
    """Create `outages` (device, kind, start minute from BASE, minutes), run `check`, roll them back."""
    with transaction.atomic():
        for i, (device, kind, start, minutes) in enumerate(outages):
            starts = BASE + timedelta(minutes=start)
            OutageEvent.objects.create(code=f"H{i}", kind=kind, device=province[device], cause="测试",
                                       starts_at=starts, restored_at=starts + timedelta(minutes=minutes),
                                       state=OutageState.RESTORED)
        check()
        transaction.set_rollback(True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outages=st.lists(outage, max_size=6), split=st.integers(1, 3))
def test_rule_Q1_splitting_a_period_adds_up_and_clipping_never_adds_hours(province, outages, split):
    first, last = date(2026, 3, 1), date(2026, 3, 4)
    now = local(2026, 6, 1)

    def check():
        whole = reliability_report(first=first, last=last, now=now)["total"]
        cut = first + timedelta(days=split - 1)
        head = reliability_report(first=first, last=cut, now=now)["total"]
        tail = reliability_report(first=cut + timedelta(days=1), last=last, now=now)["total"]
        assert head["customer_hours"] + tail["customer_hours"] == pytest.approx(whole["customer_hours"], abs=1e-3)
        unclipped = sum(minutes / 60 * {"switch": 2, "feeder": 3, "tx1": 2, "tx2": 1}[device]
                        for device, _kind, _start, minutes in outages if minutes >= 5)
        assert whole["customer_hours"] <= unclipped + 1e-4  # the report rounds to 4 decimals

    _with_outages(province, outages, check)


# ---------------------------------------------------------------------- major event days


def test_rule_Q1_major_event_days_2_5_beta(province, make_outage):
    """A year of history: a one-hour outage of all three customers every third day (daily SAIDI 60
    minutes, ln constant) plus one of two hours: then a 10-hour storm day in the period is a major
    event day and is left out; a 1-hour day is not."""
    start = date(2025, 2, 1)
    for i in range(0, 390, 3):
        day = start + timedelta(days=i)
        if day >= date(2026, 3, 1):
            break
        hours = 2 if i == 30 else 1
        at = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)
        make_outage(province["feeder"], "fault", at, at + timedelta(hours=hours))
    make_outage(province["feeder"], "fault", local(2026, 3, 2, 8), local(2026, 3, 2, 18))  # the storm
    make_outage(province["feeder"], "fault", local(2026, 3, 3, 8), local(2026, 3, 3, 9))
    now = local(2026, 6, 1)
    report = reliability_report(first=date(2026, 3, 1), last=date(2026, 3, 5), now=now, exclude_med=True)
    med = report["med"]
    assert med["applied"] is True
    assert 60 < med["threshold_minutes"] < 600
    assert med["days"] == [date(2026, 3, 2)]
    assert report["total"]["customer_hours"] == pytest.approx(3)  # the 1-hour day only
    plain = reliability_report(first=date(2026, 3, 1), last=date(2026, 3, 5), now=now)
    assert plain["total"]["customer_hours"] == pytest.approx(33)
    assert plain["med"] is None


def test_rule_Q1_major_event_days_need_a_year_of_history(province, make_outage):
    make_outage(province["feeder"], "fault", local(2026, 1, 5, 8), local(2026, 1, 5, 9))
    make_outage(province["feeder"], "fault", local(2026, 3, 2, 8), local(2026, 3, 2, 18))
    report = reliability_report(first=date(2026, 3, 1), last=date(2026, 3, 5), now=local(2026, 6, 1),
                                exclude_med=True)
    assert report["med"]["applied"] is False
    assert report["total"]["customer_hours"] == pytest.approx(30)
    from griddesk.grid.selectors import served_groups
    from griddesk.quality.selectors import Period
    assert major_event_days(Period(date(2026, 3, 1), date(2026, 3, 5)), groups=served_groups(),
                            now=local(2026, 6, 1))["history_days"] == 1


# ----------------------------------------------------------------------


def test_rule_Q2_planned_outages_over_the_yearly_limit_are_listed(province, make_outage):
    tx2 = province["tx2"]
    Customer.objects.create(account_no="2000000001", name="化工厂", phone="1", address="a", transformer=tx2,
                            supply_voltage="35kV", zone="rural", org=province["station"])
    Customer.objects.create(account_no="2000000002", name="水泥厂", phone="2", address="b", transformer=tx2,
                            supply_voltage="10kV", zone="rural", org=province["station"])
    make_outage(province["feeder"], "planned", local(2026, 3, 1, 8), local(2026, 3, 1, 10))
    make_outage(tx2, "planned", local(2026, 5, 1, 8), local(2026, 5, 1, 10))
    make_outage(province["sub"], "planned", local(2026, 7, 1, 8), local(2026, 7, 1, 10))
    make_outage(tx2, "planned", local(2026, 8, 1, 8), None, state=OutageState.CANCELLED)  # not counted
    make_outage(tx2, "planned", local(2025, 8, 1, 8), local(2025, 8, 1, 9))  # another year
    make_outage(tx2, "fault", local(2026, 8, 1, 8), local(2026, 8, 1, 9))  # not planned
    found = planned_outage_counts(year=2026)
    assert found["customers_checked"] == 2
    assert [(r["account_no"], r["planned_outages"], r["limit"]) for r in found["over_limit"]] == [
        ("2000000001", 3, 1)]  # the 10 kV customer's 3 are within its limit of 3
    make_outage(province["feeder"], "planned", local(2026, 9, 1, 8), local(2026, 9, 1, 10))
    assert [r["account_no"] for r in planned_outage_counts(year=2026)["over_limit"]] == ["2000000001", "2000000002"]


def test_rule_Q3_share_published_in_time_and_the_late_ones_with_reasons(province, make_outage):
    feeder = province["feeder"]
    make_outage(feeder, "planned", local(2026, 3, 10, 8), local(2026, 3, 10, 12), org=province["station"],
                notice_due_at=local(2026, 3, 3, 8), announced_at=local(2026, 3, 1, 8))
    make_outage(feeder, "planned", local(2026, 3, 12, 8), local(2026, 3, 12, 12), org=province["station"],
                notice_due_at=local(2026, 3, 5, 8), announced_at=local(2026, 3, 9, 8), late_reason="设备到货推迟")
    make_outage(feeder, "temporary", local(2026, 3, 14, 8), local(2026, 3, 14, 12), org=province["station"],
                notice_due_at=local(2026, 3, 13, 8), announced_at=local(2026, 3, 13, 7))
    make_outage(feeder, "planned", local(2026, 4, 14, 8), local(2026, 4, 14, 12), org=province["station"],
                notice_due_at=local(2026, 4, 7, 8), announced_at=local(2026, 4, 1, 7))  # outside the period
    found = notice_timeliness(first=date(2026, 3, 1), last=date(2026, 3, 31))
    assert (found["outages"], found["in_time"]) == (3, 2)
    assert found["in_time_percent"] == pytest.approx(66.67)
    assert found["kinds"]["planned"] == {"outages": 2, "in_time": 1, "in_time_percent": 50.0}
    assert found["kinds"]["temporary"]["in_time_percent"] == 100.0
    assert [(o.late_reason) for o in found["late"]] == ["设备到货推迟"]
    other = notice_timeliness(first=date(2026, 3, 1), last=date(2026, 3, 31), org=province["other_city"])
    assert other["outages"] == 0 and other["in_time_percent"] is None
