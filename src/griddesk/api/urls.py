"""REST API v1 (django-ninja); see api/v1.py.

Anything under /api/ that no endpoint matches, and a method an endpoint does not take,
still answers in the API's JSON error format, never an HTML page.
"""

from functools import wraps

from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _

from griddesk.api.errors import error_response
from griddesk.api.v1 import api


def _json_method_not_allowed(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
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
            pattern.callback = _json_method_not_allowed(pattern.callback)
        elif isinstance(pattern, URLResolver):
            _wrapped(pattern.url_patterns)
    return patterns


def unknown_endpoint(request, rest=""):
    return error_response(404, "not_found", _("没有这个接口：%s（见 /api/v1/docs）") % request.path)


_v1_patterns, _v1_app, _v1_namespace = api.urls  # not `app_name`: that would namespace this module
urlpatterns = [
    path("v1/", (_wrapped(_v1_patterns), _v1_app, _v1_namespace)),
    re_path(r"^(?P<rest>.*)$", unknown_endpoint),
]
