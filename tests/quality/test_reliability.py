"""Rule Q-1: reliability indices against hand-computed cases and published figures."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from griddesk.outages.models import OutageState
from griddesk.quality.selectors import Tally, outages_behind, outages_described, reliability_report
from tests.quality.conftest import local

DAY = date(2026, 3, 1)


@pytest.fixture
def day_of_outages(province, make_outage):
    """Four outages around 2026-03-01 (local):
    - fault on SW1 (2 urban customers) 02-28 23:00 → 03-01 02:00: 2 h inside the day (clipped at the start);
    - planned on F1 (all 3) 10:00 → 11:30: 1.5 h;
    - momentary on F1 12:00 → 12:03: 3 minutes, below the 5-minute threshold;
    - fault on T1 (2 urban) 23:00 → 03-02 01:00: 1 h inside (clipped at the end).
    """
    make_outage(province["switch"], "fault", local(2026, 2, 28, 23), local(2026, 3, 1, 2))
    make_outage(province["feeder"], "planned", local(2026, 3, 1, 10), local(2026, 3, 1, 11, 30))
    make_outage(province["feeder"], "fault", local(2026, 3, 1, 12), local(2026, 3, 1, 12, 3))
    make_outage(province["tx1"], "fault", local(2026, 3, 1, 23), local(2026, 3, 2, 1))
    return province


def test_rule_Q1_hand_computed_day_clips_both_ends_counts_twice_and_sets_momentary_apart(day_of_outages):
    report = reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1))
    total = report["total"]
    assert report["hours"] == 24
    assert total["customers_served"] == 3
    assert total["customer_interruptions"] == 7  # 2 + 3 + 2: the urban customers are out three times each
    assert total["customer_hours"] == pytest.approx(10.5)  # 2·2 + 1.5·3 + 1·2
    assert total["saifi"] == pytest.approx(7 / 3, abs=1e-6)
    assert total["saidi"] == pytest.approx(3.5)
    assert total["caidi"] == pytest.approx(1.5)
    assert total["asai_percent"] == pytest.approx(100 * (1 - 10.5 / 72), abs=1e-6)
    assert total["momentary_outages"] == 1
    assert total["momentary_interruptions"] == 3
    assert total["maifi"] == pytest.approx(1.0)
    urban, rural = report["zones"]["urban"], report["zones"]["rural"]
    assert (urban["customers_served"], urban["customer_interruptions"], urban["customer_hours"]) == (2, 6, 9)
    assert urban["saidi"] == pytest.approx(4.5)
    assert urban["target_percent"] == 99.89 and urban["meets_target"] is False
    assert (rural["customers_served"], rural["customer_interruptions"], rural["customer_hours"]) == (1, 1, 1.5)
    assert rural["target_percent"] == 99.0
    assert report["zones"]["remote"]["customers_served"] == 0
    assert report["zones"]["remote"]["target_percent"] is None
    assert report["kinds"]["fault"]["customer_interruptions"] == 4
    assert report["kinds"]["fault"]["customer_hours"] == pytest.approx(6)
    assert report["kinds"]["planned"]["customer_hours"] == pytest.approx(4.5)
    assert report["kinds"]["temporary"]["customer_interruptions"] == 0


def test_rule_Q1_momentary_threshold_is_configurable(day_of_outages):
    report = reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1), momentary_minutes=2)
    assert report["total"]["customer_interruptions"] == 10  # the 3-minute outage now counts
    assert report["total"]["customer_hours"] == pytest.approx(10.5 + 3 * 3 / 60)
    assert report["total"]["momentary_interruptions"] == 0


def test_rule_Q1_zone_filter_and_org_split(day_of_outages):
    report = reliability_report(first=DAY, last=DAY, zone="rural", now=local(2026, 6, 1))
    assert report["total"]["customers_served"] == 1
    assert report["total"]["customer_hours"] == pytest.approx(1.5)
    assert list(report["zones"]) == ["rural"]
    report = reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1))
    assert report["orgs"]["P01"]["customers_served"] == 3  # all customers belong under the city P01
    assert report["orgs"]["P01"]["customer_hours"] == pytest.approx(10.5)
    inside = reliability_report(first=DAY, last=DAY, org=day_of_outages["other_city"], now=local(2026, 6, 1))
    assert inside["total"]["customers_served"] == 0
    assert inside["total"]["customer_interruptions"] == 0


def test_rule_Q1_uncounted_states_cancelled_predicted_merged(province, make_outage):
    kept = make_outage(province["feeder"], "fault", local(2026, 3, 1, 10), local(2026, 3, 1, 11))
    make_outage(province["feeder"], "planned", local(2026, 3, 1, 10), local(2026, 3, 1, 11),
                state=OutageState.CANCELLED)
    make_outage(province["feeder"], "fault", local(2026, 3, 1, 10), None, state=OutageState.PREDICTED)
    make_outage(province["feeder"], "fault", local(2026, 3, 1, 10), local(2026, 3, 1, 11), merged_into=kept)
    report = reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1))
    assert report["total"]["customer_interruptions"] == 3
    assert report["total"]["customer_hours"] == pytest.approx(3)


def test_rule_Q1_an_active_outage_counts_until_now(province, make_outage):
    make_outage(province["tx2"], "fault", local(2026, 3, 1, 20), None, state=OutageState.ACTIVE)
    report = reliability_report(first=DAY, last=DAY, now=local(2026, 3, 1, 22))
    assert report["total"]["customer_hours"] == pytest.approx(2)
    later = reliability_report(first=DAY, last=DAY + timedelta(days=1), now=local(2026, 3, 2, 6))
    assert later["total"]["customer_hours"] == pytest.approx(10)


def test_rule_Q1_published_figures():
    """224,747 customer-hours over 24,102 customers: SAIDI 9.32 h; 224,651 interruptions over
    137,874 customers: SAIFI 1.63."""
    saidi = Tally(customers_served=24102, customer_interruptions=1, customer_seconds=224747 * 3600).indices(8760)
    assert round(saidi["saidi"], 2) == 9.32
    saifi = Tally(customers_served=137874, customer_interruptions=224651).indices(8760)
    assert round(saifi["saifi"], 2) == 1.63


def test_rule_Q1_drill_down_lists_the_outages_behind_a_figure(day_of_outages):
    rows = outages_behind(first=DAY, last=DAY, now=local(2026, 6, 1))
    assert len(rows) == 3  # the momentary one apart
    assert sum(r["customer_hours"] for r in rows) == pytest.approx(10.5)
    assert [r["momentary"] for r in outages_behind(first=DAY, last=DAY, momentary=True, now=local(2026, 6, 1))] \
        == [True]
    rural = outages_behind(first=DAY, last=DAY, zone="rural", now=local(2026, 6, 1))
    assert [(r["device_id"], r["customers"]) for r in rural] == [(day_of_outages["feeder"].pk, 1)]
    [described] = outages_described([rural[0]["pk"]]).values()
    assert (described.device.device_id, described.kind) == ("F1", "planned")
    assert [r["hours"] for r in rows] == pytest.approx([1, 1.5, 2])  # newest first, clipped to the day


def test_rule_Q1_report_is_a_fixed_number_of_queries(day_of_outages, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1))


def test_rule_Q1_report_command_json(day_of_outages, capsys):
    import json

    call_command("report", "reliability", "--from", "2026-03-01", "--to", "2026-03-01", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == "2026-03-01" and data["to"] == "2026-03-01"
    assert set(data["zones"]) == {"urban", "rural", "remote"}
    assert set(data["kinds"]) == {"planned", "temporary", "fault"}
    for key in ("customers_served", "customer_interruptions", "customer_hours", "saifi", "saidi", "caidi",
                "asai_percent"):
        assert key in data["total"]
    assert data["total"]["customer_hours"] == pytest.approx(10.5)


def test_rule_Q1_report_command_refuses_bad_dates(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026-13-01"):
        call_command("report", "reliability", "--from", "2026-13-01", "--to", "2026-03-01")
    with pytest.raises(CommandError, match="--to"):
        call_command("report", "reliability", "--from", "2026-03-02", "--to", "2026-03-01")


def test_rule_Q1_report_command_text_names_targets_q2_and_q3(day_of_outages, capsys):
    call_command("report", "reliability", "--from", "2026-03-01", "--to", "2026-03-01")
    out = capsys.readouterr().out
    assert "85.4167%" in out  # ASAI of the day
    assert "99.8900%" in out  # the urban target
    assert "Q-2" in out and "Q-3" in out


def test_rule_Q1_customers_served_follow_every_change_at_once(day_of_outages):
    """The counts behind NT and Ni are the database's own (customers/served.py): a customer added,
    moved to another transformer or zone, or deleted shows in the next report, with no cache."""
    from griddesk.customers.models import Customer

    def served():
        report = reliability_report(first=DAY, last=DAY, now=local(2026, 6, 1))
        return report["total"]["customers_served"], report["zones"]["rural"]["customers_served"]

    assert served() == (3, 1)
    Customer.objects.create(account_no="1000000009", name="新户", phone="1", address="a",
                            transformer=day_of_outages["tx2"], supply_voltage="220V", zone="rural")
    assert served() == (4, 2)
    Customer.objects.filter(account_no="1000000009").update(zone="urban")
    assert served() == (4, 1)
    Customer.objects.filter(account_no="1000000009").delete()
    assert served() == (3, 1)


def test_rule_Q1_the_monthly_report_carries_the_month_s_reliability_and_voltage(day_of_outages):
    """The monthly compliance report (analytics) prints the quality app's figures for its org and month."""
    from griddesk.analytics.periods import Period, Scope
    from griddesk.analytics.report import SECTION_PROVIDERS, monthly_report_html

    sections = {section.key: section for section in SECTION_PROVIDERS}
    scope, month = Scope.of(day_of_outages["root"]), Period.month("2026-03")
    [table] = sections["reliability"].build(scope, month)
    expected = reliability_report(first=date(2026, 3, 1), last=date(2026, 3, 31), org=day_of_outages["root"])
    total = table.values()[0]
    assert total[1:4] == [3, 7, 12.5] == [expected["total"][k] for k in ("customers_served", "customer_interruptions",
                                                                         "customer_hours")]
    assert total[5] == f"{expected['total']['saidi']:.4f}" == "4.1667"  # 12.5 customer-hours over 3 customers
    [voltage] = sections["voltage"].build(scope, month)
    from griddesk.grid.models import Zone

    # no monitoring point in the fixture: one row per zone, nothing monitored, no rate
    assert [row[0] for row in voltage.values()] == [str(label) for label in Zone.labels]
    assert all(row[1:6] == [0, 0, 0, 0, "—"] for row in voltage.values())
    html = monthly_report_html(scope, month)
    assert html.index('id="section-rectification"') < html.index('id="section-reliability"') < html.index(
        'id="section-voltage"')
