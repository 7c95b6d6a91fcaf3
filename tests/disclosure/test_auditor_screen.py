"""Rules K-7 and K-9 on the auditor screen: the history of an order or of a user, and its export, show
no sealed identity and nothing of a complainant the auditor may not see; a report about the auditor's
own unit is not theirs to read at all."""

import pytest
from django.test import Client
from django.urls import reverse

from griddesk.orders import disclosure, services
from griddesk.orgs.models import RoleCode
from tests.disclosure.conftest import REPORTER

pytestmark = pytest.mark.django_db

A = RoleCode.AUDITOR


@pytest.fixture
def history(matters, people, staff):
    """Events that could carry the person: an identity opened (K-7), the named complainant shown in
    full by an agent (audited), a note naming the customer."""
    supervisor = staff["outside"][RoleCode.SUPERVISOR]
    services.identity_open(order=matters["report"], actor=supervisor, purpose="核实举报线索")
    services.person_reveal(order=matters["named"], actor=people["agent"])
    carol = matters["persons"]["named"]
    services.reminder_send(order=matters["named"], kind="remind", actor=people["agent"],
                           reason=f"客户{carol.name}（{carol.phone}）再次来电")
    return matters


def _secrets(matters):
    alice, bob, carol = (matters["persons"][k] for k in ("report", "anonymous", "named"))
    return {
        "report": [REPORTER["name"], REPORTER["phone"], "qq7777", alice.account_no, alice.name, alice.phone],
        "anonymous": [bob.account_no, bob.name, bob.phone, bob.address],
        "named": [carol.account_no, carol.name, carol.phone, carol.address],
    }


def _masked(person):
    return [disclosure.mask_account(person.account_no), disclosure.mask_phone(person.phone),
            disclosure.mask_name(person.name)]


def _views(client, number):
    """The history page and both exports of an order, as text."""
    page = client.get(reverse("console:audit:order", args=[number]))
    assert page.status_code == 200
    url = reverse("console:audit:order_export", args=[number])
    csv = client.post(url, {"format": "csv"}).content.decode("utf-8-sig")
    json = client.post(url, {"format": "json"}).content.decode()
    return {"page": page.content.decode(), "csv": csv, "json": json}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_rule_K7_auditor_sees_no_sealed_identity_in_history_or_export(history, staff):
    client = _client(staff["outside"][A])
    secrets = _secrets(history)
    for kind in ("report", "anonymous"):
        for where, text in _views(client, history[kind].number).items():
            for secret in secrets[kind]:
                assert secret not in text, (kind, where, secret)
    report = _views(client, history["report"].number)
    assert "查看举报人身份（K-7）" in report["page"] and "核实举报线索" in report["page"]  # the opening, not the person


def test_rule_K9_auditor_outside_the_accused_unit_sees_the_named_complainant_masked(history, staff):
    client = _client(staff["outside"][A])
    carol = history["persons"]["named"]
    views = _views(client, history["named"].number)
    for where, text in views.items():
        for secret in _secrets(history)["named"]:
            assert secret not in text, (where, secret)
    assert disclosure.mask_account(carol.account_no) in views["page"]
    assert disclosure.mask_name(carol.name) in views["csv"]  # the note's name masked inside free text


def test_rule_K9_accused_auditor_sees_nothing_of_the_complainant_and_no_report(history, staff):
    client = _client(staff["accused"][A])
    carol = history["persons"]["named"]
    assert client.get(reverse("console:audit:order", args=[history["report"].number])).status_code == 404
    assert client.post(reverse("console:audit:order_export", args=[history["report"].number]),
                       {"format": "csv"}).status_code == 404
    views = _views(client, history["named"].number)
    for where, text in views.items():
        for secret in _secrets(history)["named"] + _masked(carol)[:2]:
            assert secret not in text, (where, secret)


def test_rule_K9_user_history_leaves_out_a_report_about_the_auditors_unit(history, staff, people):
    colleague = people["station_handler"]  # a back office of the county, in the accused auditor's scope
    for kind in ("report", "anonymous", "named"):
        services.reminder_send(order=history[kind], kind="remind", actor=colleague, reason="请尽快核实")
    client = _client(staff["accused"][A])
    page = client.get(reverse("console:audit:user", args=[colleague.username]))
    trail = page.context["trail"]
    assert history["report"].number not in {row.order_number for row in trail.rows}
    assert trail.hidden >= 1 and "未显示（K-7、K-9）" in page.content.decode()
    assert {row.order_number for row in trail.rows} == {history["anonymous"].number, history["named"].number}
    export = client.post(reverse("console:audit:user_export", args=[colleague.username]),
                         {"format": "json"}).content.decode()
    texts = page.content.decode() + export
    for kind in ("report", "anonymous", "named"):
        for secret in _secrets(history)[kind]:
            assert secret not in texts, (kind, secret)
    assert history["report"].number not in texts


def test_rule_K7_user_history_of_the_supervisor_who_opened_the_identity_shows_no_identity(history, staff):
    client = _client(staff["outside"][A])
    supervisor = staff["outside"][RoleCode.SUPERVISOR]
    page = client.get(reverse("console:audit:user", args=[supervisor.username])).content.decode()
    assert "核实举报线索" in page
    for secret in _secrets(history)["report"]:
        assert secret not in page


def test_rule_K9_the_order_page_blanks_the_complainant_named_in_free_text(history, staff, people):
    """The order page's timeline and reminders follow the same rule: the accused 营销部's handler reads the
    complaint forwarded to it, but not who complained, even where a reminder's reason names them."""
    carol = history["persons"]["named"]
    page = _client(people["handler"]).get(reverse("console:order", args=[history["named"].number])).content.decode()
    assert "再次来电" in page
    for secret in _secrets(history)["named"] + _masked(carol)[:2]:
        assert secret not in page, secret
    masked_view = _client(staff["outside"][RoleCode.SUPERVISOR]).get(
        reverse("console:order", args=[history["named"].number])).content.decode()
    assert f"客户{disclosure.mask_name(carol.name)}（{disclosure.mask_phone(carol.phone)}）再次来电" in masked_view
