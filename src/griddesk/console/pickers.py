"""What the console's pickers offer (选择框), each option once and told apart (issue 9, desk item 3).

- categories: one complaint scheme, rule A-1's (the 2014 classes are a reporting mapping only: never
  offered at intake, shown marked "2014版" in the queue filter, where old orders still carry them),
  each tree in parent/child order with its depth for indenting;
- states: each state once; two states sharing a name ("已答复" of a complaint and of a consultation)
  are told apart by the order types whose workflow has them;
- units: each with its path below the common root ("临河县供电公司 / 城关供电所": a province has a
  dozen 城关供电所); people with their unit's path and their number or user name.

`<select data-picker>` (griddesk.js) adds a filter box above any of these: type to narrow, arrows
and Enter to choose.
"""

from dataclasses import dataclass

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from griddesk.orders.models import Category, CategoryScheme, OrderState, OrderType
from griddesk.orders.workflows import WORKFLOWS

PICKER_ATTRS = {"data-picker": "1"}
# Intake: the trees offered, in this order (rule A-1: one complaint scheme).
INTAKE_SCHEMES = [CategoryScheme.FAULT, CategoryScheme.COMPLAINT, CategoryScheme.BUSINESS, CategoryScheme.GENERAL]
REPORTING_ONLY = {CategoryScheme.COMPLAINT_2014}


@dataclass(frozen=True)
class CategoryOption:
    category: Category
    depth: int
    label: str

    @property
    def pk(self):
        return self.category.pk

    @property
    def code(self):
        return self.category.code

    @property
    def order_types(self):
        return self.category.order_types

    @property
    def indent(self):
        return "\u3000" * self.depth


def category_tree(*, include_reporting=False):
    """Active categories as [CategoryOption], each tree's parent before its children (sorted by
    `sort`, then code), schemes in INTAKE_SCHEMES order. One query."""
    schemes = INTAKE_SCHEMES + (sorted(REPORTING_ONLY) if include_reporting else [])
    rows = list(Category.objects.filter(active=True, scheme__in=schemes).order_by("sort", "code"))
    children = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    present = {row.pk for row in rows}
    options = []

    def walk(node, depth):
        label = gettext(node.name)  # the seeded names are in the catalogue (orders.reference_names)
        if node.scheme in REPORTING_ONLY:
            label = _("%(name)s（2014版，仅统计）") % {"name": label}
        options.append(CategoryOption(node, depth, label))
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    for scheme in schemes:
        for root in rows:
            if root.scheme == scheme and (root.parent_id is None or root.parent_id not in present):
                walk(root, 0)
    return options


def intake_categories():
    """What the intake form offers and accepts (rule A-1's complaint classes, not the 2014 ones)."""
    return Category.objects.filter(active=True, scheme__in=INTAKE_SCHEMES).select_related("parent")


def _state_types():
    """{state: [order types whose workflow reaches it]} (every type starts accepted, ends archived)."""
    found = {}
    for order_type, transitions in WORKFLOWS.items():
        states = {OrderState.ACCEPTED, OrderState.ARCHIVED}
        for t in transitions:
            states |= set(t.sources) | ({t.target} if t.target else set())
        for state in states:
            found.setdefault(state, []).append(order_type)
    return found


def state_choices():
    """[(code, label)] of every state once; a label two states share names the order types."""
    labels = dict(OrderType.choices)
    counts = {}
    for _code, label in OrderState.choices:
        counts[str(label)] = counts.get(str(label), 0) + 1
    types = _state_types()
    choices = []
    for code, label in OrderState.choices:
        text = str(label)
        if counts[text] > 1:
            named = [str(labels[t]) for t in OrderType.values if t in types.get(code, [])]
            text = _("%(state)s（%(types)s）") % {"state": text, "types": _("、").join(named)}
        choices.append((code, text))
    return choices


def org_labels(orgs):
    """{org id: "city / county / station"}: each org's chain of ancestors among `orgs`, the common
    root left out when there is one (it is everyone's first part)."""
    by_id = {org.pk: org for org in orgs}
    roots = [org for org in orgs if org.parent_id not in by_id]
    common = roots[0].pk if len(roots) == 1 else None
    labels = {}
    for org in orgs:
        names, node = [], org
        while node is not None:
            if node.pk != common or node is org:
                names.append(node.name)
            node = by_id.get(node.parent_id)
        labels[org.pk] = " / ".join(reversed(names))
    return labels


def org_choices(user, *, units_only=False):
    """[(code, path label)] of the units in the user's scope, for a unit filter: a dozen 城关供电所
    told apart. `units_only`: without the departments (reports filter by the units of the network).
    One query."""
    from griddesk.orgs.models import Org, OrgKind
    from griddesk.orgs.selectors import orgs_visible_q

    orgs = list(Org.objects.filter(orgs_visible_q(user)).order_by("path").only("id", "code", "name", "parent_id",
                                                                                  "path", "kind"))
    labels = org_labels(orgs)
    return [(org.code, labels[org.pk]) for org in orgs if not (units_only and org.kind == OrgKind.DEPARTMENT)]


def crew_choices(crews, user):
    """[(crew, label)]: each crew named with its unit's path, as crews of different counties share
    names (城关供电所抢修一班). One query for the units."""
    labels = dict(org_choices(user))
    return [(crew, f"{crew.name} · {labels.get(crew.org.code, crew.org.name)}") for crew in crews]


def staff_label(person, org_label):
    """"张伟（95598001） · 临河县供电公司 / 城关供电所": the number, or the user name, tells two 张伟 apart."""
    name = _("%(name)s（%(agent_no)s）") % {"name": person.get_full_name() or person.username,
                                          "agent_no": person.agent_no or person.username}
    return f"{name} · {org_label}" if org_label else name


class _OrgIterator(ModelChoiceIterator):
    """Reads the orgs once and labels each by its path among them (no query per label)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        orgs = list(self.queryset)
        labels = org_labels(orgs)
        for org in orgs:
            yield (ModelChoiceIteratorValue(self.field.prepare_value(org), org), labels[org.pk])


class OrgPickerField(forms.ModelChoiceField):
    """A unit chosen by its full path, with the filter box (`data-picker`)."""

    iterator = _OrgIterator

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Select(attrs=PICKER_ATTRS))
        super().__init__(*args, **kwargs)
