"""Canned replies (标准话术): filling a phrase's placeholders from the order and the agent, and the
admin's saves, audited on the phrase's stream (rule K-8). Articles (知识库文章): every save is a new
version, indexed for search (kb.search) and audited on the article's stream."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.kb import search
from griddesk.kb.models import PLACEHOLDER, Article, ArticleVersion, CannedReply


def reply_values(*, user, order=None):
    """{placeholder: text} for `user` (the agent) and `order`; a value that is not known is left out."""
    values = {}
    if getattr(user, "agent_no", ""):
        values["工号"] = user.agent_no
    unit = _speaking_unit(user)
    if unit is not None:
        values["单位"] = unit.name
    if order is not None:
        values["工单编号"] = order.number
        outage = order.outage if getattr(order, "outage_id", None) else None
        if outage is not None:
            if outage.cause:
                values["停电原因"] = outage.cause
            if outage.expected_restoration_at:
                values["预计恢复"] = _("%(month)d月%(day)d日%(time)s") % {
                    "month": timezone.localtime(outage.expected_restoration_at).month,
                    "day": timezone.localtime(outage.expected_restoration_at).day,
                    "time": timezone.localtime(outage.expected_restoration_at).strftime("%H:%M")}
    return values


def _speaking_unit(user):
    """The unit an agent names (rule C-4): their own, or for a department the unit it belongs to."""
    org = getattr(user, "org", None) if getattr(user, "org_id", None) else None
    if org is not None and org.kind == "department" and org.parent_id:
        return org.parent
    return org


def reply_fill(text, values):
    """`text` with every `{名称}` placeholder replaced by its value; one without a value becomes
    【名称】 for the agent to complete before sending."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), f"【{m.group(1)}】"), text or "")


def replies_filled(*, user, order=None):
    """The active phrases, each with `filled` set: ready for the console's picker. One query (plus the
    order's outage, if it has one and it is not loaded yet)."""
    replies = list(CannedReply.objects.filter(active=True).order_by("position", "pk"))
    values = reply_values(user=user, order=order)
    for reply in replies:
        reply.filled = reply_fill(reply.text, values)
    return replies


def reply_save(*, reply, actor):
    """Save a phrase from the admin (validated: `full_clean`), audited on its stream."""
    reply.full_clean()
    with transaction.atomic():
        created = reply.pk is None
        reply.save()
        audit_append(stream=stream_of(reply), action="kb.reply_saved", actor=actor, new_stream=created,
                     payload={"title": reply.title, "kind": reply.kind, "text": reply.text, "active": reply.active})
    return reply


def article_save(*, article, actor, now=None):
    """Save an article from the admin (rule C-2): validated (`full_clean`), segmented for search, a new
    `ArticleVersion` (number, text, who, when), the search index updated and the save audited on the
    article's stream, in one transaction. Saving an unchanged article still makes a version: the
    editor meant to save it."""
    article.full_clean(exclude=["version", "search_title", "search_body", "updated_at", "updated_by"])
    now = now or timezone.now()
    with transaction.atomic():
        created = article.pk is None
        if not created:  # the version number is read under a lock: two editors never share one
            article.version = Article.objects.select_for_update().values_list("version", flat=True).get(pk=article.pk)
        article.version += 1
        article.search_title = search.segment(f"{article.title} {' '.join(article.tag_list())}")
        article.search_body = search.segment(article.body)
        article.updated_at, article.updated_by = now, actor
        article.save()
        ArticleVersion.objects.create(article=article, number=article.version, title=article.title,
                                      category=article.category, tags=article.tags, body=article.body,
                                      published=article.published, edited_by=actor, edited_at=now)
        search.index_sync(article)
        audit_append(stream=stream_of(article), action="kb.article_saved", actor=actor, new_stream=created,
                     at=now, payload={"code": article.code, "version": article.version, "title": article.title,
                                      "category": article.category, "published": article.published,
                                      "body_chars": len(article.body)})
    return article
