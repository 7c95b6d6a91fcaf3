"""Outage import (停电事件导入): `griddesk import outages FILE`.

Format (docs/formats.md): `outage_id,kind,device_id,start,end,cause`.

- `outage_id` is the outage's code (停电编号): a new one is created, one imported before is updated
  where the file says otherwise, so importing the same file twice changes nothing. A code the
  analysis, a dispatcher or the planning gave is refused (it is not the import's to change).
- `kind` is planned, temporary or fault; `device_id` a device already in the database (import the
  topology first): everyone supplied through it is out.
- `start` and `end` are ISO 8601 with an offset; `end` is empty while the restoration time is
  unknown. An `end` that has passed makes a historical outage (restored then); otherwise the
  outage is current: active once started (announced before), `end` its expected restoration.
- `cause` (停电原因) is required, at most 200 characters.

All-or-nothing like every import; each outage created or changed gets an event on its stream
(`outage.imported`), the file one on `import:outages`.
"""


from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, audit_append_many, stream_of
from griddesk.csvimport import (
    CsvFile,
    ErrorLog,
    ImportResult,
    all_or_nothing,
    aware_moment,
    check_choice,
    check_length,
    file_name_of,
)
from griddesk.grid.models import Device
from griddesk.grid.selectors import customers_below_devices, served_groups
from griddesk.outages.models import OutageEvent, OutageKind, OutageSource, OutageState

COLUMNS = ("outage_id", "kind", "device_id", "start", "end", "cause")
CODE_MAX = 40
CAUSE_MAX = 200
LOOKUP_BATCH = 900  # under SQLite's 999 parameters
# What the file sets, compared with what is stored to tell unchanged rows.
FIELDS = ("kind", "device_id", "org_id", "cause", "starts_at", "expected_restoration_at", "restored_at", "state")


