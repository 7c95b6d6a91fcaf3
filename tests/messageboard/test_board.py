"""The website's message board (留言板), rule W-4: a visitor posts (phone required, never shown;
CSRF; a server-verified challenge; a limit per address), the message waits in the console's queue
with its `W-4/reply` due time (overdue first), a moderator replies and publishes, hides or rejects
it (audited), and only published messages with replies show publicly, masked."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from griddesk.abuse.services import challenge_new
from griddesk.abuse.services import challenge_problem as challenge_check
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.messageboard import selectors, services
from griddesk.messageboard.models import Post, PostState

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post_at(when, **fields):
    values = {"name": "张伟", "phone": "13800000001", "text": "我家电压低，晚上灯很暗，户号1000000001。"}
    values.update(fields)
    return services.post_submit(now=when, **values)


def form_post(client, *, answer=None, **fields):
    """Load the board, solve its challenge from the question shown, post the form."""
    html = client.get("/board/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    a, b = map(int, re.search(r'id="challenge-question">(\d+) 加 (\d+) 等于几', html).groups())
    data = {"name": "", "phone": "13900000009", "text": "请问新装电表要多久？", "token": token,
            "answer": str(a + b if answer is None else answer)}
    data.update(fields)
    return client.post("/board/", data)


# ---------------------------------------------------------------- the reply clock


def test_rule_W4_reply_due_two_working_days_after_the_post_day():
    post = post_at(datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))  # a Friday
    assert post.due_at == datetime(2026, 12, 8, 23, 59, 59, tzinfo=SHANGHAI)  # Mon, Tue; the end of Tuesday
    assert post.deadline_key == "W-4/reply" and post.ruleset_version.ruleset.name == "service-code"


def test_rule_W4_reply_clock_skips_the_national_day_holiday():
    post = post_at(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    assert timezone.localtime(post.due_at) == datetime(2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)


def test_rule_W4_queue_shows_overdue_first_with_the_due_time(people, client):
    now = timezone.now()
    fresh = post_at(now)
    old = post_at(now - timedelta(days=10))
    queue = selectors.moderation_queue(now=now)
    assert [p.pk for p in queue["waiting"]] == [old.pk, fresh.pk]
    assert [p.overdue for p in queue["waiting"]] == [True, False] and queue["overdue_count"] == 1
    client.force_login(people["office"])
    html = client.get("/console/posts/").content.decode()
    assert html.index(f'id="post-row-{old.pk}"') < html.index(f'id="post-row-{fresh.pk}"')
    assert timezone.localtime(fresh.due_at).strftime("%m-%d %H:%M") in html and "已超时" in html


# ---------------------------------------------------------------- posting


def test_rule_W4_a_visitor_posts_through_the_form(client):
    response = form_post(client, name="王强")
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.name, post.phone, post.state, post.ip) == ("王强", "13900000009", "pending", "127.0.0.1")
    event = AuditEvent.objects.get(stream=stream_of(post))
    assert event.action == "messageboard.post_submitted" and "13900000009" not in str(event.payload)
    page = client.get("/board/").content.decode()
    assert "留言已提交" in page and "请问新装电表要多久" not in page  # not public before a reply


def test_rule_W4_phone_is_required_and_bad_input_names_the_field(client):
    response = form_post(client, phone="")
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.post_submit(name="", phone="abc", text="短", now=timezone.now())
    assert set(error.value.message_dict) == {"phone", "text"}
    assert not Post.objects.exists()


def test_rule_W4_the_form_needs_csrf():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/board/", {"phone": "13900000009", "text": "没有令牌的留言", "token": "x", "answer": "1"})
    assert response.status_code == 403 and not Post.objects.exists()


def test_rule_W4_a_wrong_answer_is_refused(client):
    response = form_post(client, answer=99)
    assert response.status_code == 400 and "验证题答案不正确" in response.content.decode()
    assert not Post.objects.exists()


def test_rule_W4_challenge_is_checked_on_the_server_once(db):
    challenge = challenge_new(a=3, b=4)
    assert challenge.question == "3 加 4 等于几？" and "7" not in challenge.token.split(":")[0]
    assert challenge_check(challenge.token, "8") == "验证题答案不正确。"
    assert challenge_check(challenge.token, "7") is None
    assert challenge_check(challenge.token, "7") == "验证题已使用过，请重新作答。"  # no replay
    assert challenge_check(challenge.token[:-2] + "xx", "7") == "验证题无效，请重新作答。"
    assert challenge_check("", "7") == "验证题无效，请重新作答。"


def test_rule_W4_challenge_expires(db, monkeypatch):
    from griddesk.abuse import services as abuse

    old = challenge_new(a=1, b=1)
    monkeypatch.setattr(abuse, "CHALLENGE_MAX_AGE", -1)
    assert challenge_check(old.token, "2") == "验证题已过期，请重新作答。"


def test_rule_W4_rate_limit_per_address(client, settings):
    settings.GRIDDESK_BOARD_POSTS_PER_HOUR = 2
    assert form_post(client).status_code == 302
    assert form_post(client).status_code == 302
    third = form_post(client)
    assert third.status_code == 400 and "您留言过于频繁" in third.content.decode()
    assert Post.objects.count() == 2
    other = form_post(Client(REMOTE_ADDR="10.0.0.9"))  # another address is not held back
    assert other.status_code == 302 and Post.objects.count() == 3


# ---------------------------------------------------------------- moderation


def test_rule_W4_a_moderator_replies_and_publishes_masked(client, people):
    post = post_at(timezone.now())
    client.force_login(people["office"])
    page = client.get(f"/console/posts/{post.pk}/").content.decode()
    assert "13800000001" in page  # staff see the phone to call back
    response = client.post(f"/console/posts/{post.pk}/decide/", {
        "decision": "publish", "reply": "张伟您好，已安排人员于明天到户号1000000001测量电压，联系电话0531-88886666。"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED and post.replied_by == people["office"]
    event = AuditEvent.objects.filter(stream=stream_of(post)).order_by("-seq").first()
    assert (event.action, event.payload["decision"], event.payload["late"]) == (
        "messageboard.post_moderated", "publish", False)
    html = Client().get("/board/").content.decode()
    assert f'id="post-{post.pk}"' in html
    assert "13800000001" not in html and "1000000001" not in html and "张伟" not in html
    assert "张*" in html and "********01" in html and "0531****6666" in html and "测量电压" in html


@pytest.mark.parametrize("decision", ["hide", "reject"])
def test_rule_W4_hidden_or_rejected_messages_are_never_public(people, decision):
    post = post_at(timezone.now(), text="这条留言不应公开：广告内容")
    services.post_moderate(post=post, decision=decision, reply="已电话联系" if decision == "hide" else "",
                           actor=people["leader"])
    assert Post.objects.get(pk=post.pk).state == {"hide": "hidden", "reject": "rejected"}[decision]
    assert selectors.public_posts() == []
    assert "不应公开" not in Client().get("/board/").content.decode()


def test_rule_W4_a_reply_is_required_to_publish_and_a_message_is_decided_once(people):
    post = post_at(timezone.now())
    with pytest.raises(ValidationError) as error:
        services.post_moderate(post=post, decision="publish", reply=" ", actor=people["office"])
    assert "reply" in error.value.message_dict
    services.post_moderate(post=post, decision="publish", reply="已处理", actor=people["office"])
    with pytest.raises(ValidationError):
        services.post_moderate(post=post, decision="reject", actor=people["leader"])
    assert Post.objects.get(pk=post.pk).state == "published"
    assert AuditEvent.objects.filter(stream=stream_of(post), action="messageboard.post_moderated").count() == 1


def test_rule_W4_a_late_reply_is_recorded_as_late(people):
    post = post_at(timezone.now() - timedelta(days=10))
    services.post_moderate(post=post, decision="publish", reply="抱歉回复晚了", actor=people["office"])
    event = AuditEvent.objects.filter(stream=stream_of(post)).order_by("-seq").first()
    assert event.payload["late"] is True


def test_rule_W4_only_back_office_and_shift_leaders_moderate(client, people):
    post = post_at(timezone.now())
    with pytest.raises(PermissionDenied):
        services.post_moderate(post=post, decision="reject", actor=people["agent"])
    client.force_login(people["agent"])
    assert client.get("/console/posts/").status_code == 403
    assert client.post(f"/console/posts/{post.pk}/decide/", {"decision": "reject"}).status_code == 403
    client.force_login(people["leader"])
    assert client.get("/console/posts/").status_code == 200
    assert Client().get("/console/posts/").status_code == 302  # the public: to the login page
    assert Post.objects.get(pk=post.pk).state == "pending"


def test_rule_W4_a_refused_decision_shows_a_message_and_changes_nothing(client, people):
    post = post_at(timezone.now())
    client.force_login(people["office"])
    response = client.post(f"/console/posts/{post.pk}/decide/", {"decision": "publish", "reply": ""})
    assert response.status_code == 400 and "请填写回复内容" in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == "pending"


def test_public_list_is_one_query(people, django_assert_num_queries):
    for n in range(3):
        post = post_at(timezone.now(), text=f"第{n}条留言内容")
        services.post_moderate(post=post, decision="publish", reply="已回复", actor=people["office"])
    with django_assert_num_queries(1):
        assert len(selectors.public_posts()) == 3


def test_board_page_and_moderation_queue_queries_do_not_grow(client, people, django_assert_max_num_queries):
    for n in range(5):
        post = post_at(timezone.now(), text=f"第{n}条留言内容")
        if n % 2:
            services.post_moderate(post=post, decision="publish", reply="已回复", actor=people["office"])
    with django_assert_max_num_queries(2):
        queue = selectors.moderation_queue()
    assert len(queue["waiting"]) == 3 and len(queue["handled"]) == 2
    with django_assert_max_num_queries(2):
        assert Client().get("/board/").status_code == 200
