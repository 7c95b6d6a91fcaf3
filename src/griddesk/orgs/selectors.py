"""Reads about organisations and staff scope."""

from django.db.models import Q

from griddesk.paths import subtree_q


def orgs_visible_q(user, field="path"):
    """Q restricting `field` (an org path) to the user's scope (Staff.scope_path); nothing without an org.

    Superusers see everything. Every staff list and query goes through this.
    """
    if user.is_superuser:
        return Q()
    if not user.org_id:
        return Q(pk__in=[])
    return subtree_q(user.scope_path, field)


def org_in_scope(user, org):
    """`org` lies in the user's scope (管辖范围): the one test of every write's target (a department
    forwarded to, a crew dispatched, a reminder's recipient). Superusers reach everything."""
    if user.is_superuser:
        return True
    if not user.org_id or org is None or not org.path:
        return False
    return org.path.startswith(user.scope_path)


def default_owner(org):
    """Who owns an order entered with no person (a letter keyed in by a service, an import), rule
    K-5: the nearest active shift leader up `org`'s tree, else the nearest agent; None if neither.
    One query."""
    from griddesk.orgs.models import RoleCode, Staff
    from griddesk.paths import path_ids

    ids = path_ids(org.path) if org.path else [org.pk]
    candidates = (Staff.objects.filter(org_id__in=ids, is_active=True,
                                       roles__code__in=[RoleCode.SHIFT_LEADER, RoleCode.AGENT])
                  .values_list("pk", "org_id", "roles__code").order_by("pk"))
    rank = {RoleCode.SHIFT_LEADER: 0, RoleCode.AGENT: 1}
    best = min(candidates, key=lambda c: (-ids.index(c[1]), rank[c[2]], c[0]), default=None)
    return Staff.objects.select_related("org").get(pk=best[0]) if best else None


def order_visible(order, user):
    """The order is in the user's scope: by its org or the department it was forwarded to (K-3),
    or it was dispatched to one of the user's crews (R-1). No query unless the crew check is needed."""
    if user.is_superuser:
        return True
    if user.org_id is None:
        return False
    scope = user.scope_path
    if order.org.path.startswith(scope):
        return True
    if order.handling_org_id and order.handling_org.path.startswith(scope):
        return True
    return bool(order.crew_id) and order.crew_id in crew_ids_of(user)


def crew_ids_of(user):
    """The ids of the user's crews, cached on the instance (bulk actions ask once per order)."""
    if not hasattr(user, "_crew_ids"):
        user._crew_ids = frozenset(user.crews.values_list("pk", flat=True))
    return user._crew_ids
