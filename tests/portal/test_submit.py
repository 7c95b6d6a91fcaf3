"""Submissions from the public site (网上诉求), rules C-2 and K-2: each kind goes through the
hotline's order services with channel website and the time it was handed in; the answer gives the
order number and the deadline from the order's clocks; no account enumeration (docs/portal.md)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders.models import Channel, Evidence, OrderState, WorkOrder
from griddesk.outages.models import OutageEvent
from griddesk.portal.services import PORTAL_USERNAME
from tests.portal.form_helpers import PDF, PNG, solved


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the limits and used challenges are counted in the cache


@pytest.fixture
def site(province, people):
    """The test province with its people: the root's shift leader owns what the website accepts."""
    return {"customers": province["customers"], "county": province["county"], "leader": people["leader"]}


def post(client, kind, **fields):
    data = {"title": "网上反映", "description": "详细情况说明", "name": "赵六", "phone": "13900000009",
            "county": "P0101", **solved(), **fields}
    return client.post(f"/submit/{kind}/", data)


def only_order():
    orders = list(WorkOrder.objects.filter(channel=Channel.WEBSITE))
    assert len(orders) == 1, orders
    return orders[0]


@pytest.mark.parametrize("kind", ["complaint", "report", "consultation", "opinion", "suggestion", "praise"])
def test_rule_C2_K2_each_submission_kind_becomes_a_website_order(client, site, kind):
    before = timezone.now()
    response = post(client, kind)
    assert response.status_code == 200, response.content.decode()[:2000]
    order = only_order()
    assert (order.order_type, order.channel, order.org, order.owner) == (kind, "website", site["county"],
                                                                          site["leader"])
    assert before <= order.received_at <= timezone.now()  # rule K-2: the clock starts when handed in
    html = response.content.decode()
    assert f'id="order-number">{order.number}<' in html
    created = AuditEvent.objects.get(stream=stream_of(order), action="order.created")
    assert created.actor_label == "95598网站" and created.payload["channel"] == "website"
    assert created.actor.username == PORTAL_USERNAME and not created.actor.is_active  # cannot sign in


def test_rule_K3_the_answer_states_the_deadline_from_the_orders_clock(client, site):
    html = post(client, "complaint").content.decode()
    clock = only_order().clocks.get(key="K-3/complaint")
    due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    assert f"我们将在 5 天内答复您（规则 K-3），最迟 {due}。" in html


def test_rule_K3_a_report_is_answered_within_ten_days_and_a_consultation_without_a_clock(client, site):
    assert "我们将在 10 天内答复您（规则 K-3）" in post(client, "report").content.decode()
    consultation = post(client, "consultation", phone="13900000008").content.decode()
    assert "我们将尽快答复您。" in consultation and "规则 K-3" not in consultation


def test_rule_K3_the_deadline_words_follow_the_rule_set_not_fixed_text(client, site):
    from griddesk.rules.models import Deadline
    from griddesk.rules.selectors import rules_cache_clear, ruleset_in_force

    Deadline.objects.filter(version=ruleset_in_force(), key="K-3/complaint").update(amount=3)
    rules_cache_clear()  # a bulk update sends no signal
    html = post(client, "complaint").content.decode()
    assert "我们将在 3 天内答复您（规则 K-3）" in html


def test_a_complaint_with_a_matching_account_is_linked_to_the_customer(client, site):
    alice = site["customers"][0]
    post(client, "complaint", account_no=alice.account_no, phone=alice.phone, county="")
    order = only_order()
    assert (order.customer, order.org, order.caller_phone) == (alice, alice.org, alice.phone)


def test_rule_C8_R1_a_website_repair_is_dispatched_like_a_hotline_repair(client, site):
    alice = site["customers"][0]
    html = post(client, "repair", account_no=alice.account_no, phone=alice.phone).content.decode()
    order = only_order()
    assert (order.order_type, order.fault_side, order.customer, order.state) == (
        "repair", "unknown", alice, OrderState.DISPATCHED)
    assert order.crew.code == "C1"  # the crew covering the customer's transformer
    assert "我们将在 45 分钟内派抢修人员到达现场（规则 R-2）" in html


