"""Labels, never codes: what the new-user crawl found, pinned down one by one."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from griddesk.api.services import call_outcome_record
from griddesk.console import pickers
from griddesk.console.forms import AccuseForm, IntakeForm
from griddesk.orders import services
from griddesk.orders.models import Category
from griddesk.orgs.models import Org
from tests.console.pages import read_page


def test_units_sharing_a_name_are_told_apart_by_their_path(province):
    twin = Org.objects.create(code="P0201", name="城关供电所", kind="station", parent=province["other_city"])
    labels = pickers.org_labels(list(Org.objects.order_by("path")))
    assert labels[province["station"].pk] == "青州供电公司 / 临河县供电公司 / 城关供电所"
    assert labels[twin.pk] == "云岭供电公司 / 城关供电所"


def test_unit_selects_use_the_path_for_shared_names(province):
    Org.objects.create(code="P0201", name="城关供电所", kind="station", parent=province["other_city"])
    form = AccuseForm(prefix="accuse", orgs=Org.objects.order_by("path"))
    with translation.override("zh-hans"):
        labels = [str(label) for _value, label in form.fields["org"].choices]
    assert "青州供电公司 / 临河县供电公司 / 城关供电所" in labels and "云岭供电公司 / 城关供电所" in labels
    assert len(labels) == len(set(labels))


def test_the_state_filter_offers_no_label_twice():
    with translation.override("zh-hans"):
        labels = [str(label) for _value, label in pickers.state_choices()]
        assert "已答复（投诉、举报）" in labels and "已答复（咨询、查询、意见、建议、表扬）" in labels
    with translation.override("en"):
        labels = [str(label) for _value, label in pickers.state_choices()]
        assert "Answered (Complaint, Report (whistleblowing))" in labels
    assert len(labels) == len(set(labels))


def test_the_category_filter_offers_no_label_twice_and_marks_the_2014_classes(db):
    with translation.override("zh-hans"):
        labels = [option.label for option in pickers.category_tree(include_reporting=True)]
    assert len(labels) == len(set(labels))
    assert any(label.endswith("（2014版，仅统计）") for label in labels)
    with translation.override("en"):
        english = [str(option.label) for option in pickers.category_tree(include_reporting=True)]
    assert not any("供电质量" in label for label in english)


@pytest.fixture(autouse=True)
def _chinese_again():
    """A request in English leaves English active in the thread: later tests expect the default."""
    yield
    translation.deactivate()


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "— 请选择 —"), ("en", "— Select —")])
def test_the_empty_choice_is_translated(db, language, label):
    with translation.override(language):
        html = str(IntakeForm()["accused"])
    assert f">{label}</option>" in html and "Select an option" not in html


def test_the_timeline_shows_labels_and_names_not_codes(client, people, province):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="营业员态度差",
                                  category=Category.objects.get(code="A1-ATT"))
    services.order_forward(order=order, actor=people["leader"], department=people["marketing"], note="请调查")
    order.refresh_from_db()
    services.order_contact(order=order, actor=people["handler"], note="已联系")
    order.refresh_from_db()
    services.order_findings(order=order, actor=people["handler"], findings="属实", cause="attitude")
    client.force_login(people["leader"])
    page = read_page(client.get(reverse("console:order", args=[order.number])).content.decode())
    assert "处理部门: 临河县营销部" in page.text and "P0101-MKT" not in page.text
    assert "渠道: 95598热线" in page.text and "hotline" not in page.text
    assert "责任原因: 工作人员服务态度" in page.text and "attitude" not in page.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = read_page(client.get(reverse("console:order", args=[order.number])).content.decode())
    assert "Channel: 95598 hotline" in page.text and "Cause: Staff attitude" in page.text


def test_the_harassment_table_shows_the_agent_number_once(client, people, province):
    call_outcome_record(outcome="harassment", caller_phone="13912345678", note="辱骂", actor=people["agent"])
    client.force_login(people["leader"])
    html = client.get(reverse("console:queues:queue")).content.decode()
    assert html.count("95598001") == 1 and "agent（95598001）" in html


def test_rule_K8_audit_keeps_the_actor_the_same_in_every_language(people, province):
    from griddesk.audit.models import AuditEvent

    with translation.override("en"):
        assert str(people["agent"]) == "agent (95598001)"
        order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                      customer=province["customers"][0], title="电价咨询")
    event = AuditEvent.objects.filter(stream__endswith=f":{order.pk}").order_by("seq").first()
    assert event.actor_label == "agent（95598001）"
