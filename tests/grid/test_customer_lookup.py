"""The hotline agent's look-ups: by account number and by phone (customers.selectors)."""

from griddesk.customers.models import Contact
from griddesk.customers.selectors import customer_by_account, customers_by_phone
from griddesk.grid.selectors import customer_supply_path


def accounts(customers):
    return [c.account_no for c in customers]


def test_customer_by_account_is_one_query_and_brings_the_transformer(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        customer = customer_by_account(" 1000000001 ")
    assert customer == province["customers"][0]
    with django_assert_num_queries(1):  # rule C-9: the path on the caller's screen
        path = customer_supply_path(customer=customer)
    assert path == [province["sub"], province["feeder"], province["switch"], province["tx1"]]


def test_customer_by_unknown_account_is_none(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert customer_by_account("9999999999") is None


def test_customers_by_phone_normalises_the_number_like_the_import(province, django_assert_num_queries):
    for written in ("13800000002", "138 0000 0002", "+86 138-0000-0002"):
        with django_assert_num_queries(1):
            assert accounts(customers_by_phone(written)) == ["1000000002"], written


def test_customers_by_phone_matches_contacts_once_each(province, django_assert_num_queries):
    first, _second, third = province["customers"]
    Contact.objects.create(customer=third, name="王小强", phone="13800000001", relation="儿子")
    Contact.objects.create(customer=first, name="张伟（备用）", phone="13800000001")
    with django_assert_num_queries(1):
        found = list(customers_by_phone("13800000001"))
    assert accounts(found) == ["1000000001", "1000000003"]
    assert found[0].transformer == province["tx1"]  # loaded along, no further query


def test_customers_by_phone_finds_hand_entered_landlines(province, django_assert_num_queries):
    Contact.objects.create(customer=province["customers"][1], name="物业", phone="0531-88886666")
    for written in ("053188886666", "(0531) 8888 6666", "0531-88886666"):
        with django_assert_num_queries(1):
            assert accounts(customers_by_phone(written)) == ["1000000002"], written
    assert accounts(customers_by_phone("0531-88886667")) == []


def test_customers_by_invalid_phone_is_empty_without_a_query(province, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(customers_by_phone("12345")) == []
        assert list(customers_by_phone("")) == []
