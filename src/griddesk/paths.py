"""Materialised paths for the organisation tree and the network tree.

A node's `path` is the concatenation of its ancestors' primary keys and its
own, each zero-padded to `SEGMENT` digits: org 3 under org 1 is
"0000000100000003". Digits only, so every database collation orders paths the
same way, and a subtree is a single indexed range scan
(`path >= P and path < P'`, where P' is P with its last segment plus one);
the ancestors of a node are read off its path without a query.
"""

from django.db import models, transaction
from django.db.models import Q

SEGMENT = 8


def segment(pk):
    return str(pk).zfill(SEGMENT)


def path_ids(path):
    """The primary keys along a path, root first."""
    return [int(path[i : i + SEGMENT]) for i in range(0, len(path), SEGMENT)]


def subtree_bounds(path):
    """(lo, hi) such that a node is in the subtree rooted at `path` iff lo <= its path < hi."""
    if not path:
        raise ValueError("node has no path yet")
    head, last = path[:-SEGMENT], path[-SEGMENT:]
    return path, head + segment(int(last) + 1)


def subtree_q(path, field="path"):
    lo, hi = subtree_bounds(path)
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


class PathTreeMixin(models.Model):
    """Keeps `path` and `depth` right for models with a `parent` foreign key to themselves."""

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError({"parent": _("上级不能是自身或其下级（会形成环）。")})

    def compute_path(self, parent_path=None):
        if parent_path is None:
            parent_path = self.parent.path if self.parent_id else ""
        return parent_path + segment(self.pk)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            new_path = self.compute_path()
            if new_path != old_path:
                type(self).objects.filter(pk=self.pk).update(
                    path=new_path, depth=len(new_path) // SEGMENT - 1
                )
                self.path, self.depth = new_path, len(new_path) // SEGMENT - 1
                if old_path:
                    self._move_descendants(old_path, new_path)

    def _move_descendants(self, old_path, new_path):
        # Configuration changes only (re-parenting a unit or a feeder): rare, so a
        # plain loop is fine and stays portable across SQLite and PostgreSQL.
        model = type(self)
        moved = []
        for node in model.objects.filter(subtree_q(old_path)).exclude(pk=self.pk):
            node.path = new_path + node.path[len(old_path):]
            node.depth = len(node.path) // SEGMENT - 1
            moved.append(node)
        model.objects.bulk_update(moved, ["path", "depth"], batch_size=1000)

    def subtree_q(self, field="path"):
        return subtree_q(self.path, field)

    def ancestor_ids(self):
        return path_ids(self.path)[:-1]
