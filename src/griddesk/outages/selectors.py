"""Reads about outages and storm declarations."""

from django.utils import timezone

from griddesk.outages.models import ACTIVE_OUTAGE_STATES, OutageEvent, StormDeclaration
from griddesk.paths import path_ids


def storms_covering(*, org, at):
    """Storm declarations whose area (an org and its subtree) covers `org`, running at `at` or later.

    A storm covers an org when the storm's org is the org itself or one of its ancestors.
    """
    ancestor_ids = path_ids(org.path) if org.path else [org.pk]
    return list(
        StormDeclaration.objects.filter(
            org_id__in=ancestor_ids, ends_at__gt=at, lifted_at__isnull=True,
        ).order_by("starts_at")
    )


def outages_on_path(*, device_ids, now=None):
    """Active outages on any device of a supply path (rule C-9): one query."""
    now = now or timezone.now()
    return list(
        OutageEvent.objects.filter(device_id__in=device_ids, state__in=ACTIVE_OUTAGE_STATES, starts_at__lte=now)
        .select_related("device")
        .order_by("starts_at")
    )