def outages_import(*, path, dry_run=False, actor=None, now=None):
    """Import an outages CSV, all-or-nothing; returns an ImportResult or raises ImportFailed."""
    now = now or timezone.now()
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COLUMNS, errors=errors)
    result = ImportResult(kind="outages", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        rows = _checked_rows(source, errors)
        devices = _devices({row["device_id"] for _line, row in rows})
        existing = _existing([row["code"] for _line, row in rows])
        creates, updates = [], []
        for line, row in rows:
            device = devices.get(row["device_id"])
            if device is None:
                errors.add(line, "device_id", _("设备 \"%s\" 不存在（请先导入拓扑）") % row["device_id"])
                continue
            stored = existing.get(row["code"])
            if stored is not None and stored.source != OutageSource.IMPORT:
                errors.add(line, "outage_id", _("停电编号 \"%(code)s\" 已被%(source)s使用，不能由导入修改") % {
                    "code": row["code"], "source": stored.get_source_display()})
                continue
            fields = _fields(row, device, now)
            if stored is None:
                creates.append((row["code"], device, fields))
            elif any(getattr(stored, name) != value for name, value in fields.items()):
                updates.append((stored, fields))
        result.rows, result.sha256 = source.data_rows, source.sha256
        result.created, result.updated = len(creates), len(updates)
        result.unchanged = len(rows) - len(creates) - len(updates)
        if not errors and not dry_run:
            _write(creates, updates, actor=actor, now=now)
            audit_append(stream="import:outages", action="import.outages", actor=actor,
                         payload=result.audit_payload())
    return result


def _checked_rows(source, errors):
    """[(line, row)] of the rows whose own fields are right; every problem recorded with its line."""
    rows, seen = [], {}
    for line, (code, kind, device_id, start, end, cause) in source.rows():
        ok = check_length(errors, line, "outage_id", code, CODE_MAX)
        if ok and code in seen:
            errors.add(line, "outage_id", _("停电编号 \"%(code)s\" 重复（第 %(first)d 行已出现）") % {
                "code": code, "first": seen[code]})
            ok = False
        seen.setdefault(code, line)
        kind = check_choice(errors, line, "kind", kind, OutageKind)
        ok &= check_length(errors, line, "device_id", device_id, 40)
        ok &= check_length(errors, line, "cause", cause, CAUSE_MAX)
        starts_at = aware_moment(start)
        if starts_at is None:
            errors.add(line, "start", _("时间须为带时区的 ISO 8601 格式，如 2026-07-20T14:05:00+08:00：\"%s\"") % start)
        ends_at = None
        if end:
            ends_at = aware_moment(end)
            if ends_at is None:
                errors.add(line, "end", _("时间须为带时区的 ISO 8601 格式，如 2026-07-20T18:00:00+08:00，"
                                          "或留空（恢复时间未知）：\"%s\"") % end)
            elif starts_at is not None and ends_at <= starts_at:
                errors.add(line, "end", _("结束时间 %(end)s 必须晚于开始时间 %(start)s") % {"end": end, "start": start})
                ends_at = None
                ok = False
        if not ok or kind is None or starts_at is None or (end and ends_at is None):
            continue
        rows.append((line, {"code": code, "kind": kind, "device_id": device_id, "starts_at": starts_at,
                            "ends_at": ends_at, "cause": cause}))
    return rows


def _devices(device_ids):
    ids = sorted(device_ids)
    found = {}
    for start in range(0, len(ids), LOOKUP_BATCH):
        for device in Device.objects.filter(device_id__in=ids[start:start + LOOKUP_BATCH]):
            found[device.device_id] = device
    return found


def _existing(codes):
    found = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        for outage in OutageEvent.objects.filter(code__in=codes[start:start + LOOKUP_BATCH]):
            found[outage.code] = outage
    return found


def _fields(row, device, now):
    """The stored fields a row means: restored once its end has passed, else active or announced."""
    starts_at, ends_at = row["starts_at"], row["ends_at"]
    if ends_at is not None and ends_at <= now:
        state, restored_at = OutageState.RESTORED, ends_at
    else:
        state, restored_at = (OutageState.ACTIVE if starts_at <= now else OutageState.ANNOUNCED), None
    return {"kind": row["kind"], "device_id": device.pk, "org_id": device.org_id, "cause": row["cause"],
            "starts_at": starts_at, "expected_restoration_at": ends_at, "restored_at": restored_at, "state": state}


def _customers_below(device_ids):
    """{device id: customers supplied through it}: the served counts rolled up along the paths once
    for the whole file, not a query per device."""
    below = customers_below_devices(served_groups(), device_ids)
    return {pk: sum(below.get(pk, {}).values()) for pk in device_ids}


def _write(creates, updates, *, actor, now):
    counts = _customers_below({device.pk for _code, device, _f in creates}
                              | {fields["device_id"] for stored, fields in updates
                                 if fields["device_id"] != stored.device_id})
    created = OutageEvent.objects.bulk_create([
        OutageEvent(code=code, source=OutageSource.IMPORT, customers_affected=counts[device.pk], **fields)
        for code, device, fields in creates
    ])
    if any(o.pk is None for o in created):  # backends that return no keys (none of ours): read them back
        created = list(OutageEvent.objects.filter(code__in=[o.code for o in created]))
    entries = [{"stream": stream_of(o), "action": "outage.imported", "actor": actor,
                "payload": {"device": o.device_id, "state": o.state, "created": True}} for o in created]
    changed = []
    for stored, fields in updates:
        before = {name: getattr(stored, name) for name in fields}
        for name, value in fields.items():
            setattr(stored, name, value)
        if before["device_id"] != stored.device_id:
            stored.customers_affected = counts[stored.device_id]
        stored.updated_at = now
        changed.append(stored)
        entries.append({"stream": stream_of(stored), "action": "outage.imported", "actor": actor,
                        "payload": {"state": stored.state, "changed": sorted(
                            name for name in fields if before[name] != fields[name])}})
    if changed:
        OutageEvent.objects.bulk_update(changed, [*FIELDS, "customers_affected", "updated_at"], batch_size=500)
    for start in range(0, len(entries), 500):
        audit_append_many(entries[start:start + 500], at=now)
