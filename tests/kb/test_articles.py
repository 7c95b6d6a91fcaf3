"""Knowledge-base articles (rule C-2): versioned saves (history kept, who and when), audited; the
public /policies/ pages (search, categories, article; drafts never shown); the console's panel
beside the caller page (staff only)."""

import pytest
from django.urls import reverse

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.kb.models import Article, ArticleVersion

pytestmark = pytest.mark.django_db


def test_at_least_25_articles_are_seeded_and_published_in_every_category():
    assert Article.objects.filter(published=True).count() >= 25
    assert set(Article.objects.values_list("category", flat=True)) == {
        "policy", "faq", "connection", "billing", "outage", "service_channels"}
    assert ArticleVersion.objects.filter(number=1).count() == Article.objects.count()


def test_each_save_makes_a_version_with_its_editor_and_is_audited(people, admin_user):
    from griddesk.kb.services import article_save

    article = article_save(article=Article(code="new", title="测试文章", body="第一版正文。"),
                           actor=people["office"])
    article.body, article.published = "第二版正文。", True
    article_save(article=article, actor=admin_user)
    article.refresh_from_db()
    assert article.version == 2 and article.updated_by == admin_user
    versions = list(article.versions.order_by("number").values_list("number", "body", "published", "edited_by"))
    assert versions == [(1, "第一版正文。", False, people["office"].pk), (2, "第二版正文。", True, admin_user.pk)]
    events = list(AuditEvent.objects.filter(stream=stream_of(article)).order_by("seq"))
    assert [(e.action, e.payload["version"], e.payload["published"]) for e in events] == [
        ("kb.article_saved", 1, False), ("kb.article_saved", 2, True)]
    assert events[1].actor_id == admin_user.pk


def test_a_bad_article_is_refused_naming_the_field_and_nothing_is_saved(admin_user):
    from django.core.exceptions import ValidationError

    from griddesk.kb.services import article_save

    with pytest.raises(ValidationError) as error:
        article_save(article=Article(code="bad code!", title="", body="正文"), actor=admin_user)
    assert {"code", "title"} <= set(error.value.message_dict)
    assert not Article.objects.filter(body="正文").exists()


def test_the_admin_saves_through_the_service_and_shows_the_versions(admin_client, admin_user):
    article = Article.objects.get(code="pay-bills")
    url = reverse("admin:kb_article_change", args=[article.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "历史版本" in page.content.decode()
    data = {"code": article.code, "title": article.title, "category": article.category, "tags": article.tags,
            "rule": article.rule, "body": article.body + "\n新增：支持数字人民币缴费。", "published": "on",
            "versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1", "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000", "versions-0-id": str(article.versions.get().pk),
            "versions-0-article": str(article.pk)}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.version == 2 and article.updated_by == admin_user and "数字人民币" in article.body
    assert list(article.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert admin_client.get(reverse("admin:kb_articleversion_changelist")).status_code == 200


def test_policies_page_lists_categories_and_answers_a_question(client, django_assert_max_num_queries):
    page = client.get("/policies/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="shelf-billing"' in html and "电费有哪些缴纳方式" in html
    client.get("/policies/?q=电费")  # jieba loaded
    with django_assert_max_num_queries(3):
        page = client.get("/policies/", {"q": "新装电表要多久"})
    html = page.content.decode()
    first = html.index('class="policy-hit"')
    assert html.index("居民新装用电多久能装表接电", first) < html.index('class="policy-hit"', first + 1)


def test_an_article_page_shows_the_text_and_drafts_are_404(client, admin_user):
    from griddesk.kb.services import article_save

    page = client.get("/policies/planned-outage-notice/")
    assert page.status_code == 200 and "提前7天公告" in page.content.decode()
    article_save(article=Article(code="secret", title="未发布的文章", body="草稿正文。"), actor=admin_user)
    assert client.get("/policies/secret/").status_code == 404
    html = client.get("/policies/", {"q": "未发布的文章"}).content.decode()
    assert "/policies/secret/" not in html and "未发布的文章</a>" not in html


def test_an_english_page_shows_seeded_titles_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get("/policies/", {"q": "电费怎么交"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ways to pay the electricity bill" in html


def test_console_panel_is_for_staff_only(client, people):
    response = client.get("/console/kb/", {"q": "电费怎么交"})
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    assert client.get("/console/kb/pay-bills/").status_code == 302
    client.force_login(people["agent"])
    page = client.get("/console/kb/", {"q": "电费怎么交"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and html.startswith('<div id="kb-results"')
    assert html.index("电费有哪些缴纳方式") < html.index("kb-hit", html.index("电费有哪些缴纳方式"))
    article = client.get("/console/kb/pay-bills/", HTTP_HX_REQUEST="true").content.decode()
    assert article.startswith('<div id="kb-article"') and "银行代扣" in article


def test_console_panel_finds_drafts_for_staff(client, people, admin_user):
    from griddesk.kb.services import article_save

    article_save(article=Article(code="draft", title="内部口径：榴莲补贴", body="座席参考。"), actor=admin_user)
    client.force_login(people["agent"])
    html = client.get("/console/kb/", {"q": "榴莲"}).content.decode()
    assert "内部口径：榴莲补贴" in html and "未发布" in html


def test_the_caller_page_carries_the_panel(client, people, province):
    client.force_login(people["agent"])
    html = client.get("/console/caller/1000000001/").content.decode()
    assert 'id="kb-panel"' in html and 'hx-get="/console/kb/"' in html and "htmx" in html
