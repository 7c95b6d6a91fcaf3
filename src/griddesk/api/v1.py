"""GridDesk REST API v1 (django-ninja): /api/v1/, schema at /api/v1/openapi.json, docs at /api/v1/docs.

For IVR/CTI, the mobile app and WeChat: everything the agent console does. Token auth
(`Authorization: Bearer <token>`), scoped to the token user's org subtree and roles.
See docs/api.md.
"""

from django.conf import settings
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI

from griddesk.api import errors
from griddesk.api.auth import TokenAuth
from griddesk.api.routers import actions, callers, calls, ivr, orders, outages, tokens

api = NinjaAPI(
    title="GridDesk API",
    version="1",
    description="95598 供电服务平台开放接口：来电查询、受理工单（幂等）、工单流程操作、停电信息。"
                "错误统一为 JSON：{code, message, details}。",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    # The docs page is Swagger UI from the installed package (settings: "ninja" app, no CDN); it sets
    # style attributes, which the site-wide policy refuses: allowed here, and only here.
    docs_decorator=csp_override({**settings.SECURE_CSP, "style-src-attr": ["'unsafe-inline'"]}),
)
errors.install(api)
api.add_router("", callers.router)
api.add_router("", orders.router)
api.add_router("", actions.router)
api.add_router("", calls.router)
api.add_router("", tokens.router)
api.add_router("", outages.router)
api.add_router("", ivr.router)
