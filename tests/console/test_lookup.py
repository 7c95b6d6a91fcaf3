"""Caller look-up (customers/lookup.py): phone, account, address fragment; scoped; bounded queries."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from griddesk.customers import lookup
from griddesk.customers.lookup import caller_card, caller_lookup, customer_for_caller
from griddesk.customers.models import Contact, Customer
from griddesk.orders.models import Category
from griddesk.outages.models import OutageEvent


def accounts(found):
    return sorted(c.account_no for c in found)


@pytest.mark.parametrize("written", ["13800000002", "138 0000 0002", "138-0000-0002", "+86 138 0000 0002"])
def test_phone_is_normalised_and_found_in_one_query(people, province, written, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = caller_lookup(query=written, user=people["agent"])
    assert accounts(found) == ["1000000002"]
    assert found.kind == "number"


def test_contact_phone_finds_the_customer(people, province):
    Contact.objects.create(customer=province["customers"][2], name="王小强", phone="13900000009")
    assert accounts(caller_lookup(query="139 0000 0009", user=people["agent"])) == ["1000000003"]


def test_account_number_is_exact(people, province, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert accounts(caller_lookup(query=" 1000000003 ", user=people["agent"])) == ["1000000003"]
    assert caller_lookup(query="100000000", user=people["agent"]) == []


def test_lookup_is_scoped_to_the_users_org_subtree(province, outsider, make_staff):
    assert caller_lookup(query="13800000001", user=outsider) == []
    assert caller_lookup(query="幸福路", user=outsider) == []
    assert caller_lookup(query="幸", user=outsider) == []
    station_agent = make_staff("station_agent", province["station"], "agent")
    assert accounts(caller_lookup(query="幸福路", user=station_agent)) == ["1000000001", "1000000002"]


def test_staff_without_org_find_nothing(province, make_staff):
    nobody = make_staff("nobody", None, "agent")
    assert caller_lookup(query="13800000001", user=nobody) == []
    assert caller_lookup(query="幸福路", user=nobody) == []


def test_address_fragment_uses_the_trigram_index(people, province, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = caller_lookup(query="城关镇幸福", user=people["agent"])
    assert accounts(found) == ["1000000001", "1000000002"]
    assert found.kind == "address" and not found.capped
    assert accounts(caller_lookup(query="东关村3组", user=people["agent"])) == ["1000000003"]
    assert caller_lookup(query="不存在的路", user=people["agent"]) == []


def test_address_fragment_with_quotes_and_operators_is_taken_literally(people, province):
    assert caller_lookup(query='幸福"路 OR', user=people["agent"]) == []
    assert caller_lookup(query="幸福路 NOT", user=people["agent"]) == []


def test_short_fragment_is_a_bounded_scan(people, province, django_assert_max_num_queries):
    # PostgreSQL inside the test transaction: savepoint, timeout, query, rollback to and release savepoint
    with django_assert_max_num_queries(5):
        found = caller_lookup(query="东关", user=people["agent"])
    assert accounts(found) == ["1000000003"]
    assert found.kind == "address_short" and not found.cut_off


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _settings():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        return cursor.fetchone()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_address_look_ups_are_not_prepared_statements(people, province):
    # A prepared statement soon gets a generic plan, and for `address LIKE $1` that plan scans the
    # whole table instead of the trigram index (0.45 s at a million customers).
    for _ in range(6):
        for query in ("幸福路", "13800000001"):
            assert caller_lookup(query=query, user=people["agent"])
    prepared = _prepared_statements()
    assert any("customers_contact" in statement for statement in prepared)  # the phone look-up is
    assert not any("LIKE" in statement for statement in prepared)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_short_scan_outside_a_transaction_leaves_the_connection_as_it_was(
        people, province, monkeypatch, django_assert_num_queries):
    before = _settings()
    for _ in range(4):
        caller_lookup(query="13800000001", user=people["agent"])
    with django_assert_num_queries(3):  # the time budget, the scan, the budget back: no transaction
        found = caller_lookup(query="东关", user=people["agent"])
    assert accounts(found) == ["1000000003"] and not found.cut_off
    assert _settings() == before
    # no ROLLBACK was needed, so psycopg kept the connection's prepared statements (griddesk.fastsql)
    assert any("customers_contact" in statement for statement in _prepared_statements())

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(lookup, "_customers", slow)
    found = caller_lookup(query="东关", user=people["agent"])
    assert found == [] and found.cut_off  # stopped by the statement timeout
    assert _settings() == before
    monkeypatch.undo()
    assert accounts(caller_lookup(query="13800000003", user=people["agent"])) == ["1000000003"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
def test_short_scan_cut_off_inside_a_transaction_keeps_it_usable(people, province, monkeypatch):
    before = _settings()

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(lookup, "_customers", slow)
    found = caller_lookup(query="东关", user=people["agent"])
    assert found == [] and found.cut_off  # the savepoint took the error: the test's transaction goes on
    monkeypatch.undo()
    assert accounts(caller_lookup(query="13800000003", user=people["agent"])) == ["1000000003"]
    assert _settings() == before


def test_limit_caps_the_result_and_says_so(people, province):
    found = caller_lookup(query="幸福路", user=people["agent"], limit=1)
    assert len(found) == 1 and found.capped
    found = caller_lookup(query="幸", user=people["agent"], limit=1)
    assert len(found) == 1 and found.capped


def test_address_index_follows_inserts_updates_and_deletes(people, province):
    customer = province["customers"][0]
    customer.address = "临河县城关镇和平街8号"
    customer.save()
    assert accounts(caller_lookup(query="和平街", user=people["agent"])) == ["1000000001"]
    assert accounts(caller_lookup(query="幸福路", user=people["agent"])) == ["1000000002"]
    Customer.objects.bulk_create([
        Customer(account_no="1000000009", name="赵敏", phone="13800000009", address="临河县和平街9号",
                 transformer=province["tx1"], supply_voltage="220V", zone="urban", org=province["station"]),
    ])
    assert accounts(caller_lookup(query="和平街", user=people["agent"])) == ["1000000001", "1000000009"]
    Customer.objects.filter(account_no="1000000009").delete()
    assert accounts(caller_lookup(query="和平街", user=people["agent"])) == ["1000000001"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 triggers")
def test_address_index_triggers_are_restored_after_a_table_rebuild(people, province):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER customers_customer_fts_au")
    assert lookup.address_index_ensure() is True
    assert lookup.address_index_ensure() is False  # all there now
    customer = province["customers"][2]
    customer.address = "临河县西关村5组"
    customer.save()
    assert accounts(caller_lookup(query="西关村", user=people["agent"])) == ["1000000003"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the progress handler is SQLite's")
def test_short_fragment_scan_is_cut_off_when_over_budget(people, province, monkeypatch,
                                                         django_assert_max_num_queries):
    Customer.objects.bulk_create([
        Customer(account_no=f"2{i:09d}", name="客户", phone=f"139{i:08d}", address=f"某县某镇{i}号",
                 transformer=province["tx1"], supply_voltage="220V", zone="urban", org=province["station"])
        for i in range(3000)
    ])
    monkeypatch.setattr(lookup, "SHORT_SCAN_BUDGET_MS", -1000)  # already over budget at the start
    # under query capture (debug cursor) too, which runs a statement of its own after the interruption
    with django_assert_max_num_queries(1):
        found = caller_lookup(query="东关", user=people["agent"])
    assert found == [] and found.cut_off and found.kind == "address_short"
    # the connection is usable afterwards
    assert accounts(caller_lookup(query="13800000003", user=people["agent"])) == ["1000000003"]


def test_empty_query_finds_nothing_without_a_query(people, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert caller_lookup(query="  ", user=people["agent"]) == []


def test_results_come_with_their_org_and_the_orms_values(people, province, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = caller_lookup(query="13800000001", user=people["agent"])
        assert [(c.org.code, c.important, c.sensitive) for c in found] == [("P010101", False, False)]
    customer = found[0]
    assert customer.created_at == province["customers"][0].created_at and customer.created_at.tzinfo is not None
    assert customer.transformer_id == province["tx1"].pk


def test_customer_for_caller_brings_org_and_transformer_in_one_query(people, province, outsider,
                                                                    django_assert_num_queries):
    with django_assert_num_queries(1):
        customer = customer_for_caller(account_no=" 1000000001 ", user=people["agent"])
        assert (customer.org.code, customer.transformer.device_id) == ("P010101", "T1")
    assert customer_for_caller(account_no="1000000001", user=outsider) is None


def test_superuser_finds_customers_without_an_org(province, django_assert_num_queries):
    from griddesk.orgs.models import Staff

    admin = Staff.objects.create_superuser(username="root_admin", password="pw")
    orphan = province["customers"][2]
    Customer.objects.filter(pk=orphan.pk).update(org=None)
    with django_assert_num_queries(1):
        found = caller_lookup(query="13800000003", user=admin)
    assert accounts(found) == ["1000000003"] and found[0].org is None
    assert accounts(caller_lookup(query="东关村", user=admin)) == ["1000000003"]
    assert accounts(caller_lookup(query="东关", user=admin)) == ["1000000003"]
    orphan = customer_for_caller(account_no="1000000003", user=admin)
    assert orphan.org is None
    card = caller_card(customer=orphan, user=admin)  # no org: no storm can cover it
    assert [d.device_id for d in card.supply_path] == ["SUB1", "F1", "T2"] and card.storms == []


def _accept(people, province, *, n, order_type="consultation", customer=0, category=None):
    from griddesk.orders import services

    return [services.order_create(order_type=order_type, channel="hotline", actor=people["agent"],
                                  customer=province["customers"][customer], title="咨询", category=category)
            for _ in range(n)]


def test_caller_card_is_two_queries_whatever_the_history(people, province, django_assert_num_queries):
    now = timezone.now()
    OutageEvent.objects.create(code="O1", kind="planned", device=province["feeder"], cause="线路检修",
                               starts_at=now - timedelta(hours=1), state="active")
    OutageEvent.objects.create(code="O2", kind="fault", device=province["tx2"], cause="别处故障",
                               starts_at=now - timedelta(hours=1), state="active")
    _accept(people, province, n=4)
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    with django_assert_num_queries(2):
        card = caller_card(customer=customer, user=people["agent"])
        assert [o.device.name for o in card.outages] == ["10kV城关线"]  # the device came along
    assert [d.device_id for d in card.supply_path] == ["SUB1", "F1", "SW1", "T1"]
    assert [o.code for o in card.outages] == ["O1"]  # on the path; O2 is on another transformer
    assert len(card.open_orders) == 1  # the repeats are children, archived under the first
    assert len(card.recent_contacts) == 4 and card.repeat_contact
    assert all(o.repeat for o in card.recent_contacts)
    assert card.repeat_matters == [("consultation", None, 4)]
    assert card.storms == []


def test_rule_C9_card_shows_only_active_started_outages_on_the_path_oldest_first(people, province):
    now = timezone.now()
    for code, device, state, started in [
        ("LATER", "tx1", "active", now - timedelta(minutes=10)),
        ("FIRST", "sub", "announced", now - timedelta(hours=2)),
        ("SECOND", "feeder", "active", now - timedelta(hours=1)),
        ("ALSO-ON-FEEDER", "feeder", "active", now - timedelta(minutes=30)),
        ("RESTORED", "switch", "restored", now - timedelta(hours=3)),
        ("NOT-YET", "switch", "announced", now + timedelta(hours=1)),
        ("ELSEWHERE", "tx2", "active", now - timedelta(hours=5)),
    ]:
        OutageEvent.objects.create(code=code, kind="fault", device=province[device], cause="故障",
                                   starts_at=started, state=state)
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    card = caller_card(customer=customer, user=people["agent"], now=now)
    assert [o.code for o in card.outages] == ["FIRST", "SECOND", "ALSO-ON-FEEDER", "LATER"]
    assert [d.device_id for d in card.supply_path] == ["SUB1", "F1", "SW1", "T1"]  # once each
    assert card.outages[0].starts_at == now - timedelta(hours=2) and card.outages[0].device.device_id == "SUB1"


def test_rule_R3_card_shows_storms_in_force_with_their_org_in_one_more_query(people, province,
                                                                           django_assert_num_queries):
    from griddesk.outages.services import storm_declare, storm_lift

    now = timezone.now()
    declare = {"ends_at": now + timedelta(hours=3), "actor": people["dispatcher"]}
    storm_declare(org=province["county"], starts_at=now - timedelta(hours=1), reason="台风", **declare)
    storm_declare(org=province["root"], starts_at=now - timedelta(hours=2), reason="暴雨", **declare)
    storm_declare(org=province["county"], starts_at=now + timedelta(hours=1), reason="未开始", **declare)
    lifted = storm_declare(org=province["county"], starts_at=now - timedelta(hours=1), reason="已解除", **declare)
    storm_lift(storm=lifted, actor=people["dispatcher"])
    storm_declare(org=province["other_city"], starts_at=now - timedelta(hours=1), reason="别处", **declare)
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    with django_assert_num_queries(3):
        card = caller_card(customer=customer, user=people["agent"])
        assert [(s.reason, s.org.code) for s in card.storms] == [("暴雨", "P"), ("台风", "P0101")]


def test_rule_A4_card_counts_only_the_last_30_days(people, province):
    from griddesk.orders.models import WorkOrder

    category = Category.objects.create(scheme="general", code="T-ASK", name="电费咨询", order_types="consultation")
    old = _accept(people, province, n=2)
    WorkOrder.objects.filter(pk__in=[o.pk for o in old]).update(accepted_at=timezone.now() - timedelta(days=40))
    recent = _accept(people, province, n=1) + _accept(people, province, n=1, category=category)
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    card = caller_card(customer=customer, user=people["agent"])
    assert [o.pk for o in card.recent_contacts] == [o.pk for o in reversed(recent)]  # newest first
    assert not card.repeat_contact and card.repeat_matters == []  # one of each matter in 30 days
    assert [o.pk for o in card.open_orders] == [o.pk for o in reversed(recent)] + [old[0].pk]
    assert card.recent_contacts[0].category.code == category.code and card.recent_contacts[1].category is None
    assert card.recent_contacts[0].accepted_at.tzinfo is not None


def test_caller_card_of_a_customer_with_many_orders_asks_the_exact_questions(
        people, province, monkeypatch, django_assert_num_queries):
    _accept(people, province, n=3)
    _accept(people, province, n=2, order_type="opinion")
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    usual = caller_card(customer=customer, user=people["agent"])
    monkeypatch.setattr(lookup, "CARD_ORDERS_READ", 4)  # fewer than the customer's 5
    with django_assert_num_queries(5):
        exact = caller_card(customer=customer, user=people["agent"])
    for name in ("open_orders", "recent_contacts"):
        assert [o.pk for o in getattr(exact, name)] == [o.pk for o in getattr(usual, name)], name
    assert [o.repeat for o in exact.recent_contacts] == [o.repeat for o in usual.recent_contacts] == [True] * 5
    assert sorted(exact.repeat_matters) == sorted(usual.repeat_matters) == [("consultation", None, 3),
                                                                           ("opinion", None, 2)]


def test_caller_card_refuses_a_customer_out_of_scope(province, outsider, people):
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    assert customer_for_caller(account_no="1000000001", user=outsider) is None
    with pytest.raises(PermissionDenied):
        caller_card(customer=customer, user=outsider)


# ---------------------------------------------------------------- address fragments: the index pattern


@pytest.mark.parametrize(("fragment", "pattern"), [
    ("丰原市花园区红旗路115号", "%原市花%园区红%旗路1%15号%"),  # 4 trigrams instead of 11, cut from the end
    ("丰原市花园区", "%丰原市%花园区%"),
    ("东关村3组", "%村3组%"),  # "东关" is left to the check of the whole fragment
    ("幸福路", "%幸福路%"),
    ("幸福路 12号", "%幸福路%12号%"),  # each run of letters and digits on its own
    ("B座1单元", "%1单元%"),
    ("1-2-3", "%1-2-3%"),  # no 3 letters or digits in a row: the whole fragment
    ("5%_\\", "%5\\%\\_\\\\%"),  # the same, its wildcards escaped
])
def test_index_pattern_is_disjoint_windows_of_the_fragment(db, fragment, pattern):
    assert lookup._index_pattern(fragment) == pattern


CITIES = ["临河县", "丰原市", "青山县"]
AREAS = ["城关镇", "花园区", "东城区", "白马镇"]
ROADS = ["幸福路", "红旗路", "纺织路", "人民路", "和平街"]
ESTATES = ["幸福小区", "丽景华庭", "A座公寓", "名仕花园"]


def _generated_address(rng):
    head = rng.choice(CITIES) + rng.choice(AREAS)
    room = f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}"
    shape = rng.randrange(5)
    if shape == 0:
        return f"{head}{rng.choice(ROADS)}{rng.randint(1, 120)}号"
    if shape == 1:
        return f"{head}{rng.choice(ROADS)}{rng.randint(1, 120)}号{room}"
    if shape == 2:
        return f"{head}{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{room}"
    if shape == 3:
        return f"{head}{rng.choice('东西南北')}关村{rng.randint(1, 9)}组{rng.randint(1, 80)}号"
    return f"{head}{rng.choice(ROADS)} {rng.randint(1, 9)}-{rng.randint(1, 9)}-{rng.randint(1, 9)}_{rng.choice('ab')}%"


@pytest.fixture
def generated(province, people, make_staff):
    """300 customers in random order over two stations, a county, another city and no org at all."""
    import random

    from griddesk.orgs.models import Org, Staff

    rng = random.Random(20240604)
    other_station = Org.objects.create(code="P010102", name="东关供电所", kind="station", parent=province["county"])
    orgs = [province["station"], other_station, province["county"], province["other_city"], None]
    Customer.objects.bulk_create([
        Customer(account_no=f"30{i:08d}", name="客户", phone=f"139{i:08d}", address=_generated_address(rng),
                 transformer=province["tx1"], supply_voltage="220V", zone="urban", org=rng.choice(orgs))
        for i in rng.sample(range(300), 300)  # account numbers out of id order
    ])
    users = [people["agent"], make_staff("station_agent", province["station"], "agent"),
             Staff.objects.create_superuser(username="root_admin", password="pw")]
    addresses = sorted(Customer.objects.values_list("address", flat=True))
    fragments = ["城关镇", "幸福路", "临河县城关镇", "关村", "1号", "单元1", "幸福路 1", "1-2", "-3_", "_a%", "a%",
                 "A座", "a座", "名仕花园1栋", "不存在的地址", "临河县城关镇幸福路1号", "东城区丽景华庭"]
    for address in rng.sample(addresses, 40):
        start = rng.randrange(len(address) - 3)
        fragments += [address, address.split("号")[0] + "号" if "号" in address else address[:-2], address[:6],
                      address[-5:], address[start:start + rng.randint(3, 10)]]
    return users, [f for f in dict.fromkeys(fragment.strip() for fragment in fragments) if len(f) >= lookup.TRIGRAM]


def _like_scan(user, fragment):
    """The plain LIKE scan the trigram search must agree with: every match in the user's scope, by id."""
    from griddesk.orgs.selectors import orgs_visible_q

    customers = Customer.objects.filter(address__contains=fragment)
    if not user.is_superuser:
        customers = customers.filter(orgs_visible_q(user, "org__path"))
    return list(customers.order_by("pk"))


