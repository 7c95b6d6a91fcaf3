"""Rules V-1..V-6: deviation limits at their edges, the voltage import, readings, the rates."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from griddesk.csvimport import ImportFailed
from griddesk.quality.importers import reading_minutes, readings_import, voltage_import
from griddesk.quality.limits import OVER, UNDER, classify, deviation_limits
from griddesk.quality.models import VoltageDay, VoltagePoint
from griddesk.quality.selectors import comprehensive_percent, point_page, voltage_points, voltage_report
from tests.quality.conftest import local

HEADER = ("point_id,point_class,zone,supply_voltage,date,monitored_minutes,over_upper_minutes,"
          "under_lower_minutes\n")


def write(tmp_path, text, name="voltage.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("supply, nominal", [("35kV", 35000), ("110kV", 110000)])
def test_rule_V1_35kV_and_above_deviations_sum_to_10_percent(supply, nominal):
    limits = deviation_limits(supply)
    assert limits.rule == "V-1"
    assert limits.upper_percent + limits.lower_percent == 10
    n = Decimal(nominal)
    assert classify(n * Decimal("1.05"), limits) is None  # on the edge: within
    assert classify(n * Decimal("1.0501"), limits) == OVER
    assert classify(n * Decimal("0.95"), limits) is None
    assert classify(n * Decimal("0.9499"), limits) == UNDER


@pytest.mark.parametrize("supply, nominal", [("10kV", 10000), ("380V", 380)])
def test_rule_V2_10kV_and_below_three_phase_plus_minus_7_percent(supply, nominal):
    limits = deviation_limits(supply)
    assert (limits.rule, limits.upper_percent, limits.lower_percent) == ("V-2", 7, 7)
    n = Decimal(nominal)
    assert classify(n * Decimal("1.07"), limits) is None
    assert classify(n * Decimal("1.0701"), limits) == OVER
    assert classify(n * Decimal("0.93"), limits) is None
    assert classify(n * Decimal("0.9299"), limits) == UNDER


def test_rule_V3_220V_single_phase_plus_7_minus_10():
    limits = deviation_limits("220V")
    assert (limits.rule, limits.upper_volts, limits.lower_volts) == ("V-3", Decimal("235.4"), Decimal("198"))
    assert classify("235.4", limits) is None
    assert classify("235.41", limits) == OVER
    assert classify("198", limits) is None
    assert classify("197.99", limits) == UNDER
    assert classify(220, limits) is None


@pytest.mark.parametrize("supply, nominal", [("220V", 220), ("380V", 380), ("10kV", 10000), ("35kV", 35000)])
def test_rule_V4_abnormal_conditions_plus_minus_10_percent(supply, nominal):
    limits = deviation_limits(supply, abnormal=True)
    assert (limits.rule, limits.upper_percent, limits.lower_percent) == ("V-4", 10, 10)
    n = Decimal(nominal)
    assert classify(n * Decimal("1.10"), limits) is None
    assert classify(n * Decimal("1.1001"), limits) == OVER
    assert classify(n * Decimal("0.90"), limits) is None
    assert classify(n * Decimal("0.8999"), limits) == UNDER


def test_rule_V5_exempt_customer_has_no_limits():
    assert deviation_limits("220V", exempt=True) is None
    assert classify(100, None) is None
    with pytest.raises(ValueError):
        deviation_limits("6kV")


HAND = HEADER + "\n".join([
    # A: 2 points; 1,440 + 1,440 monitored, 20 + 10 out: 99.0%
    "A1,A,urban,10kV,2026-05-01,1440,20,0",
    "A2,A,rural,10kV,2026-05-01,1440,0,10",
    # B: 1,000 monitored, 50 out: 95%
    "B1,B,urban,35kV,2026-05-01,1000,30,20",
    # C: 2,000 monitored, 200 out: 90%
    "C1,C,rural,10kV,2026-05-01,1000,100,0",
    "C1,C,rural,10kV,2026-05-02,1000,0,100",
    # D: 1,440 monitored, 144 out: 90%
    "D1,D,urban,220V,2026-05-01,1440,0,144",
]) + "\n"


def test_rule_V6_class_zone_and_comprehensive_rates_on_a_hand_computed_file(tmp_path, db):
    result = voltage_import(path=write(tmp_path, HAND))
    assert (result.rows, result.created, result.updated) == (6, 6, 0)
    report = voltage_report(first=date(2026, 5, 1), last=date(2026, 5, 2))
    classes = report["classes"]
    assert classes["A"]["rate_percent"] == pytest.approx(100 * (1 - 30 / 2880), abs=1e-4)
    assert classes["A"]["points"] == 2
    assert classes["B"]["rate_percent"] == pytest.approx(95)
    assert classes["C"]["rate_percent"] == pytest.approx(90)
    assert classes["C"]["monitored_minutes"] == 2000
    assert classes["D"]["rate_percent"] == pytest.approx(90)
    a = 100 * (1 - 30 / 2880)
    assert report["comprehensive_percent"] == pytest.approx(0.5 * a + 0.5 * (95 + 90 + 90) / 3, abs=1e-4)
    urban = report["zones"]["urban"]  # A1, B1, D1: 3,880 monitored, 214 out
    assert urban["rate_percent"] == pytest.approx(100 * (1 - 214 / 3880), abs=1e-4)
    assert (urban["target_percent"], urban["meets_target"]) == (95.0, False)  # 94.48%
    rural = report["zones"]["rural"]  # A2, C1: 3,440 monitored, 210 out
    assert rural["rate_percent"] == pytest.approx(100 * (1 - 210 / 3440), abs=1e-4)
    assert (rural["target_percent"], rural["meets_target"]) == (90.0, True)  # 93.90%
    one_day = voltage_report(first=date(2026, 5, 2), last=date(2026, 5, 2))
    assert list(one_day["classes"]) == ["C"] and one_day["classes"]["C"]["rate_percent"] == pytest.approx(90)
    assert one_day["comprehensive_percent"] is None  # no A in the selection


def test_rule_V6_comprehensive_uses_the_classes_present():
    assert comprehensive_percent({"A": 100.0, "D": 90.0}) == 95.0
    assert comprehensive_percent({"B": 90.0}) is None


def test_rule_V5_exempt_points_leave_the_rates(tmp_path, db):
    voltage_import(path=write(tmp_path, HAND))
    VoltagePoint.objects.filter(point_id="D1").update(exempt=True)
    report = voltage_report(first=date(2026, 5, 1), last=date(2026, 5, 2))
    assert "D" not in report["classes"]
    assert [p["point_id"] for p in voltage_points(first=date(2026, 5, 1), last=date(2026, 5, 2))] == \
        ["A1", "A2", "B1", "C1"]


def test_voltage_import_is_idempotent_and_updates_by_point_and_date(tmp_path, db):
    voltage_import(path=write(tmp_path, HAND))
    again = voltage_import(path=write(tmp_path, HAND))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    changed = voltage_import(path=write(tmp_path, HEADER + "A1,A,urban,10kV,2026-05-01,1440,0,0\n", "b.csv"))
    assert (changed.created, changed.updated) == (0, 1)
    assert VoltageDay.objects.get(point__point_id="A1").over_upper_minutes == 0
    assert VoltageDay.objects.count() == 6


@pytest.mark.parametrize("row, column, words", [
    ("A1,A,urban,10kV,2026-05-01,100,60,50", "over_upper_minutes", "多于监测时间"),
    ("A1,A,urban,10kV,2026-05-01,100,-1,0", "over_upper_minutes", "负数"),
    ("A1,A,urban,10kV,2026-05-01,1441,0,0", "monitored_minutes", "1440"),
    ("A1,E,urban,10kV,2026-05-01,100,0,0", "point_class", "E"),
    ("A1,A,urban,10kV,2026-5-1,100,0,0", "date", "YYYY-MM-DD"),
    ("A1,A,city,10kV,2026-05-01,100,0,0", "zone", "city"),
])
def test_voltage_import_refuses_a_bad_row_naming_its_line_and_writes_nothing(tmp_path, db, row, column, words):
    text = HEADER + "B9,B,urban,35kV,2026-05-01,1440,0,0\n" + row + "\n"
    with pytest.raises(ImportFailed) as failure:
        voltage_import(path=write(tmp_path, text))
    lines = failure.value.errors.lines()
    assert len(lines) == 1
    assert lines[0].startswith("voltage.csv:3: ")
    assert column in lines[0] and words in lines[0]
    assert VoltagePoint.objects.count() == 0 and VoltageDay.objects.count() == 0


def test_voltage_import_refuses_a_point_and_date_twice(tmp_path, db):
    text = HEADER + "A1,A,urban,10kV,2026-05-01,100,0,0\nA1,A,urban,10kV,2026-05-01,100,0,0\n"
    with pytest.raises(ImportFailed) as failure:
        voltage_import(path=write(tmp_path, text))
    assert "voltage.csv:3" in failure.value.errors.lines()[0]


def test_voltage_import_takes_the_org_of_the_customer_or_device_named(tmp_path, province):
    text = HEADER + "1000000001,D,urban,220V,2026-05-01,1440,0,0\nSUB1,A,urban,10kV,2026-05-01,1440,0,0\n"
    voltage_import(path=write(tmp_path, text))
    assert VoltagePoint.objects.get(point_id="1000000001").org == province["station"]
    assert VoltagePoint.objects.get(point_id="SUB1").org == province["county"]


def test_rule_V3_readings_count_minutes_over_and_under_capped_and_split_at_midnight(settings):
    limits = deviation_limits("220V")
    readings = [
        (local(2026, 5, 1, 23, 50), Decimal("220")),   # 10 min within
        (local(2026, 5, 2, 0, 0), Decimal("240")),     # 5 min over
        (local(2026, 5, 2, 0, 5), Decimal("190")),     # 15 min under (capped: next reading 1 h later)
        (local(2026, 5, 2, 1, 20), Decimal("235.4")),  # the last: 15 min within (the cap)
    ]
    assert reading_minutes(readings, limits, cap_minutes=15) == {
        date(2026, 5, 1): (10, 0, 0), date(2026, 5, 2): (35, 5, 15)}
    crossing = [(local(2026, 5, 1, 23, 55), Decimal("250"))]
    assert reading_minutes(crossing, limits, cap_minutes=15) == {
        date(2026, 5, 1): (5, 5, 0), date(2026, 5, 2): (10, 10, 0)}
    assert reading_minutes(crossing, None, cap_minutes=15)[date(2026, 5, 2)] == (10, 0, 0)  # V-5


def test_rule_V2_readings_import_writes_daily_rows(tmp_path, db):
    voltage_import(path=write(tmp_path, HEADER + "C1,C,rural,10kV,2026-05-01,1440,0,0\n"))
    text = ("point_id,time,volts\n"
            "C1,2026-05-01T10:00:00+08:00,10700\n"     # +7%: within
            "C1,2026-05-01T10:15:00+08:00,10701\n"     # over
            "C1,2026-05-01T10:30:00+08:00,9299\n")     # under
    result = readings_import(path=write(tmp_path, text, "r.csv"))
    assert (result.rows, result.updated) == (3, 1)
    day = VoltageDay.objects.get(point__point_id="C1")
    assert (day.monitored_minutes, day.over_upper_minutes, day.under_lower_minutes) == (45, 15, 15)
    again = readings_import(path=write(tmp_path, text, "r.csv"))
    assert again.unchanged == 1


def test_readings_import_refuses_unknown_points_and_bad_values(tmp_path, db):
    text = "point_id,time,volts\nX9,2026-05-01T10:00:00+08:00,220\nX9,2026-05-01 10:05,abc\n"
    with pytest.raises(ImportFailed) as failure:
        readings_import(path=write(tmp_path, text, "r.csv"))
    lines = failure.value.errors.lines()
    assert any("r.csv:3: " in line and "time" in line for line in lines)
    assert any("r.csv:3: " in line and "volts" in line for line in lines)
    assert any("r.csv:2: " in line and "X9" in line for line in lines)
    assert VoltageDay.objects.count() == 0


def test_rule_V6_report_voltage_command_json(tmp_path, db, capsys):
    call_command("import", "voltage", str(write(tmp_path, HAND)))
    capsys.readouterr()
    call_command("report", "voltage", "--from", "2026-05-01", "--to", "2026-05-02", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data["classes"]) == {"A", "B", "C", "D"}
    assert set(data["classes"]["B"]) >= {"rate_percent", "points", "monitored_minutes", "over_upper_minutes",
                                         "under_lower_minutes"}
    assert data["zones"]["urban"]["target_percent"] == 95.0
    assert data["comprehensive_percent"] == pytest.approx(
        0.5 * 100 * (1 - 30 / 2880) + 0.5 * (95 + 90 + 90) / 3, abs=1e-3)


def test_rule_V1_point_page_shows_limits_and_daily_rates(tmp_path, db):
    voltage_import(path=write(tmp_path, HAND))
    page = point_page(point_id="C1", first=date(2026, 5, 1), last=date(2026, 5, 31))
    assert page["limits"].rule == "V-2"
    assert [d.rate_percent for d in page["days"]] == [90.0, 90.0]
    assert page["total"]["rate_percent"] == pytest.approx(90)
    assert point_page(point_id="nope", first=date(2026, 5, 1), last=date(2026, 5, 31)) is None


def test_rule_V6_voltage_report_is_a_fixed_number_of_queries(tmp_path, db, django_assert_max_num_queries):
    voltage_import(path=write(tmp_path, HAND))
    with django_assert_max_num_queries(5):  # by class, zone and org; the units' paths and names
        voltage_report(first=date(2026, 5, 1), last=date(2026, 5, 2))


def test_rule_V6_units_roll_up_to_the_children_of_the_unit_asked_for(province):
    """As the reliability report does: a province's figures by city, a city's by county; the unit's
    own points under itself."""
    day = date(2026, 5, 1)
    for point_id, org, over in (("S1", "station", 10), ("S2", "county", 20), ("O1", "other_city", 30),
                                ("C1", "city", 40)):
        point = VoltagePoint.objects.create(point_id=point_id, point_class="D", zone="urban", supply_voltage="220V",
                                            org=province[org])
        VoltageDay.objects.create(point=point, date=day, monitored_minutes=1000, over_upper_minutes=over,
                                  under_lower_minutes=0)
    orgs = voltage_report(first=day, last=day)["orgs"]
    assert {code: (e["points"], e["over_upper_minutes"]) for code, e in orgs.items()} == {
        "P01": (3, 70), "P02": (1, 30)}
    assert orgs["P01"]["name"] == "青州供电公司" and orgs["P01"]["rate_percent"] == pytest.approx(100 * (1 - 70 / 3000))
    city = voltage_report(first=day, last=day, org=province["city"])["orgs"]
    assert {code: e["points"] for code, e in city.items()} == {"P01": 1, "P0101": 2}
