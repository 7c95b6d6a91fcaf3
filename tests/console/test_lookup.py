"""Caller look-up (customers/lookup.py): phone, account, address fragment; scoped; bounded queries."""

import pytest
from django.db import connection

from griddesk.customers import lookup
from griddesk.customers.lookup import caller_lookup
from griddesk.customers.models import Contact, Customer


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


def test_address_fragment_uses_the_trigram_index(people, province, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
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


def test_caller_card_is_six_queries_whatever_the_history(people, province, django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from griddesk.customers.lookup import caller_card, customer_for_caller
    from griddesk.orders import services
    from griddesk.outages.models import OutageEvent

    now = timezone.now()
    OutageEvent.objects.create(code="O1", kind="planned", device=province["feeder"], cause="线路检修",
                               starts_at=now - timedelta(hours=1), state="active")
    OutageEvent.objects.create(code="O2", kind="fault", device=province["tx2"], cause="别处故障",
                               starts_at=now - timedelta(hours=1), state="active")
    for _ in range(4):
        services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                              customer=province["customers"][0], title="咨询")
    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    with django_assert_num_queries(6):
        card = caller_card(customer=customer, user=people["agent"])
    assert [o.code for o in card.outages] == ["O1"]  # on the path; O2 is on another transformer
    assert len(card.open_orders) == 1  # the repeats are children, archived under the first
    assert len(card.recent_contacts) == 4 and card.repeat_contact
    assert card.repeat_matters == [("consultation", None, 4)]


def test_caller_card_refuses_a_customer_out_of_scope(province, outsider, people):
    from django.core.exceptions import PermissionDenied

    from griddesk.customers.lookup import caller_card, customer_for_caller

    customer = customer_for_caller(account_no="1000000001", user=people["agent"])
    assert customer_for_caller(account_no="1000000001", user=outsider) is None
    with pytest.raises(PermissionDenied):
        caller_card(customer=customer, user=outsider)
