"""Reads of the rule sets, and the deadline an order gets: the API the SLA clocks build on.

    version = ruleset_in_force(at=order.accepted_at)          # kept by the order for life
    result = compute_due("R-2/urban", start=order.received_at, ruleset_version=version,
                         pauses=[(storm_from, storm_to)])
    result.due, result.basis, result.deadline.label

See docs/rules.md. Queries: ruleset_in_force and compute_due 0 once warm (the versions,
the deadlines of a version in force and the calendar are cached per process).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.calendar.caching import TableCache
from griddesk.calendar.selectors import calendar_oracle, coverage_warnings
from griddesk.rules.deadlines import Unit, due_at
from griddesk.rules.models import Deadline, RuleSet, RuleSetVersion

_deadlines = TableCache("GRIDDESK_RULES_CACHE_SECONDS", 300)
rules_changed = _deadlines.changed  # signal receiver (apps.py)
rules_cache_clear = _deadlines.clear

ZONES = ("urban", "rural", "remote")
# Supply voltage -> key suffixes to try, first existing wins (docs/rules.md, "Generic keys").
SUPPLY_SUFFIXES = {
    "220V": ("resident", "lv"),
    "380V": ("lv-nonresident", "lv", "other"),
    "10kV": ("hv-single", "hv", "other"),
    "35kV": ("hv-single", "hv", "other"),
    "110kV": ("hv-single", "hv", "other"),
}


class RulesLookupError(LookupError):
    """A rule set, version or deadline that does not exist; the message (Chinese) names it."""


class RuleSetNotFound(RulesLookupError):
    pass


class DeadlineNotFound(RulesLookupError):
    pass


def default_ruleset_name():
    return getattr(settings, "GRIDDESK_DEFAULT_RULESET", "service-code")


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def ruleset_in_force(name=None, at=None):
    """The version of rule set `name` (default settings.GRIDDESK_DEFAULT_RULESET) in force at `at`.

    In force = the latest version whose effective_from <= at (an order accepted
    at exactly effective_from gets the new version). The versions of a set are
    cached per process like the deadlines (every order's acceptance asks): no query
    when warm; a version added in another process is seen within the cache's TTL,
    which is why new versions start at a future midnight (rules.services).
    """
    name = name or default_ruleset_name()
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("ruleset_in_force: `at` must be timezone-aware")
    versions = _deadlines.get(("versions", name), lambda: list(
        RuleSetVersion.objects.select_related("ruleset").filter(ruleset__name=name).order_by("-effective_from")
    ))
    version = next((v for v in versions if v.effective_from <= at), None)
    if version is None:
        if not RuleSet.objects.filter(name=name).exists():
            raise RuleSetNotFound(_("规则集“%s”不存在。") % name)
        raise RuleSetNotFound(_("规则集“%(name)s”在 %(at)s 时尚无生效的版本。") % {
            "name": name, "at": at.astimezone(local_zone()).isoformat(timespec="seconds"),
        })
    return version


def version_deadlines(version):
    """{key: Deadline} of a version; cached once the version is in force (it is frozen then)."""
    return _deadlines.get(
        (version.pk, version.created_at),
        lambda: {d.key: d for d in Deadline.objects.filter(version_id=version.pk)},
        cacheable=lambda value: version.is_frozen(),
    )


def deadline_for(key, *, version):
    """The Deadline `key` of `version`; DeadlineNotFound naming the keys it has otherwise."""
    deadlines = version_deadlines(version)
    if key not in deadlines:
        raise DeadlineNotFound(_("规则集 %(version)s 中没有时限“%(key)s”。可用：%(keys)s") % {
            "version": version, "key": key, "keys": "、".join(sorted(deadlines)) or _("无"),
        })
    return deadlines[key]


def deadline_key_resolve(key, *, version, zone=None, supply=None):
    """A full key from a generic one: 'R-2' + zone rural -> 'R-2/rural'; 'T-3' + 220V -> 'T-3/resident'.

    A key with a slash is returned as it is (checked). Zone tries `<rule>/<zone>`
    then `<rule>/restore-<zone>`; supply tries the SUPPLY_SUFFIXES in order.
    """
    deadlines = version_deadlines(version)
    if "/" in key:
        deadline_for(key, version=version)
        return key
    own = sorted(k for k in deadlines if k.startswith(key + "/"))
    if not own:
        raise DeadlineNotFound(
            _("规则集 %(version)s 中没有规则“%(rule)s”的时限。") % {"version": version, "rule": key}
        )
    candidates = []
    if zone:
        if zone not in ZONES:
            raise DeadlineNotFound(_("未知的区域“%(zone)s”，应为 %(zones)s 之一。") % {
                "zone": zone, "zones": "、".join(ZONES)})
        candidates += [f"{key}/{zone}", f"{key}/restore-{zone}"]
    if supply:
        if supply not in SUPPLY_SUFFIXES:
            raise DeadlineNotFound(_("未知的供电电压“%(supply)s”，应为 %(values)s 之一。") % {
                "supply": supply, "values": "、".join(SUPPLY_SUFFIXES)})
        candidates += [f"{key}/{suffix}" for suffix in SUPPLY_SUFFIXES[supply]]
    for candidate in candidates:
        if candidate in deadlines:
            return candidate
    if not candidates and len(own) == 1:
        return own[0]
    given = "、".join(filter(None, [zone and f"zone={zone}", supply and f"supply={supply}"]))
    raise DeadlineNotFound(_("规则“%(rule)s”有多个时限：%(keys)s。%(hint)s") % {
        "rule": key, "keys": "、".join(own),
        "hint": (_("没有与 %s 对应的时限，请写完整的键。") % given) if given
        else _("请给出 --zone 或 --supply，或写完整的键。"),
    })


@dataclass(frozen=True)
class DueResult:
    """A deadline computed for a key: `due` (aware, local zone) and how it was counted."""

    due: datetime
    basis: str
    basis_zh: str
    deadline: Deadline
    version: RuleSetVersion
    start: datetime
    unpaused_due: datetime
    paused_counted: timedelta = timedelta(0)
    extra_working_days: int = 0
    calendar: str = ""  # code of the working-day calendar used ("" when the unit needs none)
    warnings: tuple = field(default_factory=tuple)  # Chinese coverage warnings (missing holiday data)

    def as_dict(self):
        """The JSON of `griddesk rules explain --json` (ISO 8601 times with offset)."""
        d = self.deadline
        return {
            "rule": d.rule, "key": d.key,
            "ruleset": self.version.ruleset.name, "version": self.version.version,
            "effective_from": _iso(self.version.effective_from),
            "start": _iso(self.start), "due": _iso(self.due), "basis": self.basis, "basis_zh": self.basis_zh,
            "unit": d.unit, "amount": d.amount, "direction": d.direction, "label": d.label,
            "citation": d.citation, "calendar": self.calendar or None, "warnings": list(self.warnings),
        }


def compute_due(key, *, start, ruleset_version, pauses=(), calendar=None):
    """The deadline `key` of `ruleset_version` for a clock started at `start`.

    `pauses`: [(from, to), ...] aware datetimes; paused time does not count.
    `calendar`: a calendar code, an oracle (anything with is_working_day), or
    None for the default national calendar; only working-day units use it.
    Raises DeadlineNotFound for an unknown key, DeadlineError (a ValueError)
    for a naive start or bad pauses.
    """
    deadline = deadline_for(key, version=ruleset_version)
    zone = local_zone()
    if timezone.is_aware(start):
        start = start.astimezone(zone)
    oracle, code = None, ""
    if deadline.unit == Unit.WORKING_DAYS:
        oracle = calendar if hasattr(calendar, "is_working_day") else calendar_oracle(calendar)
        code = getattr(oracle, "code", "")
    due = due_at(start, deadline.amount, deadline.unit, direction=deadline.direction, pauses=pauses,
                 calendar=oracle, zone=zone)
    warnings = tuple(coverage_warnings(oracle, due.uncovered_years)) if due.uncovered_years else ()
    return DueResult(
        due=due.due, basis=due.basis, basis_zh=due.basis_zh, deadline=deadline, version=ruleset_version,
        start=start, unpaused_due=due.unpaused_due, paused_counted=due.paused_counted,
        extra_working_days=due.extra_working_days, calendar=code, warnings=warnings,
    )


def rulesets_overview():
    """Every rule set with its versions and their deadlines (3 queries), for `griddesk rules list`."""
    versions = RuleSetVersion.objects.order_by("version").prefetch_related(
        Prefetch("deadlines", queryset=Deadline.objects.order_by("key"))
    )
    return list(RuleSet.objects.order_by("name").prefetch_related(Prefetch("versions", queryset=versions)))


def version_missing_keys(version, keys=None):
    """Keys the previous version of the set has and this one lacks (a version must be complete)."""
    if version.ruleset_id is None or version.effective_from is None:
        return []
    previous = (
        RuleSetVersion.objects.filter(ruleset_id=version.ruleset_id)
        .filter(effective_from__lt=version.effective_from)
        .exclude(pk=version.pk).order_by("-effective_from").first()
    )
    if previous is None:
        return []
    if keys is None:
        keys = set(Deadline.objects.filter(version_id=version.pk).values_list("key", flat=True))
    return sorted(set(Deadline.objects.filter(version=previous).values_list("key", flat=True)) - set(keys))


def _iso(moment):
    return moment.astimezone(local_zone()).isoformat(timespec="seconds")
