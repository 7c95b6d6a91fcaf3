"""The demo province's year of outages and voltage monitoring (quality.demo)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.audit.models import AuditHead
from griddesk.outages.models import OutageEvent, OutageSource
from griddesk.quality.models import VoltageDay, VoltagePoint
from griddesk.quality.selectors import notice_timeliness, planned_outage_counts, reliability_report, voltage_report
from tests.demo.conftest import demo  # noqa: F401  (module fixture: 2,000 customers, seed 1)

pytestmark = pytest.mark.django_db


def _year():
    today = timezone.localdate()
    return today - timedelta(days=365), today - timedelta(days=1)


def test_rule_Q1_demo_year_of_outages_gives_plausible_indices(demo):  # noqa: F811
    first, last = _year()
    report = reliability_report(first=first, last=last)
    total = report["total"]
    assert total["customers_served"] == 2000
    assert 0.5 < total["saifi"] < 10
    assert 0.5 < total["saidi"] < 40
    assert 99.0 < total["asai_percent"] < 100
    assert total["momentary_outages"] > 0
    assert all(report["kinds"][k]["customer_interruptions"] > 0 for k in ("planned", "temporary", "fault"))
    imported = OutageEvent.objects.filter(source=OutageSource.IMPORT)
    assert imported.count() > 100
    assert AuditHead.objects.filter(stream=f"outages.outageevent:{imported.first().pk}").exists()


def test_rule_Q2_Q3_demo_has_limits_exceeded_and_late_notices(demo):  # noqa: F811
    first, last = _year()
    timely = notice_timeliness(first=first, last=last)
    assert timely["outages"] > 10
    assert 80 < timely["in_time_percent"] < 100
    assert all(o.late_reason for o in timely["late"])
    assert planned_outage_counts(year=last.year)["customers_checked"] > 0


def test_rule_V6_demo_voltage_points_of_every_class_for_a_year(demo):  # noqa: F811
    assert set(VoltagePoint.objects.values_list("point_class", flat=True)) == {"A", "B", "C", "D"}
    assert VoltageDay.objects.count() == 365 * VoltagePoint.objects.count()
    first, last = _year()
    report = voltage_report(first=first, last=last)
    assert set(report["classes"]) == {"A", "B", "C", "D"}
    assert report["classes"]["A"]["rate_percent"] > report["classes"]["D"]["rate_percent"] > 80
    assert 90 < report["comprehensive_percent"] < 100
