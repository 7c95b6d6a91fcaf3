"""Call-detail and hall-counter imports: `griddesk import cti FILE`, `griddesk import counter FILE`.

cti (rule C-4): `call_id,phone,agent_no,offered_at,answered_at,ended_at`; times ISO 8601 with an offset;
an empty answered_at is an abandoned call (then agent_no may be empty). The call's unit is its agent's
(the staff account with that agent number, orgs.Staff.agent_no), else the import's `--org` (default: the
root unit). Idempotent by call_id: a call imported before is updated where the file differs.

counter (rule H-5): `ticket_id,hall_code,business,called_at,finished_at`; business `payment` (resident
payment, 5 minutes) or another business code (20 minutes); the hall must exist (admin, 营业厅).
Idempotent by ticket_id.

Both all-or-nothing (griddesk.csvimport), errors name line and column; one audit event per file.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.analytics.models import CallRecord, CounterBusiness, CounterTicket, Hall
from griddesk.audit.services import audit_append
from griddesk.csvimport import CsvFile, ErrorLog, ImportResult, all_or_nothing, aware_moment, check_length, file_name_of
from griddesk.orgs.models import Org, Staff

CTI_COLUMNS = ("call_id", "phone", "agent_no", "offered_at", "answered_at", "ended_at")
COUNTER_COLUMNS = ("ticket_id", "hall_code", "business", "called_at", "finished_at")
BATCH = 900


def _time(errors, line, column, text, *, required=True):
    if not text and not required:
        return None, True
    moment = aware_moment(text)
    if moment is None:
        errors.add(line, column, _("时间须为带时区的 ISO 8601 格式，如 2026-07-20T14:05:00+08:00：\"%s\"") % text)
        return None, False
    return moment, True


def _existing(model, key, values):
    found = {}
    values = sorted(values)
    for start in range(0, len(values), BATCH):
        for obj in model.objects.filter(**{f"{key}__in": values[start:start + BATCH]}):
            found[getattr(obj, key)] = obj
    return found


def _write(model, key, fields, creates, updates):
    model.objects.bulk_create([model(**row) for row in creates], batch_size=BATCH)
    changed = []
    for obj, row in updates:
        for name, value in row.items():
            setattr(obj, name, value)
        changed.append(obj)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=BATCH)


def _plan(model, key, fields, rows):
    existing = _existing(model, key, [row[key] for _line, row in rows])
    creates, updates = [], []
    for _line, row in rows:
        stored = existing.get(row[key])
        if stored is None:
            creates.append(row)
        elif any(getattr(stored, name) != row[name] for name in fields):
            updates.append((stored, row))
    return creates, updates


def _root(org):
    return org or Org.objects.filter(parent__isnull=True).order_by("pk").first()


CALL_FIELDS = ("phone", "agent_no", "agent_id", "org_id", "offered_at", "answered_at", "ended_at", "wait_seconds",
               "offered_hour")


def cti_import(*, path, dry_run=False, actor=None, root_org=None):
    """Import call-detail records (rule C-4), all-or-nothing; returns an ImportResult."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=CTI_COLUMNS, errors=errors)
    result = ImportResult(kind="cti", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        root = _root(root_org)
        raw, seen = [], {}
        for line, (call_id, phone, agent_no, offered, answered, ended) in source.rows():
            ok = check_length(errors, line, "call_id", call_id, 40)
            if ok and call_id in seen:
                errors.add(line, "call_id", _("话单编号 \"%(id)s\" 重复（第 %(first)d 行已出现）") % {
                    "id": call_id, "first": seen[call_id]})
                ok = False
            seen.setdefault(call_id, line)
            ok &= check_length(errors, line, "phone", phone, 20, required=False)
            ok &= check_length(errors, line, "agent_no", agent_no, 16, required=bool(answered))
            offered_at, ok1 = _time(errors, line, "offered_at", offered)
            answered_at, ok2 = _time(errors, line, "answered_at", answered, required=False)
            ended_at, ok3 = _time(errors, line, "ended_at", ended)
            if not (ok and ok1 and ok2 and ok3):
                continue
            if answered_at is not None and answered_at < offered_at:
                errors.add(line, "answered_at", _("应答时间早于进线时间"))
                continue
            if ended_at < (answered_at or offered_at):
                errors.add(line, "ended_at", _("结束时间早于%s") % (_("应答时间") if answered_at else _("进线时间")))
                continue
            wait = int(((answered_at or ended_at) - offered_at).total_seconds())
            raw.append((line, {"call_id": call_id, "phone": phone, "agent_no": agent_no, "offered_at": offered_at,
                               "answered_at": answered_at, "ended_at": ended_at, "wait_seconds": wait,
                               "offered_hour": timezone.localtime(offered_at).hour}))
        agents = dict(Staff.objects.filter(agent_no__in={r["agent_no"] for _l, r in raw if r["agent_no"]})
                      .exclude(agent_no="").values_list("agent_no", "pk"))
        agent_orgs = dict(Staff.objects.filter(pk__in=agents.values()).values_list("pk", "org_id"))
        for _line, row in raw:
            row["agent_id"] = agents.get(row["agent_no"])
            row["org_id"] = agent_orgs.get(row["agent_id"]) or (root.pk if root else None)
        creates, updates = _plan(CallRecord, "call_id", CALL_FIELDS, raw)
        result.rows, result.sha256 = source.data_rows, source.sha256
        result.created, result.updated = len(creates), len(updates)
        result.unchanged = len(raw) - len(creates) - len(updates)
        if not errors and not dry_run:
            _write(CallRecord, "call_id", CALL_FIELDS, creates, updates)
            audit_append(stream="import:cti", action="import.cti", actor=actor, payload=result.audit_payload())
    return result


TICKET_FIELDS = ("hall_id", "business", "business_code", "called_at", "finished_at", "handling_seconds")


def counter_import(*, path, dry_run=False, actor=None):
    """Import hall counter transactions (rule H-5), all-or-nothing; returns an ImportResult."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COUNTER_COLUMNS, errors=errors)
    result = ImportResult(kind="counter", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        halls = dict(Hall.objects.values_list("code", "pk"))
        raw, seen = [], {}
        for line, (ticket_id, hall_code, business, called, finished) in source.rows():
            ok = check_length(errors, line, "ticket_id", ticket_id, 40)
            if ok and ticket_id in seen:
                errors.add(line, "ticket_id", _("票号 \"%(id)s\" 重复（第 %(first)d 行已出现）") % {
                    "id": ticket_id, "first": seen[ticket_id]})
                ok = False
            seen.setdefault(ticket_id, line)
            if check_length(errors, line, "hall_code", hall_code, 32) and hall_code not in halls:
                errors.add(line, "hall_code", _("营业厅 \"%s\" 不存在（请先在管理后台登记营业厅）") % hall_code)
                ok = False
            ok &= check_length(errors, line, "business", business, 32)
            called_at, ok1 = _time(errors, line, "called_at", called)
            finished_at, ok2 = _time(errors, line, "finished_at", finished)
            if not (ok and ok1 and ok2) or hall_code not in halls:
                continue
            if finished_at < called_at:
                errors.add(line, "finished_at", _("办结时间早于叫号时间"))
                continue
            kind = CounterBusiness.PAYMENT if business.lower() == CounterBusiness.PAYMENT else CounterBusiness.OTHER
            raw.append((line, {"ticket_id": ticket_id, "hall_id": halls[hall_code], "business": kind,
                               "business_code": business, "called_at": called_at, "finished_at": finished_at,
                               "handling_seconds": int((finished_at - called_at).total_seconds())}))
        creates, updates = _plan(CounterTicket, "ticket_id", TICKET_FIELDS, raw)
        result.rows, result.sha256 = source.data_rows, source.sha256
        result.created, result.updated = len(creates), len(updates)
        result.unchanged = len(raw) - len(creates) - len(updates)
        if not errors and not dry_run:
            _write(CounterTicket, "ticket_id", TICKET_FIELDS, creates, updates)
            audit_append(stream="import:counter", action="import.counter", actor=actor,
                         payload=result.audit_payload())
    return result


