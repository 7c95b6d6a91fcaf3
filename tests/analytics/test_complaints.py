"""Complaint analysis (rules A-1, A-2), places, trend and hot spots on the July fixture."""

import pytest

from griddesk.analytics import hotspots, selectors
from griddesk.analytics.periods import Period, Scope
from griddesk.analytics.streets import street_of

JULY = Period.month("2026-07")


@pytest.fixture
def scope(month):
    return Scope.of(month["root"])


def test_rule_A1_complaints_by_branch_and_2014_class(month, scope):
    table = selectors.complaints_by_category(scope, JULY)
    assert table.values() == [["A-1", "服务态度", 3, 0.6], ["A-1", "供电质量", 1, 0.2], ["2014版", "服务", 1, 0.2]]


def test_rule_A2_complaints_by_cause_open_ones_not_yet_found(month, scope):
    got = {row[0]: row[1] for row in selectors.complaints_by_cause(scope, JULY).values()}
    assert got == {"工作人员服务态度": 3, "工作人员业务知识和技能": 1, "客户不了解法律法规和办事程序": 0,
                   "供电质量与停电": 0, "客户自身性格原因": 0, "尚未认定": 1}


def test_complaints_by_unit_transformer_and_street(month, scope):
    assert selectors.complaints_by_org(scope, JULY).values() == [["青州供电公司", 4], ["云岭供电公司", 1]]
    assert selectors.complaints_by_transformer(scope, JULY).values() == [
        ["T1", "幸福小区1号台区", 3], ["T2", "东关村台区", 1]]
    assert selectors.complaints_by_street(scope, JULY).values() == [["临河县城关镇幸福路", 3], ["临河县东关村", 1]]


def test_street_is_the_address_up_to_its_road_or_village_word():
    assert street_of("临河县城关镇幸福路1号") == "临河县城关镇幸福路"
    assert street_of("临河县东关村3组") == "临河县东关村"
    assert street_of("青州市解放大道88号") == "青州市解放大道"
    assert street_of("  ") == ""


def test_trend_and_month_on_month_change(month, scope):
    trend = selectors.complaints_trend(scope, JULY, months=3)
    assert trend.values() == [["2026-05", 1, None, None], ["2026-06", 1, 0, 0.0], ["2026-07", 5, 4, 4.0]]
    assert selectors.month_on_month(scope, JULY) == (5, 1, 4.0)


def test_poisson_z_score_and_threshold():
    assert hotspots.z_score(3, 0) == 3.0  # no history: the floor of 1
    assert hotspots.z_score(9, 4) == 2.5
    assert hotspots.is_hot(3, 0)
    assert not hotspots.is_hot(2, 0)  # under the minimum count, however new
    assert not hotspots.is_hot(3, 1)  # z = 2
    assert hotspots.is_hot(13, 4)  # z = 4.5


def test_hot_spots_rise_above_their_own_baseline(month, scope):
    spots = {(h.dimension, h.label): (h.count, h.baseline, h.z) for h in hotspots.hot_spots(scope, JULY)}
    # tx1 and its street: 3 in July, none in the six months before: z = 3. The city: 4 against 1 a month.
    assert spots == {("transformer", "幸福小区1号台区"): (3, 0.0, 3.0), ("street", "临河县城关镇幸福路"): (3, 0.0, 3.0),
                     ("org", "青州供电公司"): (4, 1.0, 3.0)}
    # 服务态度 had 3 in July against 1 a month before: z = 2, not a hot spot
    assert ("category", "服务态度") not in spots
    # with a lower threshold it is, and the minimum count still keeps 1-complaint areas out
    lower = {(h.dimension, h.label) for h in hotspots.hot_spots(scope, JULY, threshold=2.0)}
    assert ("category", "服务态度") in lower and ("transformer", "东关村台区") not in lower


def test_hot_spot_table_links_to_its_complaints(month, scope):
    table, spots = hotspots.hot_spots_table(scope, JULY)
    assert len(table.rows) == len(spots) == 3
    assert {tuple(sorted(row[2].link.items())) for row in table.rows} == {
        (("transformer", month["tx1"].pk), ("type", "complaint")),
        (("street", "临河县城关镇幸福路"), ("type", "complaint")),
        (("org", "P01"), ("type", "complaint"))}


def test_periods_before_the_history_are_not_zero_baselines(month, scope):
    """A city whose earlier complaints all belong elsewhere has no baseline period with data: no hot spot."""
    from griddesk.orders.models import WorkOrder

    WorkOrder.objects.filter(accepted_at__lt=JULY.start).update(org=month["other_city"])
    city = Scope.of(month["city"])
    assert hotspots.hot_spots(city, JULY) == []
    # the province still has its six months of history: three hot spots (the city now against a zero baseline)
    assert len(hotspots.hot_spots(scope, JULY)) == 3
