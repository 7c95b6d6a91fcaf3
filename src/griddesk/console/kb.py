"""The knowledge base beside the caller page (知识库检索, rule C-2): the same search as the public
/policies/ (kb.search.articles_search), drafts included, answers readable in the panel while the
agent is on the phone. Staff only (login); crews included, they answer customers too."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from griddesk.kb import selectors
from griddesk.kb.search import QUERY_MAX, articles_search

RESULTS = 8


@login_required
@require_GET
def kb_search(request):
    """Results for `q`: the panel's list (htmx) or a page of its own."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    results = articles_search(query, published_only=False, limit=RESULTS) if query else []
    context = {"query": query, "results": results}
    if request.htmx:
        return render(request, "console/kb/_results.html", context)
    return render(request, "console/kb/search.html", context)


@login_required
@require_GET
def kb_article(request, code):
    """An article's text: into the panel (htmx) or as a page."""
    article = selectors.article_for_staff(code)
    if article is None:
        raise Http404(_("没有编码为 %s 的知识库文章。") % code)
    if request.htmx:
        return render(request, "console/kb/_article.html", {"article": article})
    return render(request, "console/kb/article.html", {"article": article})
