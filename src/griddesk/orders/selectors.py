"""Reads about work orders, shaped for screens and the API."""

from griddesk.grid.models import Device
from griddesk.orgs.models import Crew
from griddesk.paths import path_ids


def crew_covering(customer):
    """The crew covering a customer's transformer (rule R-1): the nearest device on the
    supply path with a crew, else an active crew of the transformer's org or its ancestors.
    One query when a device on the path has a crew; two otherwise.
    """
    if customer is None:
        return None
    transformer = customer.transformer
    ids = path_ids(transformer.path)
    crews = {device.pk: device.crew for device in Device.objects.filter(
        pk__in=ids, crew__isnull=False, crew__active=True).select_related("crew").only("pk", "crew")}
    for device_id in reversed(ids):
        if device_id in crews:
            return crews[device_id]
    org = customer.org or transformer.org
    if org is None:
        return None
    crews = {c.org_id: c for c in Crew.objects.filter(org_id__in=path_ids(org.path), active=True)
             .order_by("-pk")}
    for org_id in reversed(path_ids(org.path)):
        if org_id in crews:
            return crews[org_id]
    return None
