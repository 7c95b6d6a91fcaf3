"""Every API error is JSON: {"code": "...", "message": "<中文说明>", "details": {...}}.

| status | code | when |
|---|---|---|
| 400 | malformed / invalid | unreadable body; a value the domain refuses (Django ValidationError) |
| 401 | unauthorized | no, unknown, expired or revoked token |
| 403 | forbidden | the user's role may not do this (PermissionDenied) |
| 404 | not_found | unknown, or outside the user's org scope (never 403: no existence leak) |
| 409 | conflict / stale_version | the workflow (or a token rotation) refuses now; someone changed the order first |
| 413 | too_large | a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), before any token check (api/urls.py) |
| 422 | validation_error / idempotency_mismatch | the request does not match the schema; key reused |
| 500 | server_error | a bug: logged with its traceback, answered without one |
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError

from griddesk.api.auth import BadCharacters
from griddesk.api.selectors import NotFound
from griddesk.api.services import IdempotencyMismatch, TokenNotRotatable
from griddesk.orders.batching import IntakeTimeout
from griddesk.orders.services import ConcurrentUpdate
from griddesk.orders.workflows import TransitionRefused

logger = logging.getLogger("griddesk.api")


def error_response(status, code, message, details=None):
    return JsonResponse({"code": code, "message": str(message), "details": details or {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _field_name(loc):
    """("body", "payload", "identity", "phone") -> "identity.phone"; query/header keep their source."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
        if parts and parts[0] == "payload":
            parts = parts[1:]
    elif parts and parts[0] in ("query", "header", "path"):
        parts = parts[1:]
    return ".".join(parts) or _("请求体")


