"""`griddesk outages replay FILE [--json] [--commit]` and `griddesk import calls FILE`."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.outages.models import OutageEvent, OutageState, TroubleCall

HEADER = "call_id,time,account_no,description\n"


def _file(tmp_path, grid, rows=None):
    c = grid["customers"]
    rows = rows or [
        ("K1", "2026-07-20T14:05:00+08:00", c["A1"][0].account_no, "家里停电了"),
        ("K2", "2026-07-20T14:07:00+08:00", c["A1"][1].account_no, "邻居也没电"),
        ("K3", "2026-07-20T14:09:00+08:00", c["B1"][0].account_no, "停电了"),
        ("K4", "2026-07-20T14:10:00+08:00", c["B1"][1].account_no, "停电了"),
        ("K5", "2026-07-20T14:30:00+08:00", c["C2"][0].account_no, "总开关跳闸了"),
    ]
    path = tmp_path / "calls.csv"
    path.write_text(HEADER + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _replay(*args):
    out = StringIO()
    call_command("outages", "replay", *map(str, args), stdout=out)
    return out.getvalue()


def test_replay_json_lists_predicted_outages_only_and_writes_nothing(tmp_path, grid):
    data = json.loads(_replay(_file(tmp_path, grid), "--json"))
    assert [(o["device_id"], o["device_kind"], o["calls"], o["customers_affected"], o["state"])
            for o in data["predicted_outages"]] == [("S91", "switch", 4, 30, "predicted")]
    assert data["predicted_outages"][0]["first_call"] == "2026-07-20T14:05:00+08:00"
    assert [(s["call_id"], s["kind"]) for s in data["single_customer_calls"]] == [("K5", "internal")]
    assert data["attached_calls"] == [] and data["seconds"] >= 0
    assert not TroubleCall.objects.exists() and not OutageEvent.objects.exists()


def test_replay_commit_keeps_calls_and_predictions_once(tmp_path, grid):
    path = _file(tmp_path, grid)
    _replay(path, "--commit")
    outage = OutageEvent.objects.get()
    assert (outage.state, outage.device.device_id, outage.calls) == (OutageState.PREDICTED, "S91", 4)
    assert TroubleCall.objects.filter(outage=outage).count() == 4 and TroubleCall.objects.count() == 5
    with pytest.raises(CommandError, match="未导入任何数据"):
        _replay(path, "--commit")  # the same calls again: refused whole
    assert TroubleCall.objects.count() == 5 and OutageEvent.objects.count() == 1


def test_import_calls_is_replay_commit(tmp_path, grid):
    out = StringIO()
    call_command("import", "calls", str(_file(tmp_path, grid)), stdout=out)
    assert "calls.csv" in out.getvalue()
    assert OutageEvent.objects.get().device.device_id == "S91"


def test_a_call_below_an_active_outage_attaches_to_it(tmp_path, grid):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    OutageEvent.objects.create(code="PLAN1", kind="planned", device=grid["switches"][1], cause="计划检修",
                               starts_at=datetime(2026, 7, 20, 8, tzinfo=ZoneInfo("Asia/Shanghai")), state="active")
    c = grid["customers"]
    path = _file(tmp_path, grid, [("Q1", "2026-07-20T14:05:00+08:00", c["A2"][0].account_no, "停电了")])
    data = json.loads(_replay(path, "--json"))
    assert data["attached_calls"] == [{"call_id": "Q1", "device_id": "S92"}] and data["predicted_outages"] == []


@pytest.mark.parametrize("row, message", [
    (("K1", "2026-07-20 14:05", "7710000", "停电"), "时间须为带时区的 ISO 8601"),
    (("K1", "2026-07-20T14:05:00+08:00", "0000000000", "停电"), "户号 0000000000 不存在"),
    (("", "2026-07-20T14:05:00+08:00", "7710000", "停电"), "来电编号不能为空"),
])
def test_bad_lines_are_named_and_nothing_is_replayed(tmp_path, grid, row, message):
    path = _file(tmp_path, grid, [row])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("outages", "replay", str(path), stderr=err)
    assert "calls.csv:2" in err.getvalue() and message in err.getvalue()
