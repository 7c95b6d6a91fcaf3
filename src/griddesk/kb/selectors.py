"""Reads of the knowledge base's articles for the public site and the console (rule C-2). The search
itself is kb.search.articles_search."""

from griddesk.kb.models import Article, ArticleCategory

RELATED = 5


def published_by_category(*, category=""):
    """[(category value, label, [articles])] of the published articles, in the categories' order. One query."""
    rows = Article.objects.filter(published=True).only("code", "title", "category", "rule").order_by("title", "pk")
    if category:
        rows = rows.filter(category=category)
    shelves = {value: [] for value in ArticleCategory.values}
    for article in rows:
        shelves[article.category].append(article)
    return [(value, label, shelves[value]) for value, label in ArticleCategory.choices if shelves[value]]


def published_article(code):
    return Article.objects.filter(code=code, published=True).first()


def published_related(article):
    """Other published articles of the same category (the article page's "see also"). One query."""
    return list(Article.objects.filter(published=True, category=article.category).exclude(pk=article.pk)
                .only("code", "title").order_by("title")[:RELATED])


def article_for_staff(code):
    """An article as staff read it in the console: drafts included."""
    return Article.objects.filter(code=code).first()
