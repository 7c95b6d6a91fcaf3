"""The message board's changes (rule W-4): a visitor's message (its reply clock started from the rule
set's `W-4/reply`), and staff's moderation decision with the reply, each audited on the message's
stream (rule K-8). A message's phone number never enters the audit payload."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.abuse.services import attempt_counted, attempts_made
from griddesk.audit.services import audit_append, stream_of
from griddesk.messageboard.models import REPLY_DEADLINE_KEY, Post, PostState
from griddesk.orgs.models import RoleCode
from griddesk.rules.selectors import compute_due, ruleset_in_force

# Who answers the website's messages: back office (the website's staff) and shift leaders.
MODERATOR_ROLES = (RoleCode.BACK_OFFICE, RoleCode.SHIFT_LEADER)
TEXT_MIN, TEXT_MAX, NAME_MAX, REPLY_MAX, NOTE_MAX = 5, 1000, 20, 2000, 200
PHONE = re.compile(r"^\+?[\d\- ]{7,20}$")
RATE_WINDOW = 3600


class Decision:
    PUBLISH = "publish"  # reply, and show message and reply publicly (masked)
    HIDE = "hide"  # reply, not shown publicly (a private matter: the customer is called back)
    REJECT = "reject"  # no reply: abuse, advertising, nonsense

    STATES = {PUBLISH: PostState.PUBLISHED, HIDE: PostState.HIDDEN, REJECT: PostState.REJECTED}


def may_moderate(user):
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_role(*MODERATOR_ROLES)))


def reply_due(posted_at):
    """(due, rule set version) of a message posted at `posted_at`: the `W-4/reply` deadline of the rule
    set in force then (2 working days in the service code's set)."""
    version = ruleset_in_force(at=posted_at)
    return compute_due(REPLY_DEADLINE_KEY, start=posted_at, ruleset_version=version).due, version


def post_submit(*, name, phone, text, ip=None, now=None):
    """A visitor's message (rule W-4): validated (each field named), its reply deadline computed,
    audited. ValidationError({field: message}) and nothing written when the input is bad."""
    name, phone, text = (name or "").strip(), (phone or "").strip(), (text or "").strip()
    errors = {}
    if len(name) > NAME_MAX:
        errors["name"] = _("称呼最多 %d 个字。") % NAME_MAX
    if not phone:
        errors["phone"] = _("请填写联系电话，工作人员可能需要与您联系（不会公开）。")
    elif not PHONE.match(phone) or not 7 <= sum(ch.isdigit() for ch in phone) <= 15:
        errors["phone"] = _("联系电话格式不正确：请填写7至15位数字的手机或固定电话。")
    if len(text) < TEXT_MIN:
        errors["text"] = _("留言内容至少 %d 个字。") % TEXT_MIN
    elif len(text) > TEXT_MAX:
        errors["text"] = _("留言内容最多 %d 个字。") % TEXT_MAX
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    due, version = reply_due(now)
    with transaction.atomic():
        post = Post.objects.create(name=name, phone=phone, text=text, posted_at=now, ip=ip, due_at=due,
                                   ruleset_version=version, deadline_key=REPLY_DEADLINE_KEY)
        audit_append(stream=stream_of(post), action="messageboard.post_submitted", new_stream=True, at=now,
                     payload={"chars": len(text), "named": bool(name), "due_at": due.isoformat(),
                              "rule": REPLY_DEADLINE_KEY, "ruleset_version": version.pk})
    return post


def post_moderate(*, post, decision, actor, reply="", note="", now=None):
    """Staff's decision on a waiting message (rule W-4): publish with a reply, reply without publishing,
    or reject. Only moderators (MODERATOR_ROLES); only a waiting message; a reply is required unless
    rejecting. Audited with the decision, the reply and whether it came after the deadline."""
    if not may_moderate(actor):
        raise PermissionDenied(_("只有处理部门和值长可以处理网站留言。"))
    if decision not in Decision.STATES:
        raise ValidationError({"decision": _("未知的处理方式。")})
    reply, note = (reply or "").strip(), (note or "").strip()
    errors = {}
    if decision != Decision.REJECT and not reply:
        errors["reply"] = _("请填写回复内容。")
    elif len(reply) > REPLY_MAX:
        errors["reply"] = _("回复内容最多 %d 个字。") % REPLY_MAX
    if len(note) > NOTE_MAX:
        errors["note"] = _("内部备注最多 %d 个字。") % NOTE_MAX
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state != PostState.PENDING:
            raise ValidationError(_("这条留言已经处理过（%s）。") % locked.get_state_display())
        locked.state = Decision.STATES[decision]
        locked.reply = reply if decision != Decision.REJECT else ""
        locked.note, locked.replied_at, locked.replied_by = note, now, actor
        locked.save(update_fields=["state", "reply", "note", "replied_at", "replied_by"])
        audit_append(stream=stream_of(locked), action="messageboard.post_moderated", actor=actor, at=now,
                     payload={"decision": decision, "state": locked.state, "reply": locked.reply, "note": note,
                              "due_at": locked.due_at.isoformat(), "late": now > locked.due_at})
    post.__dict__.update({k: getattr(locked, k) for k in ("state", "reply", "note", "replied_at", "replied_by_id")})
    return post


def rate_limit_reached(ip):
    """True when `ip` has posted `GRIDDESK_BOARD_POSTS_PER_HOUR` messages this hour (griddesk.abuse's
    counter, shared by every server process)."""
    if not ip:
        return False
    return attempts_made("board-ip", ip, seconds=RATE_WINDOW) >= settings.GRIDDESK_BOARD_POSTS_PER_HOUR


def rate_limit_count(ip):
    """Count a message from `ip` in this hour's window."""
    if ip:
        attempt_counted("board-ip", ip, limit=settings.GRIDDESK_BOARD_POSTS_PER_HOUR, seconds=RATE_WINDOW)
