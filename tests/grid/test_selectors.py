"""Supply paths and what lies below a device (rule C-9: the caller's supply path), by query count."""

from griddesk.customers.models import Customer
from griddesk.grid.importers import topology_import
from griddesk.grid.models import Device
from griddesk.grid.selectors import (
    customer_count_below,
    customer_supply_path,
    customers_below,
    devices_below,
    supply_path,
)


def accounts(customers):
    return sorted(c.account_no for c in customers)


# --- the hand-made `province` ---------------------------------------------------------------


def test_rule_C9_supply_path_runs_from_substation_to_transformer_in_one_query(
    province, django_assert_num_queries,
):
    with django_assert_num_queries(1):
        path = supply_path(transformer=province["tx1"])
    assert path == [province["sub"], province["feeder"], province["switch"], province["tx1"]]
    with django_assert_num_queries(1):
        path = supply_path(transformer=province["tx2"])
    assert path == [province["sub"], province["feeder"], province["tx2"]]


def test_rule_C9_customer_supply_path_one_query_with_transformer_loaded_two_without(
    province, django_assert_num_queries,
):
    expected = [province["sub"], province["feeder"], province["switch"], province["tx1"]]
    loaded = Customer.objects.select_related("transformer").get(account_no="1000000001")
    with django_assert_num_queries(1):
        assert customer_supply_path(customer=loaded) == expected
    bare = Customer.objects.get(account_no="1000000001")
    with django_assert_num_queries(2):
        assert customer_supply_path(customer=bare) == expected


def test_customers_below_each_device(province, django_assert_num_queries):
    expected = {
        "sub": ["1000000001", "1000000002", "1000000003"],
        "feeder": ["1000000001", "1000000002", "1000000003"],
        "switch": ["1000000001", "1000000002"],
        "tx1": ["1000000001", "1000000002"],
        "tx2": ["1000000003"],
    }
    for key, wanted in expected.items():
        with django_assert_num_queries(1):
            assert accounts(customers_below(device=province[key])) == wanted, key
        with django_assert_num_queries(1):
            assert customer_count_below(device=province[key]) == len(wanted), key


def test_devices_below_excludes_the_device_itself_and_filters_by_kind(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        below = list(devices_below(device=province["feeder"]))
    assert below == [province["switch"], province["tx1"], province["tx2"]]
    with django_assert_num_queries(1):
        assert list(devices_below(device=province["sub"], kind="transformer")) == [
            province["tx1"], province["tx2"],
        ]
    assert list(devices_below(device=province["tx1"])) == []
    assert list(devices_below(device=province["feeder"], kind="fuse")) == []


# --- the synthetic network, imported --------------------------------------------------------


def test_imported_network_has_the_generated_shape(synthetic_network):
    net = synthetic_network
    assert Device.objects.count() == len(net.parent) == 495
    assert Device.objects.filter(kind="transformer").count() == 372
    assert Customer.objects.count() == len(net.transformer_of) == 558
    stored = {d.device_id: d for d in Device.objects.select_related("parent")}
    for device_id, device in stored.items():
        parent = net.parent[device_id]
        assert (device.parent.device_id if device.parent else None) == parent
        assert device.path == (stored[parent].path if parent else "") + f"{device.pk:08d}"
        assert device.depth == len(net.chain(device_id)) - 1


def test_every_device_and_customer_inherits_its_substations_org(synthetic_network):
    net = synthetic_network
    for device_id, org_id in Device.objects.values_list("device_id", "org_id"):
        assert org_id == net.orgs[net.substation_of(device_id)].pk, device_id
    for account, org_id, transformer_org_id in Customer.objects.values_list(
        "account_no", "org_id", "transformer__org_id",
    ):
        assert org_id == transformer_org_id == net.orgs[net.substation_of(net.transformer_of[account])].pk


def test_customer_count_below_every_device_is_exact(synthetic_network, django_assert_num_queries):
    expected = synthetic_network.count_below()
    assert expected["S0"] + expected["S1"] + expected["S2"] == 558
    for device in Device.objects.all():
        with django_assert_num_queries(1):
            assert customer_count_below(device=device) == expected[device.device_id], device.device_id


def test_customers_below_are_exactly_those_of_the_subtree(synthetic_network, django_assert_num_queries):
    net = synthetic_network
    for device_id in ("S1", "S2F3", "S0F1K2", "S2F0K1U1", "S1F2K0U1T4", "S0F3T", "S1F0K0U0T0"):
        device = net.device(device_id)
        with django_assert_num_queries(1):
            found = set(customers_below(device=device).values_list("account_no", flat=True))
        assert found == net.accounts_below(device_id), device_id
    assert net.accounts_below("S1F0K0U0T0") == set()  # transformer number 0 has no customers


def test_devices_below_every_device_is_exact(synthetic_network, django_assert_num_queries):
    net = synthetic_network
    expected = net.devices_below()
    for device in Device.objects.all():
        with django_assert_num_queries(1):
            below = list(devices_below(device=device).values_list("device_id", flat=True))
        assert set(below) == expected[device.device_id], device.device_id
        transformers = devices_below(device=device, kind="transformer").values_list("device_id", flat=True)
        assert set(transformers) == {d for d in below if net.kind[d] == "transformer"}
    assert devices_below(device=net.device("S0F0"), kind="transformer").count() == 31


def test_supply_path_of_every_transformer(synthetic_network, django_assert_num_queries):
    net = synthetic_network
    for transformer in Device.objects.filter(kind="transformer"):
        with django_assert_num_queries(1):
            path = supply_path(transformer=transformer)
        assert [d.device_id for d in path] == net.chain(transformer.device_id)
    customer = Customer.objects.select_related("transformer").order_by("account_no").last()
    with django_assert_num_queries(1):
        path = customer_supply_path(customer=customer)
    assert [d.device_id for d in path] == net.chain(net.transformer_of[customer.account_no])


def test_moving_a_switch_to_another_substation_moves_its_customers_counts(synthetic_network, tmp_path):
    net = synthetic_network
    moved = tmp_path / "move.csv"
    moved.write_text("device_id,kind,parent_id,name,zone\nS0F0K0,switch,S1F3,设备S0F0K0,urban\n",
                     encoding="utf-8")
    result = topology_import(path=moved)
    assert (result.updated, result.extra["descendants_moved"]) == (1, 12)  # 2 fuses, 10 transformers
    net.parent["S0F0K0"] = "S1F3"
    expected = net.count_below()
    for device in Device.objects.all():
        assert customer_count_below(device=device) == expected[device.device_id], device.device_id
    assert set(devices_below(device=net.device("S1F3")).values_list("device_id", flat=True)) == (
        net.devices_below()["S1F3"]
    )
    assert net.device("S0F0K0U1T4").depth == 4
    assert net.device("S0F0K0U1T4").path.startswith(net.device("S1F3").path)
    # The moved switch keeps its org (rule of the topology import), and so do its devices.
    assert set(devices_below(device=net.device("S0F0K0")).values_list("org__code", flat=True)) == {"SYN0"}
