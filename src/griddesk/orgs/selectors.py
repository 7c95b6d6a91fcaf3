"""Reads about organisations and staff scope."""

from django.db.models import Q

from griddesk.paths import subtree_q


def orgs_visible_q(user, field="path"):
    """Q restricting `field` (an org path) to the user's org subtree; nothing if the user has no org.

    Superusers see everything. Every staff list and query goes through this.
    """
    if user.is_superuser:
        return Q()
    if not user.org_id:
        return Q(pk__in=[])
    return subtree_q(user.org.path, field)
