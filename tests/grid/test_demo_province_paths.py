"""Supply paths and customers below a device, on the demo province (issue 2, done-when).

Expected answers are computed independently, by walking parent links in Python
over every device, and compared with the materialised-path queries.
"""

from collections import Counter

import pytest

from griddesk.customers.models import Customer
from griddesk.demo.testing import demo_province_for_tests
from griddesk.grid.models import Device
from griddesk.grid.selectors import customer_count_below, customer_supply_path, customers_below, supply_path


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), demo_province_for_tests(customers=2000, seed=7) as summary:
        parents = dict(Device.objects.values_list("pk", "parent_id"))
        per_transformer = Counter(Customer.objects.values_list("transformer_id", flat=True))
        below = Counter()
        for transformer_id, count in per_transformer.items():
            node = transformer_id
            while node is not None:
                below[node] += count
                node = parents[node]
        yield {"summary": summary, "parents": parents, "below": below}


def _chain(parents, device_id):
    chain = []
    while device_id is not None:
        chain.append(device_id)
        device_id = parents[device_id]
    return chain[::-1]


@pytest.mark.django_db
def test_supply_path_of_every_sampled_customer_walks_substation_to_transformer(
    demo, django_assert_num_queries
):
    customers = list(Customer.objects.select_related("transformer").order_by("pk")[::97])
    assert len(customers) >= 20
    for customer in customers:
        with django_assert_num_queries(1):
            path = customer_supply_path(customer=customer)
        assert [d.pk for d in path] == _chain(demo["parents"], customer.transformer_id)
        assert path[0].kind == "substation" and path[-1].kind == "transformer"


@pytest.mark.django_db
def test_customers_below_every_substation_and_feeder_match_a_parent_walk(demo, django_assert_num_queries):
    devices = list(Device.objects.filter(kind__in=["substation", "feeder"]))
    assert len(devices) > 10
    for device in devices:
        with django_assert_num_queries(1):
            count = customer_count_below(device=device)
        assert count == demo["below"][device.pk]
    assert sum(demo["below"][d.pk] for d in devices if d.kind == "substation") == Customer.objects.count()


@pytest.mark.django_db
def test_customers_below_a_switch_are_exactly_those_on_its_transformers(demo, django_assert_num_queries):
    switch = Device.objects.filter(kind="switch").order_by("pk").first()
    with django_assert_num_queries(1):
        found = set(customers_below(device=switch).values_list("pk", flat=True))
    transformers = [pk for pk in demo["parents"] if switch.pk in _chain(demo["parents"], pk)]
    expected = set(Customer.objects.filter(transformer_id__in=transformers).values_list("pk", flat=True))
    assert found == expected and len(found) == demo["below"][switch.pk] > 0


@pytest.mark.django_db
def test_supply_path_of_a_device_needs_one_query(demo, django_assert_num_queries):
    transformer = Device.objects.filter(kind="transformer").order_by("-pk").first()
    with django_assert_num_queries(1):
        path = supply_path(transformer=transformer)
    assert [d.pk for d in path] == _chain(demo["parents"], transformer.pk)
