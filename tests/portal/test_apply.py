"""Business applications from the website (业务办理), rules W-3, H-6 and H-7: the catalogue (documents,
steps, fees, deadlines; seeded, editable in the admin), the form that points at the wrong field, and
a valid application entering the six-stage application workflow (orders.workflows.APPLICATION)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.business.models import BusinessItem
from griddesk.business.reference_names import SEEDED_BUSINESS_TEXT
from griddesk.business.seed import seeded_lines
from griddesk.business.services import business_item_save
from griddesk.orders import services as order_services
from griddesk.orders.models import Evidence, OrderState, WorkOrder
from tests.portal.form_helpers import PDF, PNG, solved


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def apply(client, code, **fields):
    data = {"name": "周九", "phone": "13700000001", "county": "P0101", "address": "临河县城关镇幸福路18号",
            **solved(), **fields}
    return client.post(f"/apply/{code}/", data)


def test_rule_H6_the_catalogue_is_seeded_with_documents_steps_fees_and_deadlines(db):
    items = {item.code: item for item in BusinessItem.objects.all()}
    assert set(items) == {"lv-resident", "lv-nonresident", "capacity-increase", "change-of-use"}
    resident = items["lv-resident"]
    assert resident.application_kind == "resident" and not resident.needs_account
    assert len(resident.document_lines()) == 3 and "装表接电" in resident.step_lines()
    assert "居民低压新装不收取业务费用" in resident.fee_lines()
    assert resident.deadline_lines() == ["受理申请后5个工作日内装表接电（规则 T-3）"]
    assert len(items["lv-nonresident"].step_lines()) == 6  # the six stages of the application workflow
    assert items["capacity-increase"].needs_account and items["capacity-increase"].needs_capacity


def test_rule_W3_every_seeded_line_has_english(db):
    lines = set(seeded_lines())
    assert lines <= set(SEEDED_BUSINESS_TEXT), lines - set(SEEDED_BUSINESS_TEXT)
    with translation.override("en"):
        untranslated = [line for line in lines if any("\u4e00" <= ch <= "\u9fff" for ch in gettext(line))]
        assert not untranslated, untranslated
        assert BusinessItem.objects.get(code="lv-resident").document_lines()[0].startswith("Valid ID")


def test_rule_W3_H6_the_pages_list_each_business_with_what_it_needs(client, db):
    index = client.get("/apply/").content.decode()
    for name in ("居民低压新装", "低压非居民新装", "增容", "改类", "所需资料", "收费标准", "办理时限"):
        assert name in index
    form = client.get("/apply/lv-nonresident/").content.decode()
    assert "营业执照或其他主体资格证明" in form and "填写说明" in form and 'name="capacity_kva"' in form
    assert client.get("/apply/no-such-business/").status_code == 404
    BusinessItem.objects.filter(code="change-of-use").update(active=False)
    assert client.get("/apply/change-of-use/").status_code == 404
    assert "/submit/" in client.get("/").content.decode()  # reached from the home page


def test_rule_T3_a_resident_application_enters_the_workflow_with_its_clocks(client, province, people):
    response = apply(client, "lv-resident", documents=[SimpleUploadedFile("身份证.png", PNG, "image/png")])
    assert response.status_code == 200, response.content.decode()[:2000]
    order = WorkOrder.objects.get()
    assert (order.order_type, order.channel, order.application_kind, order.state, order.org) == (
        "application", "website", "resident", OrderState.ACCEPTED, province["county"])
    assert (order.caller_name, order.caller_phone, order.title) == ("周九", "13700000001", "居民低压新装")
    assert "用电地址：临河县城关镇幸福路18号" in order.description
    assert set(order.clocks.values_list("key", flat=True)) == {"T-1/lv", "T-3/resident"}
    html = response.content.decode()
    assert f'id="order-number">{order.number}<' in html and "我们将在 5 个工作日内装表接电（规则 T-3）" in html
    assert Evidence.objects.get(order=order).stage == "application"
    # the back office runs it like any application: energised within T-3
    energised = order_services.order_application_stage(order=order, actor=people["office"], stage="energise")
    assert energised.state == OrderState.ENERGISED


def test_rule_T1_a_non_resident_application_gets_its_supply_plan_clock(client, province, people):
    response = apply(client, "lv-nonresident", name="临河县幸福超市", capacity_kva="40",
                     documents=[SimpleUploadedFile("执照.pdf", PDF, "application/pdf")])
    assert response.status_code == 200
    order = WorkOrder.objects.get()
    assert order.application_kind == "lv_nonresident" and "申请容量：40 kVA" in order.description
    assert list(order.clocks.values_list("key", flat=True)) == ["T-1/lv"]
    assert "我们将在 10 天内答复供电方案（规则 T-1）" in response.content.decode()
    planned = order_services.order_application_stage(order=order, actor=people["office"], stage="reply_plan",
                                                     note="低压380V接入")
    assert planned.state == OrderState.PLAN_REPLIED


def test_rule_H7_a_wrong_field_is_pointed_at_and_the_rest_kept(client, province, people):
    response = apply(client, "lv-nonresident", name="幸福超市", phone="1380000", capacity_kva="很多", address="幸福路")
    assert response.status_code == 400
    html = response.content.decode()
    for field, message in (("phone", "请填写11位手机号码"), ("capacity_kva", "申请容量请填写整数"),
                           ("address", "用电地址太简略")):
        assert f'id="id_{field}-error"' in html and message in html, field
        assert f'aria-describedby="id_{field}-error"' in html
    assert 'value="幸福超市"' in html and 'value="1380000"' in html
    assert not WorkOrder.objects.exists()
    missing = apply(client, "lv-nonresident", capacity_kva="", county="").content.decode()
    assert 'id="id_capacity_kva-error"' in missing and 'id="id_county-error"' in missing


def test_rule_H7_an_existing_customers_business_checks_account_and_phone_alike(client, province, people):
    wang = province["customers"][2]  # 380V: a low-voltage non-resident
    unknown = apply(client, "capacity-increase", account_no="9999999999", phone=wang.phone, capacity_kva="60")
    wrong = apply(client, "capacity-increase", account_no=wang.account_no, phone="13700000099", capacity_kva="60")
    for response in (unknown, wrong):
        assert response.status_code == 400 and 'id="id_account_no-error"' in response.content.decode()
        assert "户号与联系电话不一致" in response.content.decode()
    assert not WorkOrder.objects.exists()
    accepted = apply(client, "capacity-increase", account_no=wang.account_no, phone=wang.phone, capacity_kva="60")
    assert accepted.status_code == 200
    order = WorkOrder.objects.get()
    assert (order.customer, order.org, order.application_kind) == (wang, wang.org, "lv_nonresident")


def test_application_documents_are_checked_like_every_upload(client, province, people):
    fake = SimpleUploadedFile("房产证.pdf", b"PK\x03\x04 a zip", "application/pdf")
    response = apply(client, "lv-resident", documents=[fake])
    assert response.status_code == 400 and 'id="id_documents-error"' in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_rule_H6_the_catalogue_is_edited_in_the_admin_and_audited(admin_client, db):
    item = BusinessItem.objects.get(code="lv-resident")
    page = admin_client.get(f"/admin/business/businessitem/{item.pk}/change/")
    assert page.status_code == 200 and "居民低压新装" in page.content.decode()
    fields = {f: getattr(item, f) for f in ("code", "name", "summary", "application_kind", "documents", "steps",
                                            "fees", "deadlines", "rules", "instructions", "sort")}
    fields.update(fees="居民低压新装不收取业务费用\n新增：电能表免费校验一次", active="on")
    response = admin_client.post(f"/admin/business/businessitem/{item.pk}/change/", fields)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.fee_lines()[-1] == "新增：电能表免费校验一次"
    assert AuditEvent.objects.filter(stream=stream_of(item), action="business.changed").count() == 1
    item.rules = "T3"
    with pytest.raises(ValidationError) as refused:
        business_item_save(item=item, actor=None)
    assert "rules" in refused.value.message_dict


@pytest.mark.parametrize("url", ["/submit/", "/submit/report/", "/submit/repair/", "/apply/", "/apply/lv-nonresident/",
                                 "/apply/capacity-increase/"])
def test_the_public_forms_are_english(client, province, url):
    from django.conf import settings

    from tests.console.pages import cjk_lines, read_page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    counties = [province["city"].name, province["county"].name]  # data: the county list's names
    left = cjk_lines(read_page(response.content.decode()), known=counties)
    assert not left, left
