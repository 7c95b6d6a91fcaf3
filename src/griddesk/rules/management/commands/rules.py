"""`griddesk rules list`, `griddesk rules explain KEY --start DATETIME …` (README, "Command line")
and `griddesk rules catalogue [--check]` (issue 9).

explain: the deadline a rule gives for a start time, with the rule-set
version in force at that start, e.g.
    griddesk rules explain T-3/resident --start 2026-09-30T10:00:00+08:00
    griddesk rules explain R-2 --zone rural --start "2026-09-30 10:00" --json
A start without an offset is read as Asia/Shanghai local time.

catalogue: writes docs/rulebook.md from griddesk.rules.catalogue and a scan of the tree
(griddesk.rules.citations); with --check writes nothing and exits 1 naming each rule cited but
not catalogued, each catalogued rule with neither a test nor a reason, and a stale page.
"""

import json
import unicodedata
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.calendar.models import CalendarKind
from griddesk.calendar.selectors import (
    CalendarNotFound,
    calendar_coverage,
    calendar_coverage_warnings,
    year_ranges,
)
from griddesk.rules import catalogue as rule_catalogue
from griddesk.rules import citations
from griddesk.rules.deadlines import DeadlineError, amount_text
from griddesk.rules.selectors import (
    SUPPLY_SUFFIXES,
    ZONES,
    RulesLookupError,
    compute_due,
    deadline_key_resolve,
    default_ruleset_name,
    local_zone,
    ruleset_in_force,
    rulesets_overview,
    version_missing_keys,
)

SUPPLY_BY_LOWER = {value.lower(): value for value in SUPPLY_SUFFIXES}


class Command(BaseCommand):
    help = "Rule sets and the deadlines they give (issue 3)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="rule sets, versions, deadlines; calendar coverage")
        listing.add_argument("--json", action="store_true", help="machine-readable output")
        explain = sub.add_parser("explain", help="the deadline a rule gives for a start time")
        explain.add_argument("key", metavar="RULE", help="a key like T-3/resident, or a rule like R-2")
        explain.add_argument("--start", required=True, metavar="DATETIME",
                             help="ISO 8601, e.g. 2026-09-30T10:00:00+08:00 (no offset: Asia/Shanghai)")
        explain.add_argument("--zone", help=f"customer zone: {', '.join(ZONES)} (picks R-2/<zone>)")
        explain.add_argument("--supply", help=f"supply voltage: {', '.join(SUPPLY_SUFFIXES)} (T-1..T-3)")
        explain.add_argument("--ruleset", metavar="NAME", help="rule set (default: the configured one)")
        explain.add_argument("--calendar", metavar="CODE", help="working-day calendar (default: national)")
        explain.add_argument("--json", action="store_true", help="machine-readable output")
        catalogue = sub.add_parser("catalogue", help="write docs/rulebook.md, the rule catalogue; --check: verify")
        catalogue.add_argument("--check", action="store_true",
                               help="write nothing; exit 1 naming what is missing or stale")
        catalogue.add_argument("--root", metavar="DIR", help="the source checkout (default: the one griddesk "
                                                             "runs from)")

    def handle(self, *, action, **options):
        if action == "list":
            return self._list(as_json=options["json"])
        if action == "catalogue":
            return self._catalogue(check=options["check"], root=options["root"])
        return self._explain(**options)

    # --- catalogue -------------------------------------------------------------------------

    def _catalogue(self, *, check, root):
        root = Path(root) if root else citations.default_root()
        if not (root / "src" / "griddesk").is_dir() or not (root / "tests").is_dir():
            raise CommandError(_("%s 不是 GridDesk 源码目录（需要 src/griddesk 和 tests）；请用 --root 指定。") % root)
        rules, sections = rule_catalogue.RULES, rule_catalogue.SECTIONS
        found = citations.scan(root, {rule.id for rule in rules})
        page = citations.render(rules, sections, found)
        doc = root / citations.DOC
        if not check:
            doc.parent.mkdir(parents=True, exist_ok=True)
            doc.write_text(page, encoding="utf-8")
            self.stdout.write(_("已写入 %(doc)s：%(summary)s") % {"doc": citations.DOC,
                                                               "summary": citations.summary(rules, found)})
        current = doc.read_text(encoding="utf-8") if doc.is_file() else None
        problems = citations.problems(rules, sections, found, current, page)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(_("规则目录有 %d 处问题。") % len(problems))
        if check:
            self.stdout.write(_("规则目录无误：%s") % citations.summary(rules, found))

    # --- explain ---------------------------------------------------------------------------

    def _explain(self, *, key, start, zone, supply, ruleset, calendar, json, **_options):
        start_at = _parse_start(start)
        if zone is not None and zone not in ZONES:
            raise CommandError(_("未知的区域“%(zone)s”，应为 %(zones)s 之一。") % {
                "zone": zone, "zones": "、".join(ZONES)})
        if supply is not None:
            if supply.lower() not in SUPPLY_BY_LOWER:
                raise CommandError(_("未知的供电电压“%(supply)s”，应为 %(values)s 之一。") % {
                    "supply": supply, "values": "、".join(SUPPLY_SUFFIXES)})
            supply = SUPPLY_BY_LOWER[supply.lower()]
        try:
            version = ruleset_in_force(ruleset, at=start_at)
            full_key = deadline_key_resolve(key.strip(), version=version, zone=zone, supply=supply)
            result = compute_due(full_key, start=start_at, ruleset_version=version, calendar=calendar)
        except (RulesLookupError, CalendarNotFound, DeadlineError) as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_dumps(result.as_dict()))
            return
        d = result.deadline
        rows = [
            (_("规则集"), _("%(version)s（%(at)s 起生效）") % {
                "version": result.version, "at": _iso(result.version.effective_from)}),
            (_("时限"), amount_text(d.amount, d.unit, d.direction, lang="zh") + _unit_note(d)),
            (_("起算"), _iso(result.start)),
            (_("到期"), _iso(result.due)),
            (_("计算"), result.basis_zh),
            ("basis", result.basis),
            (_("依据"), d.citation),
        ]
        if result.calendar:
            rows.insert(2, (_("日历"), result.calendar))
        self.stdout.write(f"{d.key}  {d.label}")
        for title, value in rows:
            self.stdout.write(f"  {_pad(title, 8)}{value}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(_("注意：%s") % warning))

    # --- list ------------------------------------------------------------------------------

    def _list(self, *, as_json):
        now = timezone.now()
        rulesets = rulesets_overview()
        this_year = timezone.localdate().year
        warnings = calendar_coverage_warnings([this_year, this_year + 1])
        for ruleset in rulesets:
            for version in ruleset.versions.all():
                missing = version_missing_keys(version)
                if missing:
                    warnings.append(_("%(version)s 缺少上一版本的时限：%(keys)s。") % {
                        "version": version, "keys": "、".join(missing)})
        calendars = calendar_coverage()
        if as_json:
            self.stdout.write(_dumps(_list_json(rulesets, calendars, warnings, now)))
            return
        default = default_ruleset_name()
        for ruleset in rulesets:
            marker = _("（默认）") if ruleset.name == default else ""
            heading = f"{_('规则集')} {ruleset.name}：{ruleset.title}{marker}"
            self.stdout.write(self.style.MIGRATE_HEADING(heading))
            in_force = _in_force(ruleset, now)
            for version in ruleset.versions.all():
                deadlines = version.deadlines.all()
                state = _version_state(version, in_force, now)
                self.stdout.write(f"  v{version.version}  {_iso(version.effective_from)} {_('起生效')}  "
                                  f"{state}  {len(deadlines)} {_('项时限')}")
                self.stdout.write("    " + _pad(_("键"), 24) + _pad(_("规则"), 6) + _pad(_("时限"), 16)
                                  + _("说明"))
                for d in deadlines:
                    amount = amount_text(d.amount, d.unit, d.direction, lang="zh")
                    self.stdout.write(f"    {_pad(d.key, 24)}{_pad(d.rule, 6)}{_pad(amount, 16)}{d.label}")
        self.stdout.write(self.style.MIGRATE_HEADING(_("工作日历")))
        for calendar, coverage in calendars:
            self.stdout.write(f"  {calendar.code} {calendar.name}：{_coverage_text(calendar, coverage)}")
        for warning in warnings:
            self.stdout.write(self.style.WARNING(_("注意：%s") % warning))


def _parse_start(text):
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        message = _("--start “%s” 不是有效的 ISO 8601 时间，例如 2026-09-30T10:00:00+08:00。")
        raise CommandError(message % text) from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=local_zone())
    return value


