"""Caller look-up, the caller card and a customer's outages (rules C-9, A-4, R-3)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field as NField
from ninja import Query, Router, Schema

from griddesk.api import render
from griddesk.api.schemas import CallerCardOut, CustomerOut, ErrorOut, OutageOut
from griddesk.api.selectors import NotFound
from griddesk.customers.lookup import caller_card, caller_lookup, customer_for_caller
from griddesk.orders import services
from griddesk.outages.selectors import outages_on_path
from griddesk.paths import path_ids

router = Router(tags=["客户与来电"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class LookupParams(Schema):
    q: str = NField(min_length=1, max_length=100, description="电话、户号或地址片段")
    limit: int = NField(20, ge=1, le=50)


class LookupOut(Schema):
    kind: str = NField(description="number（电话/户号）、address、address_short 或 empty")
    capped: bool = NField(description="达到 limit，可能还有更多")
    cut_off: bool = NField(description="1–2 个字的地址片段扫描超时被截断：请多输入几个字")
    customers: list[CustomerOut]


def _customer(user, account_no):
    customer = customer_for_caller(account_no=account_no, user=user)
    if customer is None:
        raise NotFound(_("找不到户号 %s，或该客户不在您的管辖范围内。") % account_no)
    return customer


@router.get("/callers", response={200: LookupOut, **ERRORS}, summary="来电客户查询")
def callers(request, params: Query[LookupParams]):
    """Customers by phone (own or a contact's), account number or address fragment, in the
    token user's org subtree."""
    found = caller_lookup(query=params.q, user=request.auth, limit=params.limit)
    return {"kind": found.kind, "capped": found.capped, "cut_off": found.cut_off,
            "customers": [render.customer_dict(c, request.auth) for c in found]}


@router.get("/customers/{account_no}", response={200: CallerCardOut, **ERRORS}, summary="客户信息卡")
def customer_card(request, account_no: str):
    """The caller card: supply path, active outages on it with cause and expected restoration and
    the apology prompt (C-9), storm mode (R-3), open orders, 30-day contacts and the repeat flag
    (A-4), important and sensitive marks."""
    card = caller_card(customer=_customer(request.auth, account_no), user=request.auth)
    prompt = None
    if card.outages:
        prompt = _("该客户所在线路正在停电：请向客户说明停电原因和预计恢复时间，并致歉（规则 C-9）。")
    return {
        "customer": render.customer_dict(card.customer, request.auth),
        "supply_path": [render.device_dict(d) for d in card.supply_path],
        "outages": [render.outage_dict(o) for o in card.outages], "apology_prompt": prompt,
        "upcoming_outages": [render.outage_dict(o) for o in card.upcoming],
        "storms": [render.storm_dict(s) for s in card.storms],
        "open_orders": [render.contact_dict(o) for o in card.open_orders],
        "recent_contacts": [render.contact_dict(o) for o in card.recent_contacts],
        "repeat_contact": card.repeat_contact, "important": card.important, "sensitive": card.sensitive,
    }


@router.post("/customers/{account_no}/reveal", response={200: CustomerOut, **ERRORS},
            summary="显示客户完整信息")
def customer_reveal(request, account_no: str):
    """The customer's unmasked name, account, phone and address for a role that sees them masked;
    the showing is audited on the customer's history."""
    customer = _customer(request.auth, account_no)
    services.customer_reveal(customer=customer, actor=request.auth)
    return render.customer_dict(customer, request.auth, reveal=True)


def _outages_of(customer):
    return [render.outage_dict(o)
            for o in outages_on_path(device_ids=path_ids(customer.transformer.path), now=timezone.now())]


@router.get("/customers/{account_no}/outages", response={200: list[OutageOut], **ERRORS},
            summary="客户供电路径上的停电")
def customer_outages(request, account_no: str):
    """Active outages on the customer's supply path (rule C-9)."""
    return _outages_of(_customer(request.auth, account_no))