def _shown(customers):
    return [c.account_no for c in sorted(customers, key=lambda c: (c.address, c.account_no))]


@pytest.mark.parametrize("limit", [5, 20, 500])
def test_address_search_finds_what_a_like_scan_finds(generated, limit, django_assert_num_queries):
    # The index pattern and the check of the whole fragment give the customers a LIKE '%fragment%'
    # scan gives, shown sorted by address and account number. With more than `limit` matches,
    # `limit` of them: for a superuser the first in the table's order (a scan of the one table:
    # here ids, inserted at once); in a scope, the first in the order the planner joins the orgs
    # in (any `limit` of the matches).
    users, fragments = generated
    checked = capped = 0
    for user in users:
        for fragment in fragments:
            everything = _like_scan(user, fragment)
            with django_assert_num_queries(1):
                found = lookup._by_address(fragment, user, limit)
            shown = [c.account_no for c in found]
            if len(everything) <= limit or user.is_superuser:
                assert shown == _shown(everything[:limit]), (user.username, fragment)
            else:
                assert len(shown) == limit and set(shown) <= {c.account_no for c in everything}
                assert shown == _shown(found), (user.username, fragment)
            assert all(c.org_id == (c.org.pk if c.org else None) for c in found)
            checked += bool(everything)
            capped += len(everything) > limit
    assert checked > 100 and (capped > 20 or limit == 500)  # the comparison was not vacuous


def test_address_look_up_is_capped_when_more_match(generated):
    users, _fragments = generated
    everything = {c.account_no for c in _like_scan(users[0], "城关镇")}
    assert len(everything) > 20
    found = caller_lookup(query="城关镇", user=users[0])
    assert found.kind == "address" and found.capped and len(found) == 20
    assert {c.account_no for c in found} <= everything and [c.account_no for c in found] == _shown(found)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN pending list")
def test_address_index_keeps_a_short_pending_list(db):
    # every search reads GIN's whole pending list: 4 MB by default, 3 - 6 ms a look-up (migration 0004)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'customer_address_trgm'")
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=256"]