def _unit_note(deadline):
    # "days" and "months" are counted in a particular way; say which.
    notes = {"days": _("（按24小时计）"), "months": _("（按日历月，无对应日取月末）")}
    return notes.get(deadline.unit, "")


def _in_force(ruleset, now):
    current = [v for v in ruleset.versions.all() if v.effective_from <= now]
    return max(current, key=lambda v: v.effective_from) if current else None


def _version_state(version, in_force, now):
    if version.effective_from > now:
        return _("待生效")
    return _("现行") if version == in_force else _("已被取代")


def _coverage_text(calendar, coverage):
    if calendar.kind == CalendarKind.HALL_NO_REST_DAY:
        return _("每天都是工作日，节假日照常营业（规则 H-3 县以上营业场所无周休日）")
    if not coverage["complete"]:
        return _("尚无节假日数据，按周一至周五计算")
    text = _("%(years)s 年已收录（%(sources)s）") % {
        "years": year_ranges(coverage["complete"]), "sources": "、".join(sorted(coverage["sources"])) or "-"}
    if coverage["partial"]:
        text += _("；%s 年数据不完整") % year_ranges(coverage["partial"])
    return text


def _list_json(rulesets, calendars, warnings, now):
    default = default_ruleset_name()
    return {
        "default_ruleset": default,
        "rulesets": [{
            "name": r.name, "title": r.title, "default": r.name == default,
            "in_force": getattr(_in_force(r, now), "version", None),
            "versions": [{
                "version": v.version, "effective_from": _iso(v.effective_from), "notes": v.notes,
                "deadlines": [{
                    "key": d.key, "rule": d.rule, "amount": d.amount, "unit": d.unit,
                    "direction": d.direction, "label": d.label,
                } for d in v.deadlines.all()],
            } for v in r.versions.all()],
        } for r in rulesets],
        "calendars": [{
            "code": c.code, "name": c.name, "kind": c.kind,
            "years_complete": cov["complete"], "years_partial": cov["partial"],
            "sources": sorted(cov["sources"]),
        } for c, cov in calendars],
        "warnings": warnings,
    }


def _iso(moment):
    return moment.astimezone(local_zone()).isoformat(timespec="seconds")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)


def _pad(text, width):
    """Left-justify to a display width (a Chinese character takes two columns)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
