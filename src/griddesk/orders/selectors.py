"""Reads about work orders, shaped for screens and the API.

`crew_covering` and `open_matter_of` run at every order's acceptance (the national-peak path):
their statements are prepared text (griddesk.fastsql), not ORM queries.
"""

from datetime import timedelta

from griddesk import fastsql
from griddesk.grid.models import Device
from griddesk.orders.models import OPEN_STATES, WorkOrder
from griddesk.orgs.models import Crew, Org
from griddesk.paths import path_ids

REPEAT_WINDOW = timedelta(days=30)  # rule A-4: "same matter" looks back this far


@fastsql.statement
def _crew_covering_sql(devices, orgs):
    qn = fastsql.qn
    crew, device, org = (qn(m._meta.db_table) for m in (Crew, Device, Org))
    # Nearest first: a device by its depth on the path, then an org of the path by its depth.
    sql = (
        f"SELECT {fastsql.columns(Crew, 'c')}, length(d.{qn('path')}) AS depth, 1 AS tier"
        f" FROM {device} d JOIN {crew} c ON c.{qn('id')} = d.{qn('crew_id')}"
        f" WHERE d.{qn('id')} IN ({fastsql.marks(devices)}) AND c.{qn('active')}"
    )
    if orgs:
        sql += (
            f" UNION ALL SELECT {fastsql.columns(Crew, 'c')}, length(o.{qn('path')}), 2"
            f" FROM {crew} c JOIN {org} o ON o.{qn('id')} = c.{qn('org_id')}"
            f" WHERE c.{qn('org_id')} IN ({fastsql.marks(orgs)}) AND c.{qn('active')}"
        )
    width = fastsql.width(Crew)  # by position: a compound select on SQLite orders by result columns only
    return sql + f" ORDER BY {width + 2}, {width + 1} DESC, 1 LIMIT 1"


def crew_covering(customer):
    """The crew covering a customer's transformer (rule R-1): the nearest device on the
    supply path with an active crew, else an active crew of the transformer's org or its
    ancestors (the nearest org's first registered). One query.
    """
    if customer is None:
        return None
    transformer = customer.transformer
    device_ids = path_ids(transformer.path)
    org = customer.org or transformer.org
    org_ids = path_ids(org.path) if org is not None else []
    rows = fastsql.fetch(_crew_covering_sql(len(device_ids), len(org_ids)), [*device_ids, *org_ids])
    return fastsql.instance(Crew, rows[0]) if rows else None


@fastsql.statement
def _open_matter_sql(with_category):
    qn = fastsql.qn
    sql = (
        f"SELECT {fastsql.columns(WorkOrder, 'o')} FROM {qn(WorkOrder._meta.db_table)} o"
        f" WHERE o.{qn('customer_id')} = %s AND o.{qn('order_type')} = %s"
        f" AND o.{qn('state')} IN ({fastsql.marks(len(OPEN_STATES))}) AND o.{qn('accepted_at')} >= %s"
        f" AND o.{qn('parent_id')} IS NULL"
    )
    if with_category:
        sql += f" AND o.{qn('category_id')} = %s"
    return sql + f" ORDER BY o.{qn('accepted_at')} LIMIT 1"


def open_matter_of(*, customer, order_type, category, now):
    """The open order of the same customer and matter, if any (rule A-4, 主单). One query."""
    if customer is None:
        return None
    params = [customer.pk, order_type, *OPEN_STATES, fastsql.moment(now - REPEAT_WINDOW)]
    if category is not None:
        params.append(category.pk)
    rows = fastsql.fetch(_open_matter_sql(category is not None), params)
    return fastsql.instance(WorkOrder, rows[0]) if rows else None
