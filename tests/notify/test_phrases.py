"""Notifications in the reader's language (notify.phrases): sent and stored in Chinese, shown to
staff in the language of their page; an SMS stays as it was sent."""

from django.utils import translation

from griddesk.notify.models import Message
from griddesk.notify.phrases import Label, Lines, Phrase, phrase_of
from griddesk.orders import services


def test_a_phrase_survives_its_round_trip_through_the_database_form():
    phrase = Lines([Phrase("%(number)s（%(type)s）", number="GD1", type=Label("投诉")), "",
                    Phrase("……另有 %d 件，见工作台“催办督办通报”。", 3)])
    again = phrase_of(phrase.part())
    with translation.override("zh-hans"):
        assert again.shown() == phrase.shown() == "GD1（投诉）\n\n……另有 3 件，见工作台“催办督办通报”。"
    with translation.override("en"):
        assert again.shown().startswith("GD1 (Complaint)\n\n")


def test_a_forward_tells_the_department_in_chinese_and_an_english_reader_reads_english(province, people):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="态度差")
    with translation.override("en"):  # whoever's request sends it, it is sent in the site's language
        services.order_forward(order=order, actor=people["leader"], department=people["marketing"], note="请调查")
    message = Message.objects.get(recipient_org=people["marketing"])
    assert message.subject == f"新转派工单：{order.number}（投诉）"
    with translation.override("en"):
        assert message.shown_subject == f"New referred work order: {order.number} (Complaint)"
        assert "referred it to 临河县营销部" in message.shown_text
    with translation.override("zh-hans"):
        assert message.shown_subject == message.subject and message.shown_text == message.body


def test_a_message_without_a_phrase_or_with_a_broken_one_shows_its_text_as_sent(db):
    plain = Message(channel="console", subject="旧消息", body="正文")
    broken = Message(channel="console", subject="新消息", recipe={"subject": {"m": "%(gone)s", "v": {"other": 1}}})
    with translation.override("en"):
        assert (plain.shown_subject, plain.shown_text) == ("旧消息", "正文")
        assert broken.shown_subject == "新消息"


def test_rule_K6_the_sweepers_reason_reads_in_english_on_the_order_page(client, province, people):
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from griddesk.orders.models import Reminder
    from griddesk.orders.sweeper import clocks_sweep

    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="态度差")
    clocks_sweep(now=timezone.now() + timedelta(days=30))  # every clock of the order missed
    reminder = Reminder.objects.filter(order=order).exclude(clock_key="").first()
    assert reminder is not None and reminder.reason.startswith("已超时：")  # kept as sent
    client.force_login(people["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/console/orders/{order.number}/").content.decode()
    assert "Overdue: " in page and "已超时" not in page

    from griddesk.notify.models import Message

    told = Message.objects.filter(order=order, channel="console", body__startswith="原因：").first()
    with translation.override("en"):
        assert told is not None and "Overdue: " in told.shown_text and "已超时" not in told.shown_text
