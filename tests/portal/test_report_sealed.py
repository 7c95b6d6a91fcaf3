"""An anonymous report from the website (rule K-7): sealed exactly as the hotline seals it (the
order services' path), so the person is in no plain field of the order, and the order page shows
it to nobody outside the named roles (the disclosure rules of tests/disclosure hold)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from griddesk.orders import services as order_services
from griddesk.orders.models import SealedIdentity, WorkOrder
from griddesk.orgs.models import Role, RoleCode
from tests.disclosure.conftest import ROLES, staff  # noqa: F401  (re-exported fixture)
from tests.portal.form_helpers import solved

REPORTER = {"name": "孙八八", "phone": "13922223333", "contact": "微信 sun8888"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def _report(client, **fields):
    data = {"title": "抄表员收受好处", "description": "某抄表员多次收取好处费", "county": "P0101",
            **REPORTER, **solved(), **fields}
    response = client.post("/submit/report/", data)
    assert response.status_code == 200, response.content.decode()[:1500]
    return WorkOrder.objects.get(channel="website"), response


def _row_text(order):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {WorkOrder._meta.db_table} WHERE id = %s", [order.pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.parametrize("anonymous", [True, False])
def test_rule_K7_a_website_report_is_sealed_out_of_the_order_row(client, province, people, anonymous):
    alice = province["customers"][0]
    extra = {"anonymous": "on"} if anonymous else {}
    order, response = _report(client, account_no=alice.account_no, phone=alice.phone, **extra)
    assert (order.customer_id, order.caller_name, order.caller_phone, order.anonymous) == (None, "", "", anonymous)
    assert order.org == alice.org  # the place stays, the person goes
    row = _row_text(order)
    assert not [s for s in (REPORTER["name"], alice.phone, "sun8888", alice.account_no) if s in row]
    identity = SealedIdentity.objects.get(order=order)
    assert (identity.name, identity.phone, identity.contact, identity.account_no) == (
        REPORTER["name"], alice.phone, REPORTER["contact"], alice.account_no)
    assert "您的身份已加密封存" in response.content.decode()


def test_rule_K7_an_unmatched_account_number_of_a_reporter_is_sealed_too(client, province, people):
    order, _response = _report(client, account_no="5555555555", anonymous="on")
    assert "5555555555" not in _row_text(order)
    assert "5555555555" in SealedIdentity.objects.get(order=order).contact


def test_rule_K7_an_anonymous_complaint_needs_no_name_and_is_sealed(client, province, people):
    response = client.post("/submit/complaint/", {"title": "营业员态度恶劣", "description": "详情", "anonymous": "on",
                                                  "county": "P0101", **solved()})
    assert response.status_code == 200
    order = WorkOrder.objects.get(channel="website")
    assert order.anonymous and (order.caller_name, order.caller_phone) == ("", "")
    assert not SealedIdentity.objects.filter(order=order).exists()  # nobody given, nothing to seal


def test_rule_K7_no_staff_outside_the_named_roles_sees_the_reporter_on_the_order_page(
        client, province, people, staff):  # noqa: F811
    order, _response = _report(client, anonymous="on")
    url = reverse("console:order", args=[order.number])
    secrets = [REPORTER["name"], REPORTER["phone"], "sun8888"]
    shown = []
    for code in ROLES:
        console = Client()
        console.force_login(staff["outside"][code])
        response = console.get(url)
        assert response.status_code in (200, 403, 404)
        text = response.content.decode()
        shown += [(code, s) for s in secrets if s in text]
    assert shown == []
    # only a named role opens it, and the opening is recorded (services: identity_open)
    Role.objects.filter(code=RoleCode.SUPERVISOR).update(can_open_sealed_identity=True)
    reader = staff["outside"][RoleCode.SUPERVISOR]
    reader._role_codes = frozenset({RoleCode.SUPERVISOR})
    assert order_services.may_open_identity(order, reader)
    assert not order_services.may_open_identity(order, staff["outside"][RoleCode.AGENT])
