"""Rules K-7 and K-9 at the services: one rule for who may see the person behind a matter."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from griddesk import sealing
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.customers.lookup import caller_card
from griddesk.orders import disclosure, services
from griddesk.orders.models import SealedIdentity, WorkOrder
from griddesk.orgs.models import Crew, Org, RoleCode
from tests.disclosure.conftest import REPORTER

R = RoleCode


def test_rule_K7_report_is_not_linked_to_the_reporters_file(matters):
    report, alice = matters["report"], matters["persons"]["report"]
    assert (report.customer_id, report.caller_name, report.caller_phone) == (None, "", "")
    identity = SealedIdentity.objects.get(order=report)
    assert (identity.name, identity.phone, identity.contact, identity.account_no) == (
        REPORTER["name"], REPORTER["phone"], REPORTER["contact"], alice.account_no)
    assert (report.zone, report.org) == (alice.zone, alice.org)  # the place stays, the person goes


def test_rule_K7_anonymous_complaint_is_sealed_like_a_report(matters):
    anonymous, bob = matters["anonymous"], matters["persons"]["anonymous"]
    assert (anonymous.customer_id, anonymous.caller_name, anonymous.caller_phone) == (None, "", "")
    identity = SealedIdentity.objects.get(order=anonymous)
    assert (identity.name, identity.phone, identity.account_no) == (bob.name, bob.phone, bob.account_no)


def test_rule_K7_caller_card_lists_no_sealed_matter(matters, people):
    for kind in ("report", "anonymous"):
        card = caller_card(customer=matters["persons"][kind], user=people["agent"])
        listed = {o.number for o in card.open_orders + card.recent_contacts}
        assert matters[kind].number not in listed


def test_rule_K7_sealed_identity_is_encrypted_at_rest(matters):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, contact, account_no FROM orders_sealedidentity")
        stored = [value for row in cursor.fetchall() for value in row]
    assert stored and all(value.startswith(sealing.PREFIX) for value in stored if value)
    plain = [REPORTER["name"], REPORTER["phone"], "qq7777", matters["persons"]["report"].account_no]
    assert not [secret for secret in plain if any(secret in value for value in stored)]


def test_rule_K7_seal_keys_rotate(matters, settings):
    old_ring = list(settings.GRIDDESK_SEAL_KEYS)
    settings.GRIDDESK_SEAL_KEYS = ["a-new-key-0123456789", *old_ring]  # rotated: the old key still opens
    assert SealedIdentity.objects.get(order=matters["report"]).phone == REPORTER["phone"]
    from django.core.management import call_command

    call_command("seal", "reencrypt")
    settings.GRIDDESK_SEAL_KEYS = ["a-new-key-0123456789"]  # the old key retired after re-encryption
    assert SealedIdentity.objects.get(order=matters["report"]).phone == REPORTER["phone"]
    settings.GRIDDESK_SEAL_KEYS = ["some-other-key-000000"]  # a lost key: unreadable, never a crash
    unreadable = SealedIdentity.objects.get(order=matters["report"])
    assert isinstance(unreadable.phone, sealing.Unreadable) and unreadable.phone == sealing.UNREADABLE
    with pytest.raises(sealing.SealBroken):
        unreadable.save()


def test_rule_K9_accused_unit_is_a_property_of_the_matter(matters, people, province, make_staff):
    report = matters["report"]
    accused_supervisor = make_staff("mkt_supervisor", people["marketing"], R.SUPERVISOR)
    assert not disclosure.order_readable(report, accused_supervisor)  # sitting with the intake desk
    with pytest.raises(PermissionDenied):
        services.identity_open(order=report, actor=accused_supervisor, purpose="核实")
    report = services.order_forward(order=report, actor=people["agent"], department=province["station"])
    assert not disclosure.order_readable(report, accused_supervisor)  # forwarded on: still the accused
    with pytest.raises(PermissionDenied):
        services.identity_open(order=report, actor=accused_supervisor, purpose="核实")
    report = services.order_bounce(order=report, actor=people["station_handler"], reason="非本所职责")
    assert report.handling_org_id is None
    assert disclosure.accused_ids(report) == {people["marketing"].pk}  # bouncing clears nothing
    assert not disclosure.order_readable(report, accused_supervisor)


def test_rule_K9_no_report_is_forwarded_to_the_unit_it_is_about(matters, people):
    with pytest.raises(ValidationError) as refused:
        services.order_forward(order=matters["report"], actor=people["agent"], department=people["marketing"])
    assert refused.value.message_dict == {"department": ["举报不能转派给被举报单位 临河县营销部（规则 K-9）。"]}


def test_rule_K9_named_complaint_withholds_the_complainant_from_the_accused(matters, people, staff):
    named, carol = matters["named"], matters["persons"]["named"]
    handler = people["handler"]  # the 营销部 handles it: it may work on it, never see who complained
    assert disclosure.order_readable(named, handler)
    assert disclosure.person_of(named, handler) == disclosure.Person(disclosure.Access.WITHHELD)
    with pytest.raises(PermissionDenied):
        services.person_reveal(order=named, actor=handler)
    visitor = disclosure.person_of(named, staff["outside"][R.RETURN_VISIT])
    assert (visitor.customer_name, visitor.caller_phone, visitor.account_no) == (
        carol.name, carol.phone, carol.account_no)
    card = caller_card(customer=carol, user=handler)
    assert named.number not in {o.number for o in card.open_orders + card.recent_contacts}


def test_rule_K9_handler_records_the_accused_unit_later(people, province):
    carol = province["customers"][2]
    named = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=carol, caller_name=carol.name, caller_phone=carol.phone, title="估抄")
    assert disclosure.person_of(named, people["handler"]).customer_name == carol.name
    services.order_accuse(order=named, actor=people["office"], org=people["marketing"], note="查实为营销部责任")
    named = WorkOrder.objects.get(pk=named.pk)
    assert disclosure.person_of(named, people["handler"]).access == disclosure.Access.WITHHELD
    event = AuditEvent.objects.filter(stream=stream_of(named), action="order.accused").get()
    assert event.payload == {"org": "P0101-MKT", "note": "查实为营销部责任"}
    with pytest.raises(ValidationError):
        services.order_accuse(order=named, actor=people["office"], org=people["marketing"])


def test_crews_and_dispatchers_never_read_reports(matters, staff, people):
    report = matters["report"]
    for user in (people["lineman"], staff["outside"][R.REPAIR_CREW], people["dispatcher"]):
        assert report.org.path.startswith(user.scope_path)  # in scope by place...
        assert not disclosure.order_readable(report, user)  # ...but not a report desk
        assert not WorkOrder.objects.filter(disclosure.orders_readable_q(user), pk=report.pk).exists()


def test_masked_for_roles_without_need_and_show_is_audited(matters, people, staff):
    named, carol = matters["named"], matters["persons"]["named"]
    supervisor = staff["outside"][R.SUPERVISOR]
    person = disclosure.person_of(named, supervisor)
    assert (person.access, person.customer_name, person.caller_phone, person.account_no) == (
        disclosure.Access.MASKED, "王*", "138****0003", "1000****03")
    shown = services.person_reveal(order=named, actor=supervisor)
    assert (shown.customer_name, shown.caller_phone) == (carol.name, carol.phone)
    assert AuditEvent.objects.filter(stream=stream_of(named), action="person.shown",
                                     actor=supervisor).count() == 1
    with pytest.raises(PermissionDenied):
        services.person_reveal(order=matters["report"], actor=supervisor)  # never a seal


def test_administrators_open_no_seal_by_being_administrators(matters, make_staff, province):
    admin = make_staff("root_admin", province["root"], R.ADMINISTRATOR)
    admin.is_superuser = True
    admin.save()
    assert disclosure.person_of(matters["report"], admin).access == disclosure.Access.SEALED
    with pytest.raises(PermissionDenied):
        services.identity_open(order=matters["report"], actor=admin, purpose="看看")


# ---------------------------------------------------------------- issue 8, item 7: targets in scope


def test_writes_reach_only_targets_in_the_actors_scope(people, province, make_staff):
    other_city = province["other_city"]
    far_department = Org.objects.create(code="P02-MKT", name="云岭营销部", kind="department", parent=other_city)
    far_crew = Crew.objects.create(code="C9", name="云岭抢修班", org=other_city)
    far_user = make_staff("far_agent", other_city, R.AGENT)
    county_office = make_staff("county_office", province["county"], R.BACK_OFFICE, R.DISPATCHER)
    complaint = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                      customer=province["customers"][0], title="x")
    repair = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                   customer=province["customers"][2], title="停电", fault_side="customer_internal")
    refused = [
        lambda: services.order_forward(order=complaint, actor=county_office, department=far_department),
        lambda: services.order_dispatch(order=repair, actor=county_office, crew=far_crew),
        lambda: services.reminder_send(order=complaint, kind="remind", actor=county_office, reason="催",
                                       to_org=other_city),
        lambda: services.reminder_send(order=complaint, kind="remind", actor=county_office, reason="催",
                                       to_user=far_user),
    ]
    for attempt in refused:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "不在您的管辖范围内" in str(error.value)
    assert WorkOrder.objects.get(pk=complaint.pk).version == 1 and WorkOrder.objects.get(pk=repair.pk).version == 1


def test_show_masked_person_is_audited_once_and_shown_for_a_while(matters, staff, client):
    """Issue 9 item 12: the POST is audited and redirects; reloads within the window show it again."""
    from django.urls import reverse

    named, carol = matters["named"], matters["persons"]["named"]
    client.force_login(staff["outside"][R.MANAGER])
    url = reverse("console:order", args=[named.number])
    assert carol.phone not in client.get(url).content.decode()
    shown = client.post(reverse("console:order_person", args=[named.number]), follow=True)
    assert shown.redirect_chain == [(url, 302)] and carol.phone in shown.content.decode()
    assert carol.phone in client.get(url).content.decode()
    assert AuditEvent.objects.filter(stream=stream_of(named), action="person.shown").count() == 1
