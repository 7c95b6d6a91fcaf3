"""REST API v1 (django-ninja); see api/v1.py.

Anything under /api/ that no endpoint matches, and a method an endpoint does not take,
still answers in the API's JSON error format, never an HTML page. A body over Django's
DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is 413 on every path, before the token is checked
and without reading the body.
"""

from functools import wraps

from django.conf import settings
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _

from griddesk.api.errors import error_response, too_large_response
from griddesk.api.v1 import api


def _too_large(request):
    """The declared length is over the limit (Django reads the body only up to CONTENT_LENGTH)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django reads such a body as empty
    return limit is not None and length > limit


def _api_view(view):
    """413 for an oversized body before anything reads it; JSON for a method the endpoint does not take."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _too_large(request):
            return too_large_response()
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            answer = error_response(405, "method_not_allowed",
                                    _("不支持 %(method)s 方法；可用：%(allowed)s") % {
                                        "method": request.method, "allowed": allowed})
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _api_view(pattern.callback)
        elif isinstance(pattern, URLResolver):
            _wrapped(pattern.url_patterns)
    return patterns


@_api_view
def unknown_endpoint(request, rest=""):
    return error_response(404, "not_found", _("没有这个接口：%s（见 /api/v1/docs）") % request.path)


_v1_patterns, _v1_app, _v1_namespace = api.urls  # not `app_name`: that would namespace this module
urlpatterns = [
    path("v1/", (_wrapped(_v1_patterns), _v1_app, _v1_namespace)),
    re_path(r"^(?P<rest>.*)$", unknown_endpoint),
]
