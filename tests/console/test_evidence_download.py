"""Evidence files (附件, rule K-4) are downloadable by whoever may read the order (orders.disclosure), each
download audited (rule K-8), offered as an attachment with the stored content type; 404 to anyone
else, for another order's file, and for a stored name outside the media directory."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orders.models import Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path


@pytest.fixture
def report(people, province):
    """A report about the county's 营销部, with a photo attached by the agent who took it."""
    order = services.order_create(order_type="report", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="抄表员收受好处",
                                  identity={"name": "钱七七", "phone": "13911112222"}, accused=[people["marketing"]])
    evidence = services.evidence_attach(order=order, actor=people["agent"], note="收据照片",
                                        file=SimpleUploadedFile("收据.jpg", b"\xff\xd8 receipt", "image/jpeg"))
    return order, evidence


@pytest.fixture
def repair_order(people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="家里停电", fault_side="utility")
    evidence = services.evidence_attach(order=order, actor=people["agent"],
                                        file=SimpleUploadedFile("现场.pdf", b"%PDF-1.4 site", "application/pdf"))
    return order, evidence


def _get(client, user, order, evidence_id):
    client.force_login(user)
    return client.get(reverse("console:order_evidence_file", args=[order.number, evidence_id]))


def _downloads(order):
    return list(AuditEvent.objects.filter(stream=stream_of(order), action="order.evidence_downloaded")
                .values_list("actor_id", "payload"))


def test_rule_K4_reader_downloads_the_file_audited_with_its_type(client, people, repair_order):
    order, evidence = repair_order
    response = _get(client, people["lineman"], order, evidence.pk)  # the crew dispatched to it reads it
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 site"
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''%E7%8E%B0%E5%9C%BA.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _downloads(order) == [(people["lineman"].pk, {"evidence": evidence.pk, "file": "现场.pdf",
                                                          "sha256": evidence.sha256})]


@pytest.mark.parametrize("who", ["agent", "leader", "office", "supervisor", "visitor"])
def test_rule_K7_report_desks_download_a_reports_evidence(client, people, report, who):
    order, evidence = report
    response = _get(client, people[who], order, evidence.pk)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert _downloads(order)[-1][0] == people[who].pk


@pytest.mark.parametrize("who", ["handler", "lineman", "dispatcher"])
def test_rule_K9_the_accused_unit_and_crews_get_404_for_a_reports_evidence(client, people, report, who):
    order, evidence = report
    assert _get(client, people[who], order, evidence.pk).status_code == 404
    assert _downloads(order) == []


def test_out_of_scope_staff_get_404(client, outsider, repair_order):
    order, evidence = repair_order
    assert _get(client, outsider, order, evidence.pk).status_code == 404
    assert _downloads(order) == []


def test_another_orders_file_is_404_under_this_order(client, people, report, repair_order):
    order, _evidence = repair_order
    _report, report_evidence = report
    assert _get(client, people["lineman"], order, report_evidence.pk).status_code == 404  # the crew's own order's URL
    assert _downloads(order) == [] and _downloads(_report) == []


def test_a_stored_name_outside_the_media_directory_is_never_served(client, people, repair_order, media):
    order, evidence = repair_order
    (media / "secret.txt").write_text("not evidence")
    Evidence.objects.filter(pk=evidence.pk).update(file="../secret.txt")
    assert _get(client, people["agent"], order, evidence.pk).status_code == 404
    Evidence.objects.filter(pk=evidence.pk).update(file="/etc/passwd")
    assert _get(client, people["agent"], order, evidence.pk).status_code == 404
    assert _downloads(order) == []


def test_a_missing_file_is_404_not_500(client, people, repair_order, media):
    order, evidence = repair_order
    Evidence.objects.filter(pk=evidence.pk).update(file="evidence/2020/01/gone.pdf")
    assert _get(client, people["agent"], order, evidence.pk).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, repair_order):
    order, evidence = repair_order
    response = client.get(reverse("console:order_evidence_file", args=[order.number, evidence.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("declared", "name", "stored"), [
    ("image/PNG", "a.png", "image/png"),
    ("text/plain; charset=utf-8", "a.txt", "text/plain"),
    ("text/html\r\nSet-Cookie: x=1", "a.jpg", "image/jpeg"),  # no header splitting: the name's type instead
    ("", "a.unknownext", "application/octet-stream"),
])
def test_the_stored_content_type_is_a_plain_type(people, province, declared, name, stored):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="电价咨询")
    upload = SimpleUploadedFile(name, b"data", declared)
    assert services.evidence_attach(order=order, actor=people["agent"], file=upload).content_type == stored


def test_the_order_page_links_each_file(client, people, repair_order):
    order, evidence = repair_order
    client.force_login(people["agent"])
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert f'href="{reverse("console:order_evidence_file", args=[order.number, evidence.pk])}"' in page
    assert "现场.pdf" in page
