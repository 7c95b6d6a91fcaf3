"""orders.queries: QueueFilters and order_queue (工单队列), issue 4 "Queues"."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.orders.models import OrderState
from griddesk.orders.queries import QueueFilters, order_queue


def numbers(page):
    return [row.number for row in page.rows]


def walk(user, filters, limit):
    """Every page of a queue by cursor: (numbers in order, number of pages)."""
    seen, cursor, pages = [], None, 0
    while True:
        page = order_queue(user=user, filters=filters, cursor=cursor, limit=limit)
        seen += numbers(page)
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor
        assert pages < 1000


# ---------------------------------------------------------------- parameters


def test_from_params_reads_every_filter():
    filters = QueueFilters.from_params({
        "scope": "handling", "order_type": "complaint", "state": "open", "category": "Q-ROOT",
        "org": "P0101", "overdue": "1", "due_within_hours": "4", "sort": "due_at",
    })
    assert filters == QueueFilters(scope="handling", order_type="complaint", state="open", category="Q-ROOT",
                                   org="P0101", overdue=True, due_within_hours=4, sort="due_at")


def test_from_params_defaults_apply_only_to_missing_parameters():
    filters = QueueFilters.from_params({"sort": "accepted_at"}, scope="mine", state="open", sort="due_at")
    assert (filters.scope, filters.state, filters.sort) == ("mine", "open", "accepted_at")


@pytest.mark.parametrize("params, bad", [
    ({"order_type": "pizza"}, "order_type"),
    ({"state": "sleeping"}, "state"),
    ({"sort": "number"}, "sort"),
    ({"scope": "everyone"}, "scope"),
    ({"overdue": "maybe"}, "overdue"),
    ({"due_within_hours": "soon"}, "due_within_hours"),
    ({"due_within_hours": "0"}, "due_within_hours"),
    ({"due_within_hours": "99999"}, "due_within_hours"),
])
def test_from_params_names_the_bad_parameter(params, bad):
    with pytest.raises(ValidationError) as error:
        QueueFilters.from_params(params)
    assert list(error.value.message_dict) == [bad]


def test_to_params_round_trips():
    filters = QueueFilters(scope="crew", state="open", overdue=True, due_within_hours=3, sort="-accepted_at")
    assert QueueFilters.from_params(filters.to_params()) == filters


# ---------------------------------------------------------------- scope


def test_scope_org_is_the_users_subtree(people, province, make_order):
    inside = make_order(org=province["station"])
    county_level = make_order(org=province["county"])
    outside = make_order(org=province["other_city"])
    dispatcher = people["dispatcher"]  # county
    got = numbers(order_queue(user=dispatcher, filters=QueueFilters()))
    assert sorted(got) == sorted([inside.number, county_level.number])
    assert outside.number not in got
    everything = numbers(order_queue(user=people["supervisor"], filters=QueueFilters()))  # province
    assert sorted(everything) == sorted([inside.number, county_level.number, outside.number])


def test_scope_org_of_a_user_without_org_is_empty(make_staff, make_order):
    make_order()
    nobody = make_staff("nobody", None, "agent")
    assert order_queue(user=nobody, filters=QueueFilters()).rows == []


def test_scope_mine_is_owner_or_assignee(people, make_order):
    agent, other = people["agent"], people["leader"]
    owned = make_order(owner=agent)
    assigned = make_order(owner=other, assignee=agent)
    make_order(owner=other)
    got = numbers(order_queue(user=agent, filters=QueueFilters(scope="mine")))
    assert sorted(got) == sorted([owned.number, assigned.number])


def test_scope_handling_is_the_department_subtree(people, province, make_order):
    forwarded = make_order(order_type="complaint", handling_org=people["marketing"])
    make_order(order_type="complaint")  # not forwarded
    make_order(order_type="complaint", handling_org=province["other_city"])
    got = numbers(order_queue(user=people["handler"], filters=QueueFilters(scope="handling")))
    assert got == [forwarded.number]


def test_scope_crew_is_the_users_crews(people, province, make_order):
    from griddesk.orgs.models import Crew

    other_crew = Crew.objects.create(code="C9", name="别的班", org=province["station"])
    ours = make_order(order_type="repair", crew=people["crew"])
    make_order(order_type="repair", crew=other_crew)
    got = numbers(order_queue(user=people["lineman"], filters=QueueFilters(scope="crew")))
    assert got == [ours.number]


# ---------------------------------------------------------------- filters


def test_filter_type_and_state(people, make_order):
    complaint = make_order(order_type="complaint", state=OrderState.FORWARDED)
    make_order(order_type="complaint", state=OrderState.ARCHIVED)
    make_order(order_type="repair", state=OrderState.FORWARDED)
    user = people["supervisor"]
    got = numbers(order_queue(user=user, filters=QueueFilters(order_type="complaint", state="forwarded")))
    assert got == [complaint.number]


def test_filter_open_leaves_out_only_archived(people, make_order):
    kept = [make_order(state=state) for state in (OrderState.ACCEPTED, OrderState.RESOLVED, OrderState.VISITED)]
    make_order(state=OrderState.ARCHIVED)
    got = numbers(order_queue(user=people["supervisor"], filters=QueueFilters(state="open")))
    assert sorted(got) == sorted(o.number for o in kept)


def test_filter_category_includes_its_subtree(people, make_order, categories):
    root = make_order(category=categories["root"])
    child = make_order(category=categories["child"])
    grand = make_order(category=categories["grandchild"])
    make_order(category=categories["other"])
    make_order()
    user = people["supervisor"]
    assert sorted(numbers(order_queue(user=user, filters=QueueFilters(category="Q-ROOT")))) == sorted(
        [root.number, child.number, grand.number])
    assert sorted(numbers(order_queue(user=user, filters=QueueFilters(category="Q-CHILD")))) == sorted(
        [child.number, grand.number])
    with pytest.raises(ValidationError, match="找不到分类"):
        order_queue(user=user, filters=QueueFilters(category="NOPE"))


def test_filter_org_within_scope_and_refused_outside(people, province, make_order):
    station_order = make_order(org=province["station"])
    make_order(org=province["county"])
    dispatcher = people["dispatcher"]
    got = numbers(order_queue(user=dispatcher, filters=QueueFilters(org="P010101")))
    assert got == [station_order.number]
    with pytest.raises(ValidationError) as error:
        order_queue(user=dispatcher, filters=QueueFilters(org="P02"))
    assert "不在您的管辖范围内" in error.value.message_dict["org"][0]
    with pytest.raises(ValidationError, match="找不到单位"):
        order_queue(user=dispatcher, filters=QueueFilters(org="NOPE"))


def test_filter_org_narrows_the_mine_scope_too(people, province, make_order):
    agent = people["agent"]
    here = make_order(owner=agent, org=province["station"])
    make_order(owner=agent, org=province["other_city"])
    got = numbers(order_queue(user=agent, filters=QueueFilters(scope="mine", org="P0101")))
    assert got == [here.number]


def test_filter_overdue_and_due_within(people, make_order, make_clock):
    now = timezone.now()
    late = make_order(order_type="complaint")
    make_clock(late, now - timedelta(minutes=5))
    soon = make_order(order_type="complaint")
    make_clock(soon, now + timedelta(hours=2))
    later = make_order(order_type="complaint")
    make_clock(later, now + timedelta(hours=30))
    stopped_late = make_order(order_type="complaint")
    make_clock(stopped_late, now - timedelta(hours=1), stopped=True)
    paused = make_order(order_type="complaint")
    make_clock(paused, now - timedelta(hours=1), paused=True)  # frozen: not counted as overdue
    archived = make_order(order_type="complaint", state=OrderState.ARCHIVED)
    make_clock(archived, now - timedelta(hours=1), stopped=True)  # archiving stops every clock
    user = people["supervisor"]

    def got(**kw):
        return sorted(numbers(order_queue(user=user, filters=QueueFilters(**kw), now=now)))

    assert got(overdue=True) == [late.number]
    assert got(due_within_hours=3) == [soon.number]
    assert got(due_within_hours=48) == sorted([soon.number, later.number])
    assert got(overdue=True, due_within_hours=3) == sorted([late.number, soon.number])
    assert got(overdue=True, sort="due_at") == [late.number]
    assert got(due_within_hours=48, sort="due_at") == sorted([soon.number, later.number])
    assert got(overdue=True, due_within_hours=3, sort="due_at") == sorted([late.number, soon.number])


# ---------------------------------------------------------------- sorting and rows


def test_sort_accepted_at_both_ways_ties_broken_by_id(people, make_order):
    at = timezone.now() - timedelta(hours=1)
    a = make_order(accepted_at=at)
    b = make_order(accepted_at=at)
    c = make_order(accepted_at=at - timedelta(minutes=1))
    d = make_order(accepted_at=at + timedelta(minutes=1))
    user = people["supervisor"]
    assert numbers(order_queue(user=user, filters=QueueFilters(sort="accepted_at"))) == [
        c.number, a.number, b.number, d.number]
    assert numbers(order_queue(user=user, filters=QueueFilters(sort="-accepted_at"))) == [
        d.number, b.number, a.number, c.number]


def test_sort_due_at_soonest_running_clock_first_and_clockless_last(people, make_order, make_clock):
    now = timezone.now()
    two = make_order(order_type="complaint", accepted_at=now - timedelta(hours=5))
    make_clock(two, now + timedelta(hours=9), key="K-3/complaint")
    make_clock(two, now + timedelta(hours=1), key="K-3/complaint-contact")  # its soonest
    late = make_order(order_type="complaint", accepted_at=now - timedelta(hours=1))
    make_clock(late, now - timedelta(hours=2))
    mid = make_order(order_type="complaint", accepted_at=now - timedelta(hours=3))
    make_clock(mid, now + timedelta(hours=3))
    make_clock(mid, now - timedelta(hours=9), key="K-3/complaint-contact", stopped=True)  # stopped: ignored
    none_old = make_order(accepted_at=now - timedelta(hours=8))
    none_new = make_order(accepted_at=now - timedelta(hours=2))
    page = order_queue(user=people["supervisor"], filters=QueueFilters(sort="due_at"))
    assert numbers(page) == [late.number, two.number, mid.number, none_old.number, none_new.number]
    clocks = [(row.next_clock.key if row.next_clock else None) for row in page.rows]
    assert clocks == ["K-3/complaint", "K-3/complaint-contact", "K-3/complaint", None, None]


def test_rows_carry_the_R2_clock_of_a_repair(people, repair):
    order = repair()
    row = order_queue(user=people["dispatcher"], filters=QueueFilters(order_type="repair")).rows[0]
    assert row.number == order.number
    assert (row.next_clock.key, row.next_clock.rule, row.next_clock.label) == (
        "R-2/urban", "R-2", "城区45分钟到达现场")
    assert row.next_clock.due_at - row.next_clock.started_at == timedelta(minutes=45)


# ---------------------------------------------------------------- keyset pagination


@pytest.mark.parametrize("sort", ["accepted_at", "-accepted_at", "due_at"])
def test_keyset_pages_cover_everything_once(people, make_order, make_clock, sort):
    now = timezone.now()
    base = now - timedelta(days=1)
    made = []
    for i in range(23):
        order = make_order(order_type="complaint", accepted_at=base + timedelta(minutes=i // 3))  # ties
        if i % 2:
            make_clock(order, now + timedelta(minutes=(i * 7) % 5))  # ties on due too
        made.append(order.number)
    full = numbers(order_queue(user=people["supervisor"], filters=QueueFilters(sort=sort), limit=100))
    for limit in (1, 2, 5, 11, 23, 24):
        seen, pages = walk(people["supervisor"], QueueFilters(sort=sort), limit)
        assert seen == full, limit
        assert pages == max(1, -(-23 // limit)) + (1 if 23 % limit == 0 and limit < 23 else 0) or pages >= 1
    assert sorted(full) == sorted(made)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(-4, 4)),
                            st.sampled_from(["accepted", "forwarded", "archived"])), min_size=0, max_size=18),
    limit=st.integers(1, 7),
    sort=st.sampled_from(["accepted_at", "-accepted_at", "due_at"]),
)
def test_keyset_property_no_duplicates_no_skips(people, make_order, make_clock, rows, limit, sort):
    """Generated orders with heavy ties: walking the pages gives exactly the expected order."""
    now = timezone.now()
    base = now - timedelta(days=2)
    with transaction.atomic():
        expected = []
        for minute, due, state in rows:
            order = make_order(order_type="complaint", accepted_at=base + timedelta(minutes=minute), state=state)
            if due is not None:  # archiving stops every clock (orders.clocks), as the services do
                make_clock(order, now + timedelta(hours=due), stopped=state == "archived")
            running_due = now + timedelta(hours=due) if due is not None and state != "archived" else None
            expected.append((order.accepted_at, order.pk, running_due, order.number))
        if sort == "accepted_at":
            expected.sort(key=lambda r: (r[0], r[1]))
        elif sort == "-accepted_at":
            expected.sort(key=lambda r: (r[0], r[1]), reverse=True)
        else:
            expected.sort(key=lambda r: (r[2] is None, r[2] or now, r[1] if r[2] else 0, r[0], r[1]))
        seen, _pages = walk(people["supervisor"], QueueFilters(sort=sort), limit)
        assert seen == [r[3] for r in expected]
        transaction.set_rollback(True)


def test_cursor_garbage_and_cursor_of_another_sort_are_refused(people, make_order):
    for _ in range(3):
        make_order()
    user = people["supervisor"]
    cursor = order_queue(user=user, filters=QueueFilters(sort="accepted_at"), limit=1).next_cursor
    assert cursor
    for bad in ("not-a-cursor", "eyJ4IjoxfQ", cursor[:-3]):
        with pytest.raises(ValidationError) as error:
            order_queue(user=user, filters=QueueFilters(), cursor=bad)
        assert list(error.value.message_dict) == ["cursor"]
    with pytest.raises(ValidationError, match="翻页参数无效"):
        order_queue(user=user, filters=QueueFilters(sort="-accepted_at"), cursor=cursor)


# ---------------------------------------------------------------- query counts


@pytest.mark.parametrize("filters", [
    QueueFilters(state="open"),
    QueueFilters(sort="due_at"),
    QueueFilters(scope="mine", sort="-accepted_at"),
    QueueFilters(category="Q-ROOT", overdue=True, due_within_hours=5),
    QueueFilters(scope="crew", sort="due_at"),
])
def test_queries_per_page_are_bounded_and_independent_of_page_size(
    people, make_order, make_clock, categories, filters,
):
    now = timezone.now()
    user = people["county_supervisor"]
    for i in range(30):
        order = make_order(order_type="complaint", category=categories["child"], owner=user,
                           crew=people["crew"], assignee=people["agent"])
        make_clock(order, now + timedelta(minutes=i * 10 - 40))
    user.role_codes()  # asked once per request by every view (rules K-7, K-9: who reads reports)
    counts = []
    for limit in (5, 25):
        with CaptureQueriesContext(connection) as captured:
            page = order_queue(user=user, filters=filters, limit=limit)
            for row in page.rows:  # what a page template touches
                str(row.customer), str(row.org), str(row.assignee), row.next_clock
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 5  # org subtree, category subtree, page, rows, next clocks


def test_due_sort_reaching_clockless_orders_costs_one_query_more(people, make_order, make_clock):
    now = timezone.now()
    for i in range(6):
        order = make_order(order_type="complaint")
        if i < 3:
            make_clock(order, now + timedelta(hours=i))
    user = people["county_supervisor"]
    user.role_codes()  # asked once per request by every view (rules K-7, K-9: who reads reports)
    counts = []
    for limit in (2, 5):  # all clocked; clocked then clockless
        with CaptureQueriesContext(connection) as captured:
            order_queue(user=user, filters=QueueFilters(sort="due_at"), limit=limit)
        counts.append(len(captured))
    assert counts == [3, 4]
