"""Outages affecting a customer (rules C-9, Q-3): what the website, the app and the IVR tell them."""

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from griddesk.api import render
from griddesk.api.schemas import ErrorOut, OutageOut
from griddesk.api.selectors import NotFound
from griddesk.customers.lookup import customer_for_caller
from griddesk.outages.selectors import outages_for_customer
from griddesk.paths import path_ids

router = Router(tags=["停电信息"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class OutageParams(Schema):
    customer: str = Field(min_length=1, max_length=20, description="户号")


@router.get("/outages", response={200: list[OutageOut], **ERRORS}, summary="客户供电路径上的停电与停电计划")
def outages(request, params: Query[OutageParams]):
    """Every outage on the customer's supply path that is in progress (active, or announced and
    started) or announced to come (a planned or temporary outage published ahead, rule Q-3),
    soonest start first. A customer unknown or outside the token user's scope is 404."""
    customer = customer_for_caller(account_no=params.customer, user=request.auth)
    if customer is None:
        raise NotFound(_("找不到户号 %s，或该客户不在您的管辖范围内。") % params.customer)
    return [render.outage_dict(o) for o in outages_for_customer(device_ids=path_ids(customer.transformer.path))]
