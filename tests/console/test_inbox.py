"""The console's inbox, its live unread count, the outbox and the 通报 pages (issue 9, docs/notify.md)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from griddesk.notify.models import Message
from griddesk.notify.services import messages_send
from griddesk.orders import services
from griddesk.orders.models import Reminder

pytestmark = pytest.mark.django_db

BADGE = reverse("console:inbox:badge")
INBOX = reverse("console:inbox:page")


def forwarded(people, province, customer=0):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][customer], title="营业员态度差")
    return services.order_forward(order=order, actor=people["agent"], department=people["marketing"])


def count_in(html):
    import re

    return int(re.search(r'id="inbox-unread">(\d+)<', html).group(1))


def test_the_header_shows_the_unread_count_and_polls_for_it(client, people, province):
    forwarded(people, province)
    client.force_login(people["handler"])
    html = client.get(reverse("console:home")).content.decode()
    assert count_in(html) == 1 and f'hx-get="{BADGE}"' in html and 'hx-trigger="every 15s"' in html
    assert count_in(client.get(BADGE, headers={"HX-Request": "true"}).content.decode()) == 1


def test_rule_K6_badge_query_count(client, people, province, django_assert_max_num_queries):
    for customer in range(3):
        forwarded(people, province, customer)
    client.force_login(people["handler"])
    client.get(BADGE)
    # session, user, roles, the user's unit (reports about it are hidden, K-9), and one count
    with django_assert_max_num_queries(5) as captured:
        response = client.get(BADGE)
    assert count_in(response.content.decode()) == 3
    assert sum("COUNT(" in q["sql"].upper() for q in captured.captured_queries) == 1


def test_the_badge_stops_polling_after_logout(client):
    assert client.get(BADGE).status_code == 286


def test_rule_K6_inbox_lists_my_units_messages_and_reminders_with_read_and_done(client, people, province):
    order = forwarded(people, province)
    reminder = services.reminder_send(order=order, kind="remind", actor=people["leader"], reason="客户张伟催促")
    client.force_login(people["handler"])
    html = client.get(INBOX).content.decode()
    assert f'data-reminder="{reminder.pk}"' in html and "客户张*催促" in html and "张伟" not in html
    assert html.count("data-message=") == 2  # the forward and the reminder, both to the desk
    message = Message.objects.filter(recipient_org=people["marketing"]).first()
    client.post(reverse("console:inbox:read", args=[message.pk]))
    assert Message.objects.get(pk=message.pk).read_at is not None
    client.post(reverse("console:inbox:read_all"))
    assert count_in(client.get(BADGE).content.decode()) == 0
    client.post(reverse("console:inbox:reminder_done", args=[reminder.pk]))  # the desk's member closes it
    reminder.refresh_from_db()
    assert reminder.done_at is not None and reminder.close_reason == "done"
    assert "没有待办的催办督办" in client.get(INBOX).content.decode()


def test_someone_elses_message_cannot_be_marked_read(client, people, province):
    forwarded(people, province)
    message = Message.objects.get(recipient_org=people["marketing"])
    client.force_login(people["station_handler"])
    assert client.post(reverse("console:inbox:read", args=[message.pk])).status_code == 404
    assert Message.objects.get(pk=message.pk).read_at is None


def test_rule_K6_inbox_query_count_does_not_grow_with_rows(client, people, province, django_assert_max_num_queries):
    order = forwarded(people, province)
    for i in range(15):
        services.reminder_send(order=order, kind="remind", actor=people["leader"], reason=f"第{i}次催办")
    messages_send([{"channel": "console", "recipient": people["handler"], "subject": f"消息{i}", "order": order}
                   for i in range(25)])
    client.force_login(people["handler"])
    client.get(INBOX)
    with django_assert_max_num_queries(9):  # session, user, roles, badge count, messages, reminders, crews
        response = client.get(INBOX)
    assert len(response.context["inbox_rows"]) == 20 and response.context["has_next"]
    assert len(response.context["reminders"]) == 15
    with django_assert_max_num_queries(7):  # the htmx poll: the lists only
        partial = client.get(INBOX, headers={"HX-Request": "true"})
    assert 'id="inbox-lists"' in partial.content.decode() and "<html" not in partial.content.decode()


def test_crew_members_see_their_crews_reminders(client, people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="utility")
    reminder = services.reminder_send(order=order, kind="remind", actor=people["leader"], reason="请尽快到达")
    client.force_login(people["lineman"])
    html = client.get(INBOX).content.decode()
    assert f'data-reminder="{reminder.pk}"' in html
    assert count_in(html) == 2  # the dispatch page and the reminder


def test_home_shows_the_desks_open_work(client, people, province):
    order = forwarded(people, province)
    client.force_login(people["handler"])
    html = client.get(reverse("console:home")).content.decode()
    assert 'id="desk-work"' in html and order.number in html


def test_outbox_page_for_shift_leaders_and_administrators_only(client, people, province, make_staff):
    people["crew"].phone = "13700001111"
    people["crew"].save()
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], fault_side="utility")
    client.force_login(people["agent"])
    assert client.get(reverse("console:inbox:outbox")).status_code == 403
    client.force_login(people["leader"])
    html = client.get(reverse("console:inbox:outbox")).content.decode()
    assert "13700001111" in html and order.number in html and "待发送" in html
    client.force_login(make_staff("sysadmin", province["root"], "administrator"))
    html = client.get(reverse("console:inbox:outbox")).content.decode()
    assert "137****1111" in html and "幸福路1号" not in html  # masked: their work does not need it


def test_rule_K6_circular_page_lists_overdue_per_unit(client, people, province):
    order = forwarded(people, province)
    services.reminder_send(order=order, kind="remind", actor=people["leader"], reason="催办",
                           due_at=timezone.now() + timedelta(minutes=1))
    Reminder.objects.update(due_at=timezone.now() - timedelta(hours=3))
    client.force_login(people["county_supervisor"])
    html = client.get(reverse("console:inbox:circular")).content.decode()
    assert 'data-unit="P0101-MKT"' in html and order.number in html
    client.force_login(people["handler"])
    assert client.get(reverse("console:inbox:circular")).status_code == 403