def test_rule_C9_a_website_repair_below_an_outage_joins_it(client, site, province):
    outage = OutageEvent.objects.create(code="GZ1", kind="fault", device=province["switch"], cause="开关跳闸",
                                        starts_at=timezone.now() - timedelta(minutes=5), state="active")
    alice = site["customers"][0]
    post(client, "repair", account_no=alice.account_no, phone=alice.phone)
    assert only_order().outage == outage


def test_no_enumeration_a_wrong_account_gives_the_same_answer_whether_it_exists_or_not(client, site):
    alice = site["customers"][0]
    unknown = post(client, "repair", account_no="9999999999", phone=alice.phone)
    wrong_phone = post(client, "repair", account_no=alice.account_no, phone="13911110000")
    assert unknown.status_code == wrong_phone.status_code == 400
    message = "户号与联系电话不一致"
    for response in (unknown, wrong_phone):
        assert message in response.content.decode() and 'id="id_account_no-error"' in response.content.decode()
    assert not WorkOrder.objects.exists()
    # a complaint goes ahead either way, unlinked, routed by the county chosen: the same answer page
    a = post(client, "complaint", account_no="9999999999", phone="13911110001")
    b = post(client, "complaint", account_no=alice.account_no, phone="13911110002")
    assert a.status_code == b.status_code == 200
    orders = list(WorkOrder.objects.order_by("pk"))
    assert [o.customer_id for o in orders] == [None, None] and {o.org for o in orders} == {site["county"]}
    assert "9999999999（与联系电话不一致或不存在" in orders[0].description


def test_form_errors_are_shown_at_the_field_and_keep_what_was_typed(client, site):
    response = post(client, "complaint", phone="12345", title="停电太多")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_phone-error"' in html and "请填写11位手机号码" in html
    assert 'aria-describedby="id_phone-error"' in html and 'aria-invalid="true"' in html
    assert 'value="停电太多"' in html and 'value="12345"' in html  # kept filled
    assert not WorkOrder.objects.exists()
    missing = post(client, "complaint", title="", county="").content.decode()
    assert 'id="id_title-error"' in missing and 'id="id_county-error"' in missing


def test_unknown_kind_is_404_and_odd_methods_are_refused(client, site):
    assert client.get("/submit/application/").status_code == 404
    assert client.get("/submit/nope/").status_code == 404
    assert client.put("/submit/complaint/").status_code == 405
    assert client.get("/submit/").status_code == 200 and client.get("/submit/report/").status_code == 200


def test_attachments_are_stored_as_the_orders_evidence_by_their_real_type(client, site):
    files = [SimpleUploadedFile("现场.png", PNG, "image/png"),
             SimpleUploadedFile("说明.pdf", PDF, "application/octet-stream")]
    assert post(client, "complaint", attachments=files).status_code == 200
    order = only_order()
    evidence = list(Evidence.objects.filter(order=order).order_by("pk"))
    assert [e.content_type for e in evidence] == ["image/png", "application/pdf"]
    names = [e.file.name.rsplit("/", 1)[-1] for e in evidence]  # our names (the storage may add a suffix)
    assert re.match(rf"{order.number}-website-1(_\w+)?\.png$", names[0]), names
    assert re.match(rf"{order.number}-website-2(_\w+)?\.pdf$", names[1]), names
    assert all(e.uploaded_by.username == PORTAL_USERNAME for e in evidence)
    assert "static" not in evidence[0].file.path  # the evidence storage, outside the web root


def test_submit_post_queries_are_bounded(client, site, django_assert_max_num_queries):
    """The submit POST: the limits of the address and the phone and the used challenge (one upsert
    each, griddesk.abuse), the customer, the owner, the site's account, the open-matter check, the
    deadlines, then the intake's inserts (counter, order, audit, head, clock): 18 measured."""
    alice = site["customers"][0]
    post(client, "opinion", phone="13900000001")  # the county list is cached per process after one read
    with django_assert_max_num_queries(19):
        response = post(client, "complaint", account_no=alice.account_no, phone=alice.phone, county="")
    assert response.status_code == 200
    # each attachment (orders.services.evidence_attach): its savepoint, evidence row, and the audit head read,
    # event and head update
    with django_assert_max_num_queries(19 + 3 * 5):
        response = post(client, "complaint", phone="13900000002",
                        attachments=[SimpleUploadedFile(f"{n}.png", PNG, "image/png") for n in range(3)])
    assert response.status_code == 200
