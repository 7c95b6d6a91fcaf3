"""The customers served per transformer, zone and unit (供电户数, customers/served.py): the database's
triggers keep them equal to a grouped count of the customers, whoever writes the customers."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.csvimport import ImportFailed
from griddesk.customers.importers import customers_import
from griddesk.customers.models import Customer, ServedCount
from griddesk.customers.served import served_ensure, served_triggers_drop, served_triggers_present
from griddesk.grid.selectors import customer_count_below, customers_below, served_groups
from tests.imports.helpers import CUSTOMERS_HEADER


def stored():
    return Counter({(t, z, o): n for t, z, o, n in served_groups()})


def counted():
    rows = Customer.objects.values_list("transformer_id", "zone", "org_id").annotate(n=Count("id")).order_by()
    return Counter({(t, z, o): n for t, z, o, n in rows})


def add(province, account_no, *, transformer="tx1", zone="urban", org="station"):
    return Customer.objects.create(account_no=account_no, name="户", phone="13900000000", address="地址",
                                   transformer=province[transformer], supply_voltage="220V", zone=zone,
                                   org=province[org] if org else None)


def test_served_counts_start_from_the_customers_and_follow_every_orm_write(province):
    tx1, tx2, station, county = (province[k].pk for k in ("tx1", "tx2", "station", "county"))
    assert stored() == counted() == Counter({(tx1, "urban", station): 2, (tx2, "rural", station): 1})

    one = add(province, "3000000001")
    Customer.objects.bulk_create([
        Customer(account_no=f"30000001{i:02d}", name="户", phone="1", address="a", transformer=province["tx2"],
                 supply_voltage="220V", zone="rural", org=None)
        for i in range(5)
    ])
    assert stored() == counted()
    assert stored()[(tx2, "rural", None)] == 5  # a group without a unit matches itself (COALESCE)

    one.transformer, one.org = province["tx2"], province["county"]
    one.save()
    Customer.objects.filter(org__isnull=True).update(zone="remote")
    Customer.objects.filter(account_no="3000000100").update(name="改名")  # not a counted column
    assert stored() == counted()
    assert stored()[(tx2, "remote", None)] == 5 and stored()[(tx2, "urban", county)] == 1

    Customer.objects.filter(org__isnull=True).delete()
    one.delete()
    assert stored() == counted() == Counter({(tx1, "urban", station): 2, (tx2, "rural", station): 1})
    assert ServedCount.objects.filter(customers__lte=0).count() == 0  # emptied groups are gone


def test_served_counts_follow_raw_sql_and_roll_back_with_the_transaction(province):
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET zone = 'remote' WHERE account_no = '1000000003'")
    assert stored() == counted()
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        add(province, "3000000009", transformer="tx2")
        raise RuntimeError
    assert stored() == before == counted()


def test_served_counts_follow_the_customers_import_and_a_refused_file_changes_none(province, write_csv):
    rows = [f"40000000{i:02d},户{i},1390000{i:04d},临河县{i}号,T2,220V,rural,0" for i in range(30)]
    customers_import(path=write_csv("c.csv", CUSTOMERS_HEADER, *rows))
    assert stored() == counted()
    assert stored()[(province["tx2"].pk, "rural", province["station"].pk)] == 31
    moved = [row.replace(",T2,", ",T1,").replace("rural", "urban") for row in rows[:10]]
    customers_import(path=write_csv("m.csv", CUSTOMERS_HEADER, *moved))
    assert stored() == counted()
    assert stored()[(province["tx1"].pk, "urban", province["station"].pk)] == 12
    before = stored()
    bad = write_csv("bad.csv", CUSTOMERS_HEADER, "5000000001,新户,13900000001,地址,T1,220V,urban,0",
                    "5000000002,新户,13900000002,地址,NOPE,220V,urban,0")
    with pytest.raises(ImportFailed):
        customers_import(path=bad, batch_size=1)
    assert stored() == before == counted()


def test_customer_count_below_sums_the_served_counts_in_one_query(province, django_assert_num_queries):
    add(province, "3000000001", transformer="tx2", zone="rural", org=None)
    for key in ("sub", "feeder", "switch", "tx1", "tx2"):
        with django_assert_num_queries(1):
            found = customer_count_below(device=province[key])
        assert found == customers_below(device=province[key]).count(), key
    assert customer_count_below(device=province["feeder"]) == 4


def test_served_groups_filter_by_unit_subtree_and_zone(province):
    add(province, "3000000001", transformer="tx2", zone="rural", org="other_city")
    assert sum(n for *_k, n in served_groups(org=province["city"])) == 3
    assert sum(n for *_k, n in served_groups(org=province["other_city"])) == 1
    assert sum(n for *_k, n in served_groups(zone="rural")) == 2
    assert sum(n for *_k, n in served_groups(org=province["root"], zone="urban")) == 2


def test_served_ensure_puts_dropped_triggers_back_and_recounts(province):
    """SQLite drops a table's triggers when a migration rebuilds it; after `migrate` they come back
    and the counts are made right again."""
    assert served_ensure() is False  # nothing missing
    served_triggers_drop(connection)
    assert not served_triggers_present(connection)
    add(province, "3000000001")  # written while no trigger counts it
    assert stored() != counted()
    assert served_ensure() is True
    assert served_triggers_present(connection)
    assert stored() == counted()
    add(province, "3000000002")
    assert stored() == counted()


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "move", "rezone", "unit", "delete", "bulk_delete", "bulk_move"]),
    st.integers(min_value=0, max_value=50),
    st.sampled_from(["tx1", "tx2"]),
    st.sampled_from(["urban", "rural", "remote"]),
    st.sampled_from(["station", "county", None]),
), max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_served_counts_equal_a_grouped_count_after_any_writes(province, operations):
    with transaction.atomic():  # each example from the province fixture's three customers
        for number, step in enumerate(operations):
            _apply(province, number, *step)
            assert stored() == counted()
        assert not ServedCount.objects.filter(customers__lte=0).exists()
        transaction.set_rollback(True)


def _apply(province, number, operation, pick, transformer, zone, org):
    customers = list(Customer.objects.order_by("pk"))
    target = customers[pick % len(customers)] if customers else None
    if operation == "add" or target is None:
        add(province, f"6{number:09d}", transformer=transformer, zone=zone, org=org)
    elif operation == "move":
        target.transformer = province[transformer]
        target.save()
    elif operation == "rezone":
        Customer.objects.filter(pk=target.pk).update(zone=zone)
    elif operation == "unit":
        Customer.objects.filter(pk=target.pk).update(org=province[org] if org else None)
    elif operation == "delete":
        target.delete()
    elif operation == "bulk_delete":
        Customer.objects.filter(zone=zone).delete()
    else:
        Customer.objects.filter(transformer=province[transformer]).update(zone=zone)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_served_counts_stay_exact_with_writers_at_once(province):
    """Four transactions add customers to the same groups (one of them new) at the same moment: the
    upserts wait for one another instead of losing a count or failing on the group's key."""
    threads_count = 4
    barrier, errors = threading.Barrier(threads_count), []

    def write(slot):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                Customer.objects.bulk_create([
                    Customer(account_no=f"8{slot}{i:08d}", name="户", phone="1", address="a",
                             transformer=province["tx2" if i % 2 else "tx1"], supply_voltage="220V",
                             zone="remote", org=None)
                    for i in range(40)
                ])
                add(province, f"9{slot}00000000")  # the fixture's group too
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(slot,)) for slot in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert stored() == counted()
    assert stored()[(province["tx1"].pk, "remote", None)] == 80
    assert stored()[(province["tx1"].pk, "urban", province["station"].pk)] == 2 + threads_count


def test_served_counts_empty_when_the_customers_are_truncated(province):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite deletes, which the row triggers count)")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's deferred checks, before a TRUNCATE
        cursor.execute(f"TRUNCATE {Customer._meta.db_table} CASCADE")
    assert stored() == counted() == Counter()
    add(province, "3000000001")
    assert stored() == counted()
