"""orders.queries at the edges of its fast query shapes (issue 4, p99 <= 50 ms at 1,000,000 orders).

The deadline-sorted page checks the window on the clock row itself and only asks for another clock when
the soonest one is paused; "mine" is a union of owned and assigned-but-not-owned; the clockless tail and
the window filter look only at the scope's clocks. Each test pins the rows these shapes must still give.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders.models import OrderState
from griddesk.orders.queries import QueueFilters, order_queue


def numbers(page):
    return [row.number for row in page.rows]


def walk(user, filters, limit, now):
    seen, cursor = [], None
    for _ in range(200):
        page = order_queue(user=user, filters=filters, cursor=cursor, limit=limit, now=now)
        seen += numbers(page)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the cursor never ran out")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def clocked(make_order, make_clock, now):
    """Complaints with running clocks at `now + hours` (paused ones marked), accepted in creation order."""

    accepted = iter(range(10**6))

    def make(*clocks, org=None, **fields):
        at = now - timedelta(days=1) + timedelta(seconds=next(accepted))  # accepted in creation order
        order = make_order(order_type="complaint", org=org, accepted_at=at, **fields)
        for i, (hours, paused) in enumerate(clocks):
            make_clock(order, now + timedelta(hours=hours), key=f"K-3/c{i}", paused=paused)
        return order

    return make


@pytest.mark.parametrize("who", ["supervisor", "county_supervisor"])
def test_overdue_by_deadline_a_paused_soonest_clock_counts_only_through_another_clock(people, clocked, now, who):
    paused_then_late = clocked((-3, True), (-1, False))  # soonest is paused, frozen; the other is overdue
    only_paused = clocked((-2, True))
    late = clocked((-0.5, False))
    paused_then_soon = clocked((-3, True), (2, False))  # nothing overdue that runs
    clocked((5, False))
    user = people[who]

    page = order_queue(user=user, filters=QueueFilters(overdue=True, sort="due_at"), now=now)
    assert numbers(page) == [paused_then_late.number, late.number]
    assert [row.next_clock.key for row in page.rows] == ["K-3/c0", "K-3/c0"]  # the soonest, paused or not
    accepted = order_queue(user=user, filters=QueueFilters(overdue=True), now=now)
    assert sorted(numbers(accepted)) == sorted([paused_then_late.number, late.number])
    assert only_paused.number not in numbers(accepted) and paused_then_soon.number not in numbers(accepted)


@pytest.mark.parametrize("who", ["supervisor", "county_supervisor"])
def test_due_within_counts_a_later_clock_when_the_soonest_is_already_overdue(people, clocked, now, who):
    late_and_soon = clocked((-1, False), (1, False))
    late_only = clocked((-1, False))
    soon = clocked((2, False))
    paused_soon = clocked((1, True))
    clocked((30, False))
    user = people[who]
    expected = [late_and_soon.number, soon.number]

    by_deadline = order_queue(user=user, filters=QueueFilters(due_within_hours=3, sort="due_at"), now=now)
    assert numbers(by_deadline) == expected  # sorted by the soonest running clock, overdue or not
    by_acceptance = order_queue(user=user, filters=QueueFilters(due_within_hours=3), now=now)
    assert numbers(by_acceptance) == expected
    assert late_only.number not in numbers(by_acceptance) and paused_soon.number not in numbers(by_acceptance)
    either = order_queue(user=user, filters=QueueFilters(overdue=True, due_within_hours=3, sort="due_at"), now=now)
    assert numbers(either) == [late_and_soon.number, late_only.number, soon.number]


def test_county_scope_sees_only_its_clocks_and_its_clockless_orders_once(people, province, clocked, now):
    inside = [clocked((h, False)) for h in (3, -1, 1)]
    inside_clockless = [clocked() for _ in range(3)]
    outside = [clocked((h, False), org=province["other_city"]) for h in (-2, 0.5)]
    clocked(org=province["other_city"])
    user = people["county_supervisor"]
    expected = [inside[1].number, inside[2].number, inside[0].number] + [o.number for o in inside_clockless]
    for limit in (1, 2, 3, 4, 25):
        assert walk(user, QueueFilters(sort="due_at"), limit, now) == expected, limit
    assert numbers(order_queue(user=user, filters=QueueFilters(overdue=True), now=now)) == [inside[1].number]
    assert outside[0].number in numbers(order_queue(user=people["supervisor"], filters=QueueFilters(
        overdue=True), now=now))


@pytest.mark.parametrize("sort", ["accepted_at", "-accepted_at", "due_at"])
def test_mine_is_owned_or_assigned_each_once_in_order_across_pages(people, make_order, make_clock, now, sort):
    me, other = people["agent"], people["leader"]
    at = now - timedelta(hours=5)
    made = []
    for i in range(12):  # ties on accepted_at; owned, assigned, both, neither
        owner, assignee = [(me, None), (other, me), (me, me), (other, None)][i % 4]
        state = OrderState.ARCHIVED if i % 5 == 4 else OrderState.ACCEPTED
        order = make_order(order_type="complaint", accepted_at=at + timedelta(minutes=i // 3), owner=owner,
                           assignee=assignee, state=state)
        due = now + timedelta(hours=(i * 7) % 4 - 1) if i % 3 and state != OrderState.ARCHIVED else None
        if due:
            make_clock(order, due)
        if me in (owner, assignee):
            made.append((order.accepted_at, order.pk, due, order.number))
    if sort == "accepted_at":
        made.sort(key=lambda r: (r[0], r[1]))
    elif sort == "-accepted_at":
        made.sort(key=lambda r: (r[0], r[1]), reverse=True)
    else:
        made.sort(key=lambda r: (r[2] is None, r[2] or now, r[1] if r[2] else 0, r[0], r[1]))
    expected = [r[3] for r in made]
    assert len(expected) == 9
    for limit in (1, 2, 4, 9, 25):
        assert walk(me, QueueFilters(scope="mine", sort=sort), limit, now) == expected, limit


@pytest.mark.parametrize("filters, queries", [
    (QueueFilters(scope="mine"), 3),  # the owned and assigned halves in one UNION ALL, rows, next clocks
    (QueueFilters(scope="mine", state="open", sort="-accepted_at"), 3),
    (QueueFilters(scope="crew", sort="-accepted_at"), 4),  # + the user's crews
    (QueueFilters(overdue=True, sort="due_at"), 3),  # org subtree, soonest clocks, rows
    (QueueFilters(due_within_hours=24), 4),  # org subtree, page keys, rows, next clocks
    (QueueFilters(scope="handling", state="open"), 4),
])
def test_queue_shapes_cost_a_fixed_number_of_queries(people, province, make_order, make_clock, now,
                                                     django_assert_num_queries, filters, queries):
    user = people["county_supervisor"]
    user.crews.add(people["crew"])
    for i in range(60):  # 30 overdue, 30 due within 5 hours
        order = make_order(order_type="complaint", owner=user if i % 2 else None, assignee=user if i % 3 else None,
                           crew=people["crew"], handling_org=people["marketing"])
        make_clock(order, now + timedelta(minutes=i * 10 - 300))
    user.role_codes()  # asked once per request by every view (the API's token brings them along)
    with django_assert_num_queries(queries):
        page = order_queue(user=user, filters=filters, now=now)
        for row in page.rows:
            str(row.customer), str(row.org), str(row.assignee), row.next_clock
    assert len(page.rows) == 25
