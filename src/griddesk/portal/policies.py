"""The public library (政策法规 / 常见问题), rule C-2: search in Chinese, browse by category, read an
article. Thin: reads come from `kb.search` and `kb.selectors`."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from griddesk.kb import selectors
from griddesk.kb.models import ArticleCategory
from griddesk.kb.search import QUERY_MAX, articles_search

RESULTS = 10


@require_GET
def policies(request):
    """Search box, categories and, for a question, the articles that answer it, best first."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    category = request.GET.get("category", "")
    if category not in ArticleCategory.values:
        category = ""
    context = {"query": query, "category": category, "categories": ArticleCategory.choices}
    if query:
        context["results"] = articles_search(query, category=category, limit=RESULTS)
    else:
        context["shelves"] = selectors.published_by_category(category=category)
    return render(request, "portal/policies.html", context)


@require_GET
def policy(request, code):
    article = selectors.published_article(code)
    if article is None:
        raise Http404(_("没有这篇文章，或它尚未发布。"))
    return render(request, "portal/policy.html", {"article": article, "categories": ArticleCategory.choices,
                                                  "related": selectors.published_related(article)})
