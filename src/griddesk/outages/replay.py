"""Replaying trouble calls through the analysis (来电研判回放): `griddesk outages replay FILE` and
`griddesk import calls FILE`, format `call_id,time,account_no,description` (docs/formats.md).

The calls go through the very engine the live analyser runs (outages.analysis), in time order,
against the network in the database, with the outages known at each call's time. Without
`commit` nothing is written; with it the calls are kept as `TroubleCall` rows and each predicted
outage as an `OutageEvent` (state predicted, source analysis), all or nothing, audited.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.csvimport import CsvFile, ErrorLog, ImportFailed, ImportResult, all_or_nothing, aware_moment, file_name_of
from griddesk.grid.models import Device
from griddesk.outages.analysis import Engine, Params
from griddesk.outages.models import (
    CallDecision,
    OutageEvent,
    OutageKind,
    OutageSource,
    OutageState,
    TroubleCall,
)
from griddesk.outages.network import customers_by_account, network_load
from griddesk.outages.trouble_text import classify

COLUMNS = ("call_id", "time", "account_no", "description")
DESCRIPTION_MAX = 400
CALL_ID_MAX = 40


@dataclass(frozen=True)
class ReplayCall:
    id: str
    time: datetime
    customer: str  # the account number: what counts as one caller
    customer_pk: int
    transformer: int  # Device pk
    description: str


@dataclass
class Replay:
    """The outcome of a replay: the engine's final state and every call's decision."""

    engine: Engine
    calls: list
    decisions: list
    seconds: float
    signals: list = field(default_factory=list)

    def as_json(self):
        net = self.engine.net
        decided = dict(zip((c.id for c in self.calls), self.decisions, strict=True))
        singles = []
        for item in self.engine.singles():
            singles.append({"call_id": item.call.id, "account_no": item.call.customer,
                            "device_id": net.device_id[item.node], "kind": "single"})
        for call, decision in zip(self.calls, self.decisions, strict=True):
            if decision.kind == "internal":
                singles.append({"call_id": call.id, "account_no": call.customer,
                                "device_id": net.device_id[decision.node], "kind": "internal"})
        singles.sort(key=lambda row: row["call_id"])
        return {
            "predicted_outages": [
                {"device_id": net.device_id[p.node], "device_kind": net.kind[p.node], "calls": len(p.calls),
                 "customers_affected": net.customers[p.node], "first_call": p.first_call.time.isoformat(),
                 "state": p.state}
                for p in self.engine.predicted()
            ],
            "attached_calls": [
                {"call_id": cid, "device_id": net.device_id[d.node]}
                for cid, d in decided.items() if d.kind == "attached"
            ],
            "single_customer_calls": singles,
            "crews_dispatched": self.engine.crews,
            "seconds": round(self.seconds, 3),
        }


def calls_read(path):
    """The calls of a CSV file in time order; ImportFailed naming every bad line (nothing read)."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COLUMNS, errors=errors)
    raw, seen = [], {}
    for line, (call_id, when, account, description) in source.rows():
        ok = True
        if not call_id or len(call_id) > CALL_ID_MAX:
            errors.add(line, "call_id", _("来电编号不能为空，且不超过 %d 个字符") % CALL_ID_MAX)
            ok = False
        elif call_id in seen:
            errors.add(line, "call_id", _("来电编号 %(id)s 与第 %(line)d 行重复")
                       % {"id": call_id, "line": seen[call_id]})
            ok = False
        seen.setdefault(call_id, line)
        moment = aware_moment(when)
        if moment is None:
            errors.add(line, "time", _("时间须为带时区的 ISO 8601 格式，如 2026-07-20T14:05:00+08:00：%s") % when)
            ok = False
        if len(description) > DESCRIPTION_MAX:
            errors.add(line, "description", _("描述不能超过 %d 个字符") % DESCRIPTION_MAX)
            ok = False
        if ok:
            raw.append((line, call_id, moment, account, description))
    found = customers_by_account(account for _l, _c, _m, account, _d in raw)
    calls = []
    for line, call_id, moment, account, description in raw:
        if account not in found:
            errors.add(line, "account_no", _("户号 %s 不存在（请先导入客户档案）") % account)
            continue
        customer_pk, transformer = found[account]
        calls.append(ReplayCall(call_id, moment, account, customer_pk, transformer, description))
    if errors:
        raise ImportFailed(errors)
    calls.sort(key=lambda c: (c.time, c.id))
    return calls, source.sha256


