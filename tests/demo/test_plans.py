"""The pure planners of the demo province: deterministic, well-formed, in the right proportions."""

import hashlib
import re
from collections import Counter
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from griddesk.demo import names, people
from griddesk.demo.history import TYPE_WEIGHTS, plan_orders
from griddesk.demo.sizes import apportion, transformers_for
from griddesk.grid.models import ALLOWED_PARENT_KINDS, DeviceKind, Zone
from griddesk.orders.models import OrderState, OrderType
from griddesk.orders.workflows import WORKFLOWS
from griddesk.orgs.models import OrgKind, RoleCode

from .conftest import make_plan

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-[2-8]\d{6,7}$")


def digest(plan):
    """A fingerprint of everything a plan says (names, ids, phones, times, steps)."""
    text = repr([plan["province"], plan["staffing"].staff, plan["staffing"].crews, plan["network"],
                 plan["layout"], plan["customers"], plan["calls"], plan["orders"]])
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_seed_gives_byte_for_byte_the_same_province():
    first, second = make_plan(1), make_plan(1)
    assert first["customers"][:50] == second["customers"][:50]
    assert digest(first) == digest(second)


def test_another_seed_gives_another_province():
    one, two = make_plan(1), make_plan(2)
    assert digest(one) != digest(two)
    names_one = {c.name for c in one["customers"]}
    names_two = {c.name for c in two["customers"]}
    assert len(names_one & names_two) < len(names_one) / 2
    assert [c.phone for c in one["customers"][:100]] != [c.phone for c in two["customers"][:100]]
    assert [c.account_no for c in one["customers"][:100]] != [c.account_no for c in two["customers"][:100]]


def test_province_has_cities_counties_stations_and_departments():
    province = make_plan(1)["province"]
    kinds = Counter(o.kind for o in province.orgs)
    assert kinds[OrgKind.PROVINCE] == 1
    assert 5 <= kinds[OrgKind.CITY] <= 8
    assert len({o.code for o in province.orgs}) == len(province.orgs)
    for city in province.cities:
        units = [c for c in province.counties if c.city == city.key]
        assert 2 <= len(units) <= 4
        assert set(city.departments) == {"KF", "YX", "YJ", "DK", "AJ"}
    for county in province.counties:
        assert 2 <= len([s for s in province.stations if s.county == county.key]) <= 5
    keys = set()
    for org in province.orgs:  # parents come first, so paths can be built in one pass
        assert org.parent is None or org.parent in keys
        keys.add(org.key)
    assert {s.zone for s in province.stations} == {Zone.URBAN, Zone.RURAL, Zone.REMOTE}


def test_every_role_has_staff_and_every_station_a_crew():
    plan = make_plan(1)
    staffing, province = plan["staffing"], plan["province"]
    assert set(staffing.by_role) == set(RoleCode.values)
    assert len(staffing.by_role[RoleCode.AGENT]) == 20  # one per 500 customers, at least 20
    assert len({s.username for s in staffing.staff}) == len(staffing.staff)
    assert {s.key for s in province.stations} == set(staffing.crews_of_station)
    for crew in staffing.crews:
        assert 3 <= len(crew.members) <= 5
        assert all(RoleCode.REPAIR_CREW in staffing.staff[m].roles for m in crew.members)
    agents = [staffing.staff[k] for k in staffing.by_role[RoleCode.AGENT]]
    assert [a.username for a in agents[:2]] == ["agent1", "agent2"]
    assert all(a.agent_no for a in agents)  # rule C-4


def test_network_tree_follows_the_topology_rules():
    plan = make_plan(1)
    devices = plan["network"].devices
    by_key = {d.key: d for d in devices}
    assert len({d.device_id for d in devices}) == len(devices)
    for d in devices:
        if d.parent is None:
            assert d.kind == DeviceKind.SUBSTATION
        else:
            assert d.parent < d.key  # parents first
            assert by_key[d.parent].kind in ALLOWED_PARENT_KINDS[d.kind]
    transformers = [d for d in devices if d.kind == DeviceKind.TRANSFORMER]
    assert len(transformers) == transformers_for(2000) == 250
    stations = {s.key for s in plan["province"].stations}
    crews = plan["staffing"].crews
    assert all(t.org in stations and crews[t.crew].org == t.org for t in transformers)
    assert any("kV" in d.name and d.name.endswith("变") for d in devices if d.kind == DeviceKind.SUBSTATION)
    assert all(t.name.endswith("号台区") for t in transformers)
    substations = Counter(d.org for d in devices if d.kind == DeviceKind.SUBSTATION)
    assert {c.key for c in plan["province"].counties} == set(substations)
    assert min(substations.values()) >= 2  # several substations per county


def test_customers_are_realistic_and_unique():
    plan = make_plan(1)
    rows = plan["customers"]
    assert [r.index for r in rows] == list(range(2000))
    assert len({r.account_no for r in rows}) == 2000
    assert all(re.fullmatch(r"3\d{9}", r.account_no) for r in rows)
    assert all(MOBILE.match(r.phone) or LANDLINE.match(r.phone) for r in rows)
    assert sum(bool(MOBILE.match(r.phone)) for r in rows) > 1500
    zones = Counter(r.zone for r in rows)
    assert set(zones) == {Zone.URBAN, Zone.RURAL, Zone.REMOTE}
    voltages = Counter(r.supply_voltage for r in rows)
    assert voltages["220V"] > 0.8 * 2000 and voltages["380V"] > 100 and voltages["10kV"] > 10
    transformers = {t.key: t for t in plan["network"].transformers}
    for r in rows:  # each customer sits on a transformer of its own station, in its zone
        assert transformers[r.transformer].station == r.org
        assert transformers[r.transformer].zone == r.zone
        assert transformers[r.transformer].place in r.address
    surnames = Counter(r.name[0] for r in rows if r.supply_voltage == "220V")
    assert surnames.most_common(1)[0][0] in "王李张"


