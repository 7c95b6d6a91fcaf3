"""`griddesk import outages FILE` (outages.importers): validated line by line, all-or-nothing,
idempotent by outage_id, --dry-run; historical (restored) and current outages."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.csvimport import ImportFailed
from griddesk.outages.importers import outages_import
from griddesk.outages.models import OutageEvent, OutageSource, OutageState

HEADER = "outage_id,kind,device_id,start,end,cause"


@pytest.fixture
def write_csv(tmp_path):
    def write(*lines, name="outages.csv"):
        path = tmp_path / name
        path.write_text("".join(line + "\n" for line in (HEADER, *lines)), encoding="utf-8")
        return path

    return write


def _iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import", "outages", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _state():
    return list(OutageEvent.objects.order_by("code").values_list(
        "code", "kind", "device__device_id", "state", "starts_at", "expected_restoration_at", "restored_at", "cause",
        "updated_at")), AuditEvent.objects.count()


def test_historical_and_current_outages(province, write_csv):
    now = timezone.now().replace(microsecond=0)
    path = write_csv(
        "GZ001,fault,T1,2026-03-01T08:00:00+08:00,2026-03-01T10:30:00+08:00,树障碰线跳闸",
        f"GZ002,fault,F1,{_iso(now - timedelta(hours=1))},,10kV线路故障",
        f"JH003,planned,SW1,{_iso(now - timedelta(hours=2))},{_iso(now + timedelta(hours=3))},计划检修",
        f"LS004,TEMPORARY,T2,{_iso(now + timedelta(days=1))},{_iso(now + timedelta(days=1, hours=2))},临时检修",
    )
    out, err = run(path)
    assert out == "已导入 outages outages.csv：共 4 行，新增 4，更新 0，不变 0\n" and err == ""
    rows = {o.code: o for o in OutageEvent.objects.select_related("device")}
    old = rows["GZ001"]
    assert (old.state, old.source, old.device.device_id) == (OutageState.RESTORED, OutageSource.IMPORT, "T1")
    assert old.restored_at == old.expected_restoration_at == old.starts_at + timedelta(hours=2, minutes=30)
    assert (old.customers_affected, old.org_id) == (2, province["station"].pk)
    assert (rows["GZ002"].state, rows["GZ002"].expected_restoration_at) == (OutageState.ACTIVE, None)
    assert rows["GZ002"].customers_affected == 3
    assert (rows["JH003"].state, rows["JH003"].expected_restoration_at) == (OutageState.ACTIVE,
                                                                            now + timedelta(hours=3))
    assert (rows["LS004"].state, rows["LS004"].kind) == (OutageState.ANNOUNCED, "temporary")
    event = AuditEvent.objects.get(stream=stream_of(old))
    assert (event.action, event.payload["state"]) == ("outage.imported", "restored")
    assert AuditEvent.objects.filter(stream="import:outages").count() == 1


def test_importing_the_same_file_again_changes_nothing_and_a_changed_row_updates(province, write_csv):
    line = "GZ001,fault,T1,2026-03-01T08:00:00+08:00,2026-03-01T10:30:00+08:00,树障碰线跳闸"
    run(write_csv(line))
    before = _state()
    out, _err = run(write_csv(line))
    assert out == "已导入 outages outages.csv：共 1 行，新增 0，更新 0，不变 1\n"
    assert _state()[0] == before[0]
    out, _err = run(write_csv(line.replace("T1,", "F1,").replace("树障", "大风")))
    assert out == "已导入 outages outages.csv：共 1 行，新增 0，更新 1，不变 0\n"
    outage = OutageEvent.objects.get(code="GZ001")
    assert (outage.device.device_id, outage.cause, outage.customers_affected) == ("F1", "大风碰线跳闸", 3)
    event = AuditEvent.objects.filter(stream=stream_of(outage)).order_by("-seq").first()
    assert event.payload["changed"] == ["cause", "device_id", "org_id"]  # F1 is the county's


def test_bad_lines_are_named_and_nothing_is_written(province, write_csv):
    run(write_csv("GZ000,fault,T1,2026-03-01T08:00:00+08:00,,已有"))
    before = _state()
    path = write_csv(
        "GZ001,fault,NOPE,2026-03-01T08:00:00+08:00,2026-03-01T10:00:00+08:00,未知设备",
        "GZ002,storm,T1,2026-03-01T08:00:00+08:00,2026-03-01T10:00:00+08:00,类型不对",
        "GZ003,fault,T1,2026-03-01T10:00:00+08:00,2026-03-01T08:00:00+08:00,结束早于开始",
        "GZ004,fault,T1,2026-03-01 08:00:00,,没有时区",
        "GZ005,fault,T1,2026-03-01T08:00:00+08:00,明天,结束时间不对",
        "GZ001,fault,T1,2026-03-01T08:00:00+08:00,,重复编号",
        "GZ006,fault,T1,2026-03-01T08:00:00+08:00,,",
        "GZ007,fault,T1,2026-03-01T08:00:00+08:00,,正确的一行",
    )
    with pytest.raises(CommandError, match="7 个错误，未导入任何数据"):
        run(path)
    with pytest.raises(ImportFailed) as failure:
        outages_import(path=path)
    lines = failure.value.errors.lines()
    assert lines[0] == 'outages.csv:2: 列 device_id: 设备 "NOPE" 不存在（请先导入拓扑）'
    assert lines[1].startswith('outages.csv:3: 列 kind: "storm" 无效')
    assert lines[2].startswith("outages.csv:4: 列 end: 结束时间") and "必须晚于开始时间" in lines[2]
    assert lines[3].startswith("outages.csv:5: 列 start: 时间须为带时区的 ISO 8601 格式")
    assert lines[4].startswith("outages.csv:6: 列 end:")
    assert lines[5] == 'outages.csv:7: 列 outage_id: 停电编号 "GZ001" 重复（第 2 行已出现）'
    assert lines[6] == "outages.csv:8: 列 cause: 不能为空"
    assert _state() == before


def test_a_code_the_import_did_not_give_is_refused(province, write_csv):
    OutageEvent.objects.create(code="YP1", kind="fault", device=province["tx1"], cause="研判", source="analysis",
                               starts_at=timezone.now(), state=OutageState.PREDICTED)
    with pytest.raises(ImportFailed) as failure:
        outages_import(path=write_csv("YP1,fault,T1,2026-03-01T08:00:00+08:00,,覆盖"))
    assert "已被来电研判使用" in failure.value.errors.lines()[0]
    assert OutageEvent.objects.get(code="YP1").cause == "研判"


def test_dry_run_writes_nothing(province, write_csv):
    before = _state()
    out, _err = run(write_csv("GZ001,fault,T1,2026-03-01T08:00:00+08:00,2026-03-01T10:00:00+08:00,断线"),
                    "--dry-run")
    assert out == "试导入 outages outages.csv（未写入）：共 1 行，将新增 1，将更新 0，不变 0\n"
    assert _state() == before


def test_customers_affected_cost_the_same_queries_for_one_device_or_five(province, write_csv):
    """The customers below every device of the file come from one roll-up of the served counts, not a
    query per device."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def imported(devices, name):
        lines = [f"GQ{name}{i},fault,{device},2026-03-0{i + 1}T08:00:00+08:00,2026-03-0{i + 1}T09:00:00+08:00,测试"
                 for i, device in enumerate(devices)]
        with CaptureQueriesContext(connection) as captured:
            run(write_csv(*lines, name=f"{name}.csv"))
        return len(captured.captured_queries)

    one = imported(["T1"] * 5, "a")
    five = imported(["T1", "T2", "SW1", "F1", "SUB1"], "b")
    assert one == five
    counts = dict(OutageEvent.objects.filter(code__startswith="GQb").values_list("device__device_id",
                                                                                 "customers_affected"))
    assert counts == {"T1": 2, "T2": 1, "SW1": 2, "F1": 3, "SUB1": 3}