def known_outages(since, until):
    """Announced or active outages that overlap the calls' span, as (device pk, start, end) spans."""
    rows = OutageEvent.objects.filter(
        Q(restored_at__isnull=True) | Q(restored_at__gt=since), starts_at__lte=until,
        state__in=[OutageState.ANNOUNCED, OutageState.ACTIVE, OutageState.RESTORED],
    ).exclude(source=OutageSource.ANALYSIS).values_list("device_id", "starts_at", "restored_at")
    return list(rows)


def replay(calls, *, params=None, network=None):
    """Run the engine over `calls` (time order); nothing written."""
    started = time.perf_counter()
    network = network or network_load()
    known = known_outages(calls[0].time, calls[-1].time) if calls else []
    engine = Engine(network, params or Params(), known=known)
    signals = [classify(call.description) for call in calls]
    decisions = [engine.call(call, call.transformer, signal) for call, signal in zip(calls, signals, strict=True)]
    engine.finish()
    return Replay(engine, calls, decisions, time.perf_counter() - started, signals)


def replay_commit(result, *, sha256, file_name, actor=None):
    """Keep a replay: its calls as TroubleCall rows, its predictions as predicted OutageEvents. All or
    nothing; a call id already kept refuses the whole file (importing twice changes nothing)."""
    errors = ErrorLog(file_name)
    engine, net = result.engine, result.engine.net
    with all_or_nothing(errors):
        taken = set(TroubleCall.objects.filter(call_id__in=[c.id for c in result.calls])
                    .values_list("call_id", flat=True))
        for call_id in sorted(taken)[:errors.cap]:
            errors.add(None, "call_id", _("来电 %s 已导入过") % call_id)
        if taken:
            return None
        outages = _predicted_outages(engine, actor)
        outage_of = {}
        for prediction, outage in outages:
            for call, _t in prediction.calls:
                outage_of[call.id] = outage
        feeders = {net.key[i]: net.key[net.feeder[i]] for i in range(len(net.key))}
        TroubleCall.objects.bulk_create([
            TroubleCall(call_id=call.id, at=call.time, customer_id=call.customer_pk, transformer_id=call.transformer,
                        feeder_id=feeders[call.transformer], description=call.description, signal=signal,
                        decision=CallDecision(decision.kind), outage=outage_of.get(call.id))
            for call, decision, signal in zip(result.calls, result.decisions, result.signals, strict=True)
        ], batch_size=1000)
    imported = ImportResult("calls", file_name, sha256, rows=len(result.calls), created=len(result.calls))
    imported.extra["predicted"] = len(outages)
    return imported


def _predicted_outages(engine, actor):
    net, now = engine.net, timezone.now()
    devices = Device.objects.in_bulk([net.key[p.node] for p in engine.predicted()])
    made = []
    for n, prediction in enumerate(engine.predicted(), start=1):
        device = devices[net.key[prediction.node]]
        first = prediction.first_call.time
        outage = OutageEvent.objects.create(
            code=f"YP{timezone.localtime(first):%Y%m%d%H%M}{n:04d}{device.pk % 10000:04d}", kind=OutageKind.FAULT,
            device=device, org=device.org, cause=_("来电研判：%d 户报修") % len(prediction.calls),
            starts_at=first, state=OutageState.PREDICTED, source=OutageSource.ANALYSIS,
            calls=len(prediction.calls), customers_affected=net.customers[prediction.node], first_call_at=first,
        )
        audit_append(stream=stream_of(outage), action="outage.predicted", actor=actor, at=now, new_stream=True,
                     payload={"device": device.device_id, "calls": outage.calls,
                              "customers_affected": outage.customers_affected, "source": "replay"})
        made.append((prediction, outage))
    return made


def calls_import(*, path, dry_run=False, actor=None):
    """`griddesk import calls FILE`: the calls kept and analysed (`outages replay FILE --commit`)."""
    calls, sha256 = calls_read(path)
    result = replay(calls)
    if dry_run:
        found = ImportResult("calls", file_name_of(path), sha256, rows=len(calls), created=len(calls), dry_run=True)
        found.extra["predicted"] = len(result.engine.predicted())
        return found
    return replay_commit(result, sha256=sha256, file_name=file_name_of(path), actor=actor)
