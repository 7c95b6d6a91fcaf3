"""Reads of the message board (rule W-4): the public list (approved, replied, masked) and the
moderation queue (waiting messages, the most overdue first, each with its due time)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from griddesk.messageboard.masking import mask_personal, public_name
from griddesk.messageboard.models import Post, PostState

PUBLIC_PAGE = 20
QUEUE_LIMIT = 200
HANDLED_LIMIT = 50


@dataclass(frozen=True)
class PublicPost:
    """A message as the public sees it: masked, no phone, no internal note."""

    pk: int
    name: str
    text: str
    posted_at: datetime
    reply: str
    replied_at: datetime


def public_posts(*, limit=PUBLIC_PAGE):
    """Approved messages with their replies, newest reply first, personal data masked. One query."""
    rows = (Post.objects.filter(state=PostState.PUBLISHED).exclude(reply="")
            .only("pk", "name", "text", "posted_at", "reply", "replied_at").order_by("-replied_at", "-pk")[:limit])
    return [public_post(post) for post in rows]


def public_post(post):
    names = [post.name] if post.name else []
    return PublicPost(pk=post.pk, name=public_name(post.name), text=mask_personal(post.text, names),
                      posted_at=post.posted_at, reply=mask_personal(post.reply, names), replied_at=post.replied_at)


def moderation_queue(*, now=None):
    """Waiting messages, earliest due first (so the overdue ones lead), each with `overdue`; and the
    latest handled ones. Two queries."""
    now = now or timezone.now()
    waiting = list(Post.objects.filter(state=PostState.PENDING).order_by("due_at", "pk")[:QUEUE_LIMIT])
    for post in waiting:
        post.overdue = post.due_at < now
    handled = list(Post.objects.exclude(state=PostState.PENDING).select_related("replied_by")
                   .order_by("-replied_at", "-pk")[:HANDLED_LIMIT])
    return {"waiting": waiting, "overdue_count": sum(post.overdue for post in waiting), "handled": handled}


def post_for_moderation(pk):
    return Post.objects.select_related("replied_by", "ruleset_version__ruleset").filter(pk=pk).first()