def test_important_customers_are_about_half_a_percent():
    rows = make_plan(1, customers=20000)["customers"]
    important = [r for r in rows if r.important]
    assert 0.003 * 20000 < len(important) < 0.008 * 20000
    assert len({r.name for r in important}) == len(important)
    assert any("医院" in r.name for r in important) and any("政府" in r.name for r in important)
    assert 0 < sum(r.sensitive for r in rows) < 0.01 * 20000


def test_history_has_every_order_type_in_a_realistic_mix():
    orders = make_plan(1, customers=20000)["orders"]
    types = Counter(o.order_type for o in orders)
    assert set(types) == set(OrderType.values)
    assert types.most_common(1)[0][0] == OrderType.REPAIR
    total = len(orders)
    shares = dict(TYPE_WEIGHTS)
    weight_sum = sum(shares.values())
    for order_type, n in types.items():
        assert abs(n / total - shares[order_type] / weight_sum) < 0.03
    assert Counter(o.channel for o in orders).most_common(1)[0][0] == "hotline"


def test_history_steps_follow_the_workflows_and_end_by_now():
    plan = make_plan(1, customers=20000)
    start, now = plan["start"], plan["start"] + timedelta(days=90, hours=15, minutes=30)
    for order in plan["orders"]:
        assert start <= order.received_at <= order.accepted_at <= now
        state, at = OrderState.ACCEPTED, order.accepted_at
        for step, after in zip(order.steps, order.states, strict=True):
            transition = next(t for t in WORKFLOWS[order.order_type] if t.action == step.action
                              and t.allows(state))
            assert after == (transition.target or state)
            assert at <= step.at <= now
            state, at = after, step.at
    states = Counter(o.state for o in plan["orders"])
    assert states[OrderState.ARCHIVED] > 0.9 * len(plan["orders"])
    assert states[OrderState.ARCHIVED] < len(plan["orders"])  # recent ones are still open
    old = [o for o in plan["orders"] if o.accepted_at < now - timedelta(days=60)]
    assert all(o.state == OrderState.ARCHIVED for o in old if o.order_type != OrderType.APPLICATION)


def test_history_content_does_not_depend_on_the_time_of_day():
    """Built at 09:00 or at 21:00, the orders up to 09:00 are the same (only later ones differ)."""
    plan = make_plan(1, customers=20000)
    start = plan["start"]
    ctx_calls = plan["calls"].calls
    morning_now, evening_now = start + timedelta(days=90, hours=9), start + timedelta(days=90, hours=21)

    def rebuild(now):
        from griddesk.demo.history import Context

        source = plan
        ctx = Context(source["province"], source["staffing"], source["network"], source["layout"],
                      {r.index: r for r in source["customers"]}, _categories(),
                      {o.key: o.code for o in source["province"].orgs},
                      {c.key: c.code for c in source["staffing"].crews})
        return plan_orders(1, ctx_calls, ctx, start=start, now=now)

    morning, evening = rebuild(morning_now), rebuild(evening_now)
    assert len(evening) > len(morning)
    for early, late in zip(morning, evening, strict=False):
        assert (early.accepted_at, early.title, early.owner) == (late.accepted_at, late.title, late.owner)
        assert early.steps == late.steps[:len(early.steps)]


def _categories():
    from .conftest import CATEGORIES

    return CATEGORIES


@given(total=st.integers(0, 10_000), weights=st.lists(st.floats(0, 100), min_size=1, max_size=60),
       minimum=st.integers(0, 3))
def test_apportion_adds_up_and_respects_the_minimum(total, weights, minimum):
    parts = apportion(total, weights, minimum)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert min(parts) >= min(minimum, total // len(weights))


@given(total=st.integers(0, 10_000), weights=st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_apportion_is_proportional_within_one(total, weights):
    parts = apportion(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / weight_sum) < 1


@given(indexes=st.sets(st.integers(0, people.ACCOUNT_SPACE - 1), min_size=2, max_size=200),
       offset=st.integers(0, people.ACCOUNT_SPACE - 1))
def test_account_numbers_never_repeat(indexes, offset):
    numbers = {people.account_no(i, 3, offset) for i in indexes}
    assert len(numbers) == len(indexes)
    assert all(len(n) == 10 and n.startswith("33") for n in numbers)


def test_transformer_count_scales_with_customers():
    assert transformers_for(2000) == 250  # 8 customers each for small provinces
    assert transformers_for(20000) == 2500
    assert transformers_for(100_000) == 3000  # the floor of a few thousand 台区
    assert transformers_for(1_000_000) == 8000  # 125 customers each


def test_name_lists_have_no_duplicates():
    assert len({s for s, _w in names.SURNAMES}) == len(names.SURNAMES)
    given_chars = names.GIVEN_MALE + names.GIVEN_FEMALE + names.GIVEN_SHARED
    assert len(set(given_chars)) == len(given_chars) >= 200
    for pool in (names.STREETS, names.COMPOUNDS, names.COUNTIES, names.TOWNS, names.MOUNTAIN_TOWNS):
        assert len(set(pool)) == len(pool)