def _explain(error):
    """A Chinese sentence for one pydantic error."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    templates = {
        "missing": _("缺少必填字段"),
        "extra_forbidden": _("不认识的字段（请检查拼写）"),
        "string_type": _("必须是字符串"),
        "string_too_long": _("长度不能超过 %(max_length)s 个字符"),
        "string_too_short": _("长度不能少于 %(min_length)s 个字符"),
        "int_type": _("必须是整数"),
        "int_parsing": _("必须是整数"),
        "int_from_float": _("必须是整数"),
        "bool_type": _("必须是 true 或 false"),
        "bool_parsing": _("必须是 true 或 false"),
        "greater_than_equal": _("必须大于等于 %(ge)s"),
        "greater_than": _("必须大于 %(gt)s"),
        "less_than_equal": _("必须小于等于 %(le)s"),
        "enum": _("取值必须是以下之一：%(expected)s"),
        "literal_error": _("取值必须是以下之一：%(expected)s"),
        "datetime_type": _("必须是 ISO 8601 时间，如 2026-01-31T08:30:00+08:00"),
        "datetime_parsing": _("必须是 ISO 8601 时间，如 2026-01-31T08:30:00+08:00"),
        "datetime_from_date_parsing": _("必须是 ISO 8601 时间，如 2026-01-31T08:30:00+08:00"),
        "timezone_aware": _("时间必须带时区，如 +08:00"),
        "decimal_parsing": _("必须是数字"),
        "decimal_type": _("必须是数字"),
        "decimal_max_digits": _("数字位数太多（最多 %(max_digits)s 位）"),
        "decimal_max_places": _("小数位数太多（最多 %(decimal_places)s 位）"),
        "decimal_whole_digits": _("整数部分位数太多"),
        "finite_number": _("必须是有限的数字"),
        "list_type": _("必须是数组"),
        "too_long": _("元素太多（最多 %(max_length)s 个）"),
        "model_type": _("必须是 JSON 对象"),
        "model_attributes_type": _("必须是 JSON 对象"),
        "dict_type": _("必须是 JSON 对象"),
        "json_invalid": _("不是合法的 JSON"),
        "string_unicode": _("必须是合法的 UTF-8 文本"),
    }
    if kind == "value_error" and ctx.get("error"):  # a validator's own sentence (schemas.py)
        return str(ctx["error"])
    template = templates.get(kind)
    if template is None:
        return _("取值无效（%s）") % error.get("msg", kind)
    try:
        return template % {k: str(v) for k, v in ctx.items()} if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return template.split("%")[0].rstrip("：: ") or _("取值无效")


def _schema_error(request, exc, api):
    details = {}
    for error in exc.errors:
        details.setdefault(_field_name(error.get("loc", ())), _explain(error))
    first_field, first_message = next(iter(details.items()), (_("请求"), _("格式不正确")))
    message = _("请求参数有误：字段“%(field)s”%(problem)s。") % {"field": first_field, "problem": first_message}
    if len(details) > 1:
        message += _("（共 %d 处错误，见 details）") % len(details)
    return error_response(422, "validation_error", message, details)


def _django_validation_error(request, exc, api):
    if hasattr(exc, "error_dict"):
        details = {field: "；".join(str(m) for m in messages) for field, messages in exc.message_dict.items()}
    else:
        details = {"__all__": "；".join(str(m) for m in exc.messages)}
    message = "；".join(details.values())
    return error_response(400, "invalid", message, details)


def _http_error(request, exc, api):
    if exc.status_code == 400:
        return error_response(400, "malformed", _("请求体不是合法的 JSON。"))
    if exc.status_code == 401:
        message = exc.message if exc.message != "Unauthorized" else _(
            "缺少或无效的访问令牌：请在请求头中发送 Authorization: Bearer <令牌>。")
        return error_response(401, "unauthorized", message)
    if exc.status_code == 405:
        return error_response(405, "method_not_allowed", _("不支持该请求方法。"))
    return error_response(exc.status_code, "error", exc.message)


def _bad_characters(request, exc, api):
    return error_response(400, "invalid", str(exc))


def _not_found(request, exc, api):
    message = getattr(exc, "message", None) or _("找不到该资源，或它不在您的管辖范围内。")
    return error_response(404, "not_found", message)


def _permission_denied(request, exc, api):
    return error_response(403, "forbidden", str(exc) or _("您的角色不能执行此操作。"))


def _transition_refused(request, exc, api):
    return error_response(409, "conflict", str(exc))


def _concurrent_update(request, exc, api):
    return error_response(409, "stale_version", str(exc))


def _idempotency_mismatch(request, exc, api):
    return error_response(422, "idempotency_mismatch", str(exc))


def too_large_response():
    return error_response(413, "too_large", _("请求体过大：上限为 %(limit)s 字节（约 %(mb)s MB）。") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "mb": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g}"})


def _too_large(request, exc, api):
    return too_large_response()


def _token_not_rotatable(request, exc, api):
    return error_response(409, "conflict", str(exc))


def _intake_timeout(request, exc, api):
    return error_response(503, "busy", _("系统繁忙，工单尚未确认写入；请带同一个幂等键重试（不会重复建单）。"))


def _unexpected(request, exc, api):
    # Last resort: the bug is logged with its traceback; the client gets JSON, never a trace.
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    return error_response(500, "server_error", _("服务器内部错误，已记录，请稍后重试或联系管理员。"))


def install(api):
    handlers = {
        SchemaError: _schema_error,
        DjangoValidationError: _django_validation_error,
        HttpError: _http_error,
        AuthenticationError: _http_error,
        BadCharacters: _bad_characters,
        NotFound: _not_found,
        Http404: _not_found,
        PermissionDenied: _permission_denied,
        TransitionRefused: _transition_refused,
        ConcurrentUpdate: _concurrent_update,
        IdempotencyMismatch: _idempotency_mismatch,
        RequestDataTooBig: _too_large,
        TokenNotRotatable: _token_not_rotatable,
        IntakeTimeout: _intake_timeout,
        Exception: _unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, lambda request, exc, handler=handler: handler(request, exc, api))
