"""Rules K-7 and K-9 across every channel: every role, inside and outside the accused unit, on a
report, an anonymous complaint and a named complaint forwarded to the unit it is about.

What may be seen (orders.disclosure):
- the report's and the anonymous complaint's person: by nobody, on no channel; the customer's own
  page or card does not list them; crews and dispatchers do not read the report at all, nor does
  the unit it is about;
- the named complaint's person: in full by the roles whose work needs it, masked for the others,
  nothing for the accused unit's staff, whose view of the customer does not list the complaint.
"""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from griddesk.api.services import api_token_issue
from griddesk.orders import disclosure
from tests.disclosure.conftest import REPORTER, ROLES

pytestmark = pytest.mark.django_db


def _secrets(matters):
    alice, bob, carol = (matters["persons"][k] for k in ("report", "anonymous", "named"))
    return {
        "report": [REPORTER["name"], REPORTER["phone"], "qq7777", alice.account_no, alice.name, alice.phone],
        "anonymous": [bob.account_no, bob.name, bob.phone, bob.address],
        "named": [carol.account_no, carol.name, carol.phone, carol.address],
    }


def _channels(matters):
    """(name, kind, url, api): kind "order" renders an order or a list of them, "customer" a customer."""
    orders = [(kind, matters[kind]) for kind in ("report", "anonymous", "named")]
    persons = matters["persons"]
    channels = [("console queue", "order", reverse("console:queues:queue") + "?f=1&scope=org&state=open", False),
                ("console home", "order", reverse("console:home"), False),
                ("crew list", "order", reverse("console:crew:list"), False),
                ("api list", "order", "/api/v1/orders?scope=org&state=open&limit=200", True)]
    for kind, order in orders:
        channels += [
            (f"console order {kind}", "order", reverse("console:order", args=[order.number]), False),
            (f"crew order {kind}", "order", reverse("console:crew:order", args=[order.number]), False),
            (f"api order {kind}", "order", f"/api/v1/orders/{order.number}", True),
        ]
    for kind, person in persons.items():
        channels += [
            (f"console caller {kind}", "customer", reverse("console:caller", args=[person.account_no]), False),
            (f"api card {kind}", "customer", f"/api/v1/customers/{person.account_no}", True),
            (f"api lookup {kind}", "customer", f"/api/v1/callers?q={person.phone}", True),
        ]
    return channels


def _text(response):
    body = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return body


def _fetch(user, channels):
    console = Client()
    console.force_login(user)
    _token, plaintext = api_token_issue(user=user, name="matrix", actor=None)
    bearer = {"Authorization": f"Bearer {plaintext}"}
    pages = {}
    for name, kind, url, api in channels:
        response = Client().get(url, headers=bearer) if api else console.get(url)
        assert response.status_code in (200, 302, 403, 404), (user.username, name, response.status_code)
        pages[name] = (kind, _text(response) if response.status_code == 200 else "")
    return pages


def _all_users(staff):
    return [(side, code, user) for side in ("outside", "accused") for code, user in staff[side].items()]


def test_rule_K7_K9_no_channel_shows_a_person_it_must_not(matters, staff):
    secrets, channels, report = _secrets(matters), _channels(matters), matters["report"].number
    leaks, listed, report_read_by = [], [], set()
    for side, code, user in _all_users(staff):
        pages = _fetch(user, channels)
        for name, (kind, text) in pages.items():
            hidden = ["report", "anonymous"] + (["named"] if side == "accused" else [])
            if kind == "order":
                leaks += [(side, code, name, s) for k in hidden for s in secrets[k] if s in text]
            else:  # a customer's own page: their sealed or withheld matters are not listed under them
                listed += [(side, code, name, k) for k in hidden if matters[k].number in text]
            if report in text:
                report_read_by.add((side, code))
    assert leaks == [] and listed == []
    # the report reaches the report desks outside the unit it is about, and nobody else
    assert report_read_by == {("outside", code) for code in disclosure.REPORT_READERS}


@pytest.mark.parametrize("code", ROLES)
def test_rule_K9_named_complaint_in_full_masked_or_withheld_by_role(matters, staff, code):
    carol, order = matters["persons"]["named"], matters["named"]
    url = reverse("console:order", args=[order.number])
    outside, accused = Client(), Client()
    outside.force_login(staff["outside"][code])
    accused.force_login(staff["accused"][code])
    seen = outside.get(url)
    withheld = accused.get(url)
    if withheld.status_code == 200:
        assert carol.name not in _text(withheld) and "对被投诉/举报单位保密" in _text(withheld)
    assert seen.status_code == 200  # in scope by place, whatever the role
    text = _text(seen)
    if code in disclosure.PERSONAL_DATA_NEED:
        assert carol.name in text and carol.phone in text
    else:
        assert carol.name not in text and disclosure.mask_name(carol.name) in text and "显示完整信息" in text


def test_rule_K7_admin_pages_show_no_sealed_person(matters, admin_client):
    from griddesk.audit.models import AuditEvent
    from griddesk.audit.services import stream_of

    secrets = _secrets(matters)
    for kind in ("report", "anonymous"):
        order = matters[kind]
        text = _text(admin_client.get(reverse("admin:orders_workorder_change", args=[order.pk])))
        assert [s for s in secrets[kind] if s in text] == []
        for event in AuditEvent.objects.filter(stream=stream_of(order)):
            page = _text(admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk])))
            assert [s for s in secrets[kind] if s in page] == [], event.action
    named = _text(admin_client.get(reverse("admin:orders_workorder_change", args=[matters["named"].pk])))
    assert matters["persons"]["named"].name in named  # the administrator is not the accused unit


def test_rule_K7_K9_header_search_finds_no_matter_through_a_person_hidden_from_the_user(matters, staff):
    """The header search (console.search) as a channel: searching a sealed or withheld person's name,
    phone, account or address never lists the matter; a named complaint is found by its person only by
    roles whose work needs personal data, outside the accused unit, and then listed masked."""
    secrets = _secrets(matters)
    carol, named = matters["persons"]["named"], matters["named"]
    found_named_by = set()
    for side, code, user in _all_users(staff):
        console = Client()
        console.force_login(user)
        for kind in ("report", "anonymous", "named"):
            number = matters[kind].number
            for secret in secrets[kind]:
                for name in ("console:search", "console:search_quick"):
                    response = console.get(reverse(name), {"q": secret})
                    assert response.status_code == 200
                    text = _hits(_text(response))
                    if kind != "named" or side == "accused":
                        assert number not in text, (side, code, kind, secret)
                    elif number in text:
                        found_named_by.add((side, code))
                        assert carol.phone not in text and carol.name not in text  # listed masked
        # by its number anyone who may read the matter finds it (the number is not the person)
        text = _hits(_text(console.get(reverse("console:search"), {"q": matters["report"].number})))
        assert (matters["report"].number in text) == (
            side == "outside" and code in disclosure.REPORT_READERS), (side, code)
    need = {("outside", code) for code in disclosure.PERSONAL_DATA_NEED}
    readers = {("outside", code) for code in ROLES if named.number in _text(_order_page(staff["outside"][code], named))}
    assert found_named_by == need & readers


def _hits(text):
    """The hits of a search answer, without the query it echoes (heading, box, links)."""
    if 'id="search-results"' in text:
        text = text.split('id="search-results"', 1)[1].split("</table>", 1)[0]
    return re.sub(r'<a class="search-all[^>]*>', "", text)


def _order_page(user, order):
    client = Client()
    client.force_login(user)
    return client.get(reverse("console:order", args=[order.number]))
