"""Service-level figures (orders, clocks) against direct counts of the July fixture (conftest.month)."""

import pytest

from griddesk.analytics import selectors
from griddesk.analytics.drilldown import count_behind
from griddesk.analytics.periods import Period, Scope
from griddesk.orders.models import SlaClock, WorkOrder

JULY = Period.month("2026-07")


@pytest.fixture
def scope(month):
    return Scope.of(month["root"])


def rows(table):
    """{label column: the other values} of a table, or, for the tables per clock, {clock key: ...}
    (the key is a code: the page shows its rule and label, the key is in the numbers' links)."""
    keyed = {}
    for row in table.rows:
        clock = next((cell.link["clock"] for cell in row if cell.link and "clock" in cell.link), None)
        keyed[clock or row[0].value] = [cell.value for cell in row[1:]]
    return keyed


def linked(table):
    return [(cell.value, cell.link) for row in table.rows for cell in row if cell.link is not None]


def test_sla_compliance_per_clock_key_matches_direct_counts(month, scope):
    table = selectors.sla_compliance(scope, JULY)
    got = rows(table)
    # key: (label, started, met, breached, running, rate)
    assert got["K-3/complaint"][1:] == [4, 1, 2, 1, pytest.approx(1 / 3)]
    shown = {row[0]: row[1] for row in table.values()}  # the rule and the clock's label, no raw key
    assert all("/" not in rule for rule in shown) and "R-2" in shown
    assert got["R-2/urban"][1:] == [2, 1, 1, 0, 0.5]
    assert got["R-2/rural"][1:] == [1, 1, 0, 0, 1.0]
    assert got["R-1/restore-urban"][1:] == [1, 1, 0, 0, 1.0]
    assert sum(r[1] for r in got.values()) == SlaClock.objects.filter(started_at__gte=JULY.start).count()


def test_every_linked_number_is_the_count_of_its_drill_down(month, scope):
    tables = [selectors.sla_compliance(scope, JULY), selectors.repair_times(scope, JULY),
              selectors.complaint_handling(scope, JULY), selectors.satisfaction(scope, JULY),
              selectors.repeat_contacts(scope, JULY), selectors.transfers(scope, JULY),
              selectors.complaints_by_category(scope, JULY), selectors.complaints_by_cause(scope, JULY),
              selectors.complaints_by_org(scope, JULY), selectors.complaints_by_transformer(scope, JULY),
              selectors.complaints_by_street(scope, JULY), selectors.complaints_trend(scope, JULY, months=3)]
    checked = 0
    for table in tables:
        for value, link in linked(table):
            params = dict(link)
            period = JULY
            if "month" in params:
                period = Period.month(params["month"])
            assert count_behind(scope, period, params) == value, (table.name, link)
            checked += 1
    assert checked > 40


def test_rule_R2_repair_times_are_distributions_with_share_within_limit(month, scope):
    got = rows(selectors.repair_times(scope, JULY))
    # R-2/urban took 30 and 60 minutes: nearest-rank median 30, p90 60, mean 45, 1 of 2 within 45 minutes
    assert got["R-2/urban"] == [2, 30.0, 60.0, 45.0, 1, 0.5]
    assert got["R-2/rural"] == [1, 80.0, 80.0, 80.0, 1, 1.0]
    assert got["R-1/restore-urban"] == [1, 120.0, 120.0, 120.0, 1, 1.0]


def test_rule_C12_complaint_reply_and_return_visit_coverage(month, scope):
    table = selectors.complaint_handling(scope, JULY)
    values = [row[1:] for row in table.values()]
    complaints = WorkOrder.objects.filter(order_type="complaint", accepted_at__gte=JULY.start,
                                          accepted_at__lt=JULY.end)
    assert values[0] == [complaints.count(), None] == [5, None]
    assert values[1] == [2, 0.4]  # replied: c1, c2
    assert values[2] == [1, 0.2]  # on time: c1
    assert values[3] == [3, 0.6]  # visited: c1, c2, c4 (unreachable is a visit attempt)
    assert values[4] == [2, 0.4]  # not visited: c3, c5 — short of the 100% target
    assert values[5] == [1, 0.5]  # satisfied of those reached (c1 of c1, c2)


def test_rule_A4_repeat_rate_and_orders_per_fault(month, scope):
    values = [row[1:] for row in selectors.repeat_contacts(scope, JULY).values()]
    assert values[0] == [10, None]  # 5 complaints + 5 repairs in July
    assert values[1] == [1, 0.1]  # r4 repeats r1
    assert values[2] == [11, None]  # r4 took two calls
    assert values[3][0] == 2 and values[4][0] == 1  # two repairs on one outage
    assert values[5][0] == 2.0


def test_rule_K5_transfers_and_bounces_per_department(month, scope):
    got = rows(selectors.transfers(scope, JULY))
    assert got == {"临河县营销部": [2, 3, 1, 1, 0.5]}


def test_scope_of_a_city_leaves_the_other_city_out(month):
    city = Scope.of(month["city"])
    table = selectors.complaints_by_category(city, JULY)
    assert sum(table.column(2)) == 4
    assert sum(selectors.complaints_by_category(Scope.of(month["other_city"]), JULY).column(2)) == 1


def test_sla_compliance_per_unit_rolls_up_to_the_units_under_the_scope(month, scope):
    table = selectors.sla_by_org(scope, JULY)
    # every July clock is the station's (under city P01): 8 started, 4 met, 3 breached (c2, c3, r2)
    assert table.values() == [["青州供电公司", 8, 4, 3, pytest.approx(4 / 7)]]
    county = selectors.sla_by_org(Scope.of(month["county"]), JULY)
    assert county.values() == [["城关供电所", 8, 4, 3, pytest.approx(4 / 7)]]
