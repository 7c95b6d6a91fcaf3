"""Changes to rule sets: keyword-only, one transaction, audited on the set's stream.

A version that has taken effect is frozen (orders may be measured by it):
its deadlines and effective time never change again. A change is a new
version, effective later than every existing one, carrying the complete list
of deadlines (`ruleset_version_copy` makes one from the latest).
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.rules.models import Deadline, RuleSet, RuleSetVersion
from griddesk.rules.selectors import local_zone, version_missing_keys

DEADLINE_FIELDS = ("key", "rule", "amount", "unit", "direction", "label", "citation")


def ruleset_save(*, ruleset, actor=None):
    """Create a rule set or change its title and description (they do not affect any deadline)."""
    ruleset.full_clean()
    created = ruleset.pk is None
    with transaction.atomic():
        ruleset.save()
        audit_append(stream=stream_of(ruleset), action="rules.ruleset_saved", actor=actor, new_stream=created,
                     payload={"name": ruleset.name, "title": ruleset.title})
    return ruleset


def ruleset_create(*, name, title, description="", actor=None):
    return ruleset_save(ruleset=RuleSet(name=name, title=title, description=description), actor=actor)


def ruleset_version_save(*, version, actor=None, now=None):
    """Create a version (numbered next in its set) or change a version not yet in force.

    The effective time must not be in the past, and must lie after the
    previous version's and before the next one's: versions take effect in order.
    """
    now = now or timezone.now()
    ruleset_version_validate(version=version, now=now)
    created = version.pk is None
    with transaction.atomic():
        if created:
            last = RuleSetVersion.objects.filter(ruleset=version.ruleset).aggregate(n=Max("version"))["n"]
            version.version = (last or 0) + 1
        version.full_clean()
        version.save()
        _audit(version, "rules.version_saved" if not created else "rules.version_created", actor,
               effective_from=version.effective_from.isoformat(), notes=version.notes)
    return version


def ruleset_version_create(*, ruleset, effective_from, deadlines, notes="", actor=None, now=None):
    """A new version of `ruleset` with its complete list of deadlines (dicts of DEADLINE_FIELDS).

    Refused, with nothing written, when a deadline is invalid or a key of the
    previous version is missing (a version is self-contained).
    """
    version = RuleSetVersion(ruleset=ruleset, effective_from=effective_from, notes=notes)
    rows = [Deadline(**{f: item[f] for f in DEADLINE_FIELDS if f in item}) for item in deadlines]
    keys = [row.key for row in rows]
    if len(keys) != len(set(keys)):
        raise ValidationError({"deadlines": _("同一版本中时限的键不能重复。")})
    with transaction.atomic():
        ruleset_version_save(version=version, actor=actor, now=now)
        missing = version_missing_keys(version, keys=keys)
        if missing:
            message = _("新版本缺少上一版本的时限：%s。每个版本须包含完整的时限清单。")
            raise ValidationError({"deadlines": message % "、".join(missing)})
        for row in rows:
            row.version = version
            row.full_clean()
        Deadline.objects.bulk_create(rows)
        _audit(version, "rules.deadlines_set", actor, deadlines=[_deadline_payload(row) for row in rows])
    return version


def ruleset_version_copy(*, version, effective_from=None, actor=None, now=None):
    """Copy a version, deadlines and all, as the next version of its set (admin: 复制为新版本).

    Effective by default from the next local midnight after now and after the
    latest version, so the copy stays editable until then.
    """
    now = now or timezone.now()
    if effective_from is None:
        latest = RuleSetVersion.objects.filter(ruleset_id=version.ruleset_id).aggregate(
            at=Max("effective_from"))["at"]
        effective_from = _next_midnight(max(now, latest or now))
    deadlines = [
        {f: getattr(d, f) for f in DEADLINE_FIELDS} for d in version.deadlines.order_by("key")
    ]
    return ruleset_version_create(
        ruleset=version.ruleset, effective_from=effective_from, deadlines=deadlines, actor=actor, now=now,
        notes=_("复制自 %s。") % version,
    )


def deadline_save(*, deadline, actor=None, now=None):
    """Add or change one deadline of a version not yet in force."""
    _check_not_frozen(deadline.version, now or timezone.now())
    deadline.full_clean()
    with transaction.atomic():
        deadline.save()
        _audit(deadline.version, "rules.deadline_saved", actor, deadline=_deadline_payload(deadline))
    return deadline


def deadline_delete(*, deadline, actor=None, now=None):
    """Remove one deadline from a version not yet in force."""
    _check_not_frozen(deadline.version, now or timezone.now())
    version = deadline.version
    with transaction.atomic():
        deadline.delete()
        _audit(version, "rules.deadline_deleted", actor, key=deadline.key)


def ruleset_version_delete(*, version, actor=None, now=None):
    """Withdraw a version that has not taken effect (its deadlines go with it)."""
    _check_not_frozen(version, now or timezone.now())
    with transaction.atomic():
        Deadline.objects.filter(version=version).delete()
        _audit(version, "rules.version_deleted", actor)
        version.delete()


def ruleset_version_validate(*, version, now=None):
    """Raise ValidationError unless `version` may be saved as it is (admin forms call it too)."""
    now = now or timezone.now()
    _check_not_frozen(version, now)
    _check_effective_from(version, now)


def _check_not_frozen(version, now):
    if version.pk is None:
        return
    stored = RuleSetVersion.objects.filter(pk=version.pk).values_list("effective_from", flat=True).first()
    if stored is not None and stored <= now:
        raise ValidationError(_("%(version)s 已于 %(at)s 生效，工单可能已按它计时，不能再修改；"
                                "请“复制为新版本”后修改。") % {
            "version": version, "at": stored.astimezone(local_zone()).isoformat(timespec="minutes"),
        })


def _check_effective_from(version, now):
    at = version.effective_from
    if at is None or timezone.is_naive(at):
        raise ValidationError({"effective_from": _("请填写带时区的生效时间。")})
    if at < now:
        raise ValidationError({"effective_from": _("生效时间不能早于当前时间：已受理的工单不能改用新版本。")})
    others = RuleSetVersion.objects.filter(ruleset_id=version.ruleset_id).exclude(pk=version.pk)
    if version.pk is None:
        later = others.filter(effective_from__gte=at).order_by("effective_from").first()
        if later is not None:
            message = _("生效时间须晚于本规则集已有版本 %(v)s 的生效时间 %(at)s。")
            message %= {"v": later, "at": _local(later.effective_from)}
            raise ValidationError({"effective_from": message})
        return
    for other in others:
        if (other.version < version.version) != (other.effective_from < at) or other.effective_from == at:
            raise ValidationError({"effective_from": _("版本须按版本号顺序生效：与 %(v)s（%(at)s）冲突。")
                                   % {"v": other, "at": _local(other.effective_from)}})


def _next_midnight(moment):
    local = moment.astimezone(local_zone())
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local_zone())


def _local(moment):
    return moment.astimezone(local_zone()).isoformat(timespec="minutes")


def _deadline_payload(deadline):
    return {f: getattr(deadline, f) for f in DEADLINE_FIELDS if f != "citation"}


def _audit(version, action, actor, **payload):
    audit_append(stream=stream_of(version.ruleset), action=action, actor=actor,
                 payload={"version": version.version, **payload})
