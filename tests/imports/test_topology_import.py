"""`griddesk import topology`: the network from CSV, all-or-nothing, idempotent, paths kept right."""

import hashlib

import pytest

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify
from griddesk.grid.importers import topology_import
from griddesk.grid.models import Device
from griddesk.grid.selectors import customer_count_below
from griddesk.orgs.models import Org
from griddesk.paths import segment
from tests.imports.helpers import TOPOLOGY_HEADER, db_state

# The `province` fixture's network, as a topology file.
PROVINCE_ROWS = (
    "SUB1,substation,,110kV城关变,urban",
    "F1,feeder,SUB1,10kV城关线,urban",
    "SW1,switch,F1,城关线1号开关,urban",
    "T1,transformer,SW1,幸福小区1号台区,urban",
    "T2,transformer,F1,东关村台区,rural",
)


def assert_paths_consistent():
    """Every device's path is its parent's path plus its own pk; depth matches."""
    devices = {device.pk: device for device in Device.objects.all()}
    for device in devices.values():
        parent_path = devices[device.parent_id].path if device.parent_id else ""
        assert device.path == parent_path + segment(device.pk), device.device_id
        assert device.depth == len(device.path) // 8 - 1, device.device_id


def device(device_id):
    return Device.objects.select_related("parent").get(device_id=device_id)


def state_without_audit():
    state = db_state()
    del state["audit_events"]
    return state


# --- building and updating the network ------------------------------------------------------


def test_import_builds_network_parents_may_come_later(db, write_csv):
    org = Org.objects.create(code="X01", name="西城县供电公司", kind="county")
    path = write_csv(
        "topology.csv", TOPOLOGY_HEADER,
        "T1,transformer,FU1,台区1,urban",
        "FU1,fuse,SW1,熔断器1,urban",
        "SW1,switch,F1,开关1,urban",
        "F1,feeder,S1,馈线1,urban",
        "S1,substation,,变电站1,urban",
        "SW2,switch,SW1,开关2,rural",
        "T2,transformer,F1,台区2,rural",
    )
    result = topology_import(path=path, root_org=org)
    assert (result.rows, result.created, result.updated, result.unchanged) == (7, 7, 0, 0)
    assert_paths_consistent()
    depths = dict(Device.objects.values_list("device_id", "depth"))
    assert depths == {"S1": 0, "F1": 1, "SW1": 2, "FU1": 3, "T1": 4, "SW2": 3, "T2": 2}
    parents = dict(Device.objects.values_list("device_id", "parent__device_id"))
    assert parents == {"S1": None, "F1": "S1", "SW1": "F1", "FU1": "SW1", "T1": "FU1", "SW2": "SW1",
                       "T2": "F1"}
    assert set(Device.objects.values_list("org_id", flat=True)) == {org.pk}
    t1 = device("T1")
    assert (t1.kind, t1.name, t1.zone) == ("transformer", "台区1", "urban")


def test_new_substation_without_root_org_has_no_org(db, write_csv):
    topology_import(path=write_csv("t.csv", TOPOLOGY_HEADER, "S1,substation,,变电站1,urban",
                                   "F1,feeder,S1,馈线1,urban"))
    assert list(Device.objects.values_list("org_id", flat=True)) == [None, None]


def test_new_device_inherits_parent_org_and_existing_device_keeps_its_own(province, write_csv):
    path = write_csv(
        "topology.csv", TOPOLOGY_HEADER,
        "T3,transformer,SW1,新台区,urban",  # new, below an existing station-owned switch
        "SW1,switch,F2,城关线1号开关,urban",  # existing, moves below a new feeder
        "F2,feeder,SUB1,10kV新城线,urban",  # new, below the county-owned substation
    )
    topology_import(path=path)
    assert device("T3").org == province["station"]
    assert device("F2").org == province["county"]
    assert device("SW1").org == province["station"]
    assert device("SW1").parent.device_id == "F2"
    assert_paths_consistent()


def test_importing_the_same_file_twice_changes_nothing(province, write_csv):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, *PROVINCE_ROWS, "T3,transformer,SW1,新台区,urban")
    first = topology_import(path=path)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 5)
    after_first = state_without_audit()
    second = topology_import(path=path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 6)
    assert state_without_audit() == after_first


def test_changed_rows_update_by_device_id(province, write_csv):
    rows = list(PROVINCE_ROWS)
    rows[4] = "T2,transformer,F1,东关村1号台区,remote"
    result = topology_import(path=write_csv("topology.csv", TOPOLOGY_HEADER, *rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    t2 = device("T2")
    assert (t2.name, t2.zone, t2.pk) == ("东关村1号台区", "remote", province["tx2"].pk)
    assert Device.objects.count() == 5


def test_reparenting_recomputes_paths_of_the_whole_moved_subtree(province, write_csv):
    # Grow SW1's subtree first: SW1 > SW3 > FU1 > T5, beside T1 (2 customers).
    topology_import(path=write_csv(
        "grow.csv", TOPOLOGY_HEADER,
        "SW3,switch,SW1,分段开关,urban", "FU1,fuse,SW3,熔断器,urban", "T5,transformer,FU1,台区5,urban",
    ))
    # Move SW1 to a new feeder; the file names neither T1, SW3, FU1 nor T5.
    result = topology_import(path=write_csv(
        "move.csv", TOPOLOGY_HEADER, "F2,feeder,SUB1,10kV新城线,urban", "SW1,switch,F2,城关线1号开关,urban",
    ))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert result.extra["descendants_moved"] == 4
    assert "另有 4 个未列在文件中的下级设备随上级移动" in result.summary()
    assert_paths_consistent()
    f2 = device("F2")
    for device_id in ("SW1", "T1", "SW3", "FU1", "T5"):
        assert device(device_id).path.startswith(f2.path), device_id
    assert device("T5").depth == 5
    assert customer_count_below(device=f2) == 2
    assert customer_count_below(device=device("F1")) == 1
    assert customer_count_below(device=device("SUB1")) == 3


def test_moving_back_restores_the_original_paths(province, write_csv):
    original = dict(Device.objects.values_list("device_id", "path"))
    topology_import(path=write_csv("move.csv", TOPOLOGY_HEADER, "SW1,switch,F2,城关线1号开关,urban",
                                   "F2,feeder,SUB1,10kV新城线,urban"))
    assert device("T1").path != original["T1"]
    topology_import(path=write_csv("back.csv", TOPOLOGY_HEADER, "SW1,switch,F1,城关线1号开关,urban"))
    restored = dict(Device.objects.exclude(device_id="F2").values_list("device_id", "path"))
    assert restored == original


def test_dry_run_reports_changes_and_writes_nothing(province, write_csv):
    before = db_state()
    path = write_csv(
        "topology.csv", TOPOLOGY_HEADER,
        "F2,feeder,SUB1,10kV新城线,urban",  # new
        "SW1,switch,F2,城关线1号开关,urban",  # moved, takes T1 along
        "T2,transformer,F1,东关村台区,rural",  # unchanged
    )
    result = topology_import(path=path, dry_run=True)
    assert (result.dry_run, result.created, result.updated, result.unchanged) == (True, 1, 1, 1)
    assert result.extra["descendants_moved"] == 1
    assert result.summary().startswith(
        "试导入 topology topology.csv（未写入）：共 3 行，将新增 1，将更新 1，不变 1"
    )
    assert db_state() == before


def test_each_import_appends_one_audit_event_with_file_digest(province, write_csv):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, *PROVINCE_ROWS, "T3,transformer,SW1,新台区,urban")
    topology_import(path=path)
    topology_import(path=path)
    events = list(AuditEvent.objects.filter(stream="import:topology").order_by("seq"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(e.seq, e.action) for e in events] == [(1, "import.topology"), (2, "import.topology")]
    assert events[0].payload == {"file": "topology.csv", "sha256": digest, "created": 1, "updated": 0,
                                 "unchanged": 5}
    assert events[1].payload == {"file": "topology.csv", "sha256": digest, "created": 0, "updated": 0,
                                 "unchanged": 6}
    assert audit_verify()[1] == []


def test_byte_order_mark_and_header_case_and_order_are_accepted(db, write_csv):
    path = write_csv("topology.csv", " Zone ,NAME,device_id,Kind,parent_id", "urban,变电站1,S1,substation,",
                     "rural,馈线1,F1,feeder,S1", bom=True)
    result = topology_import(path=path)
    assert result.created == 2
    assert dict(Device.objects.values_list("device_id", "zone")) == {"S1": "urban", "F1": "rural"}


def test_values_are_stripped_and_blank_lines_skipped(db, write_csv):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, " S1 , substation ,, 变电站1 , URBAN ", "",
                     "F1,feeder,S1,馈线1,urban", "")
    assert topology_import(path=path).created == 2
    s1 = device("S1")
    assert (s1.kind, s1.name, s1.zone) == ("substation", "变电站1", "urban")


def test_crash_midway_leaves_nothing(province, write_csv, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("griddesk.grid.importers.audit_append", broken_audit)
    before = db_state()
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "F2,feeder,SUB1,新线,urban", "SW1,switch,F2,开关,rural")
    with pytest.raises(RuntimeError):
        topology_import(path=path)
    assert db_state() == before


# --- rejected files: the message, and nothing changed ---------------------------------------


def test_unknown_parent(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, *PROVINCE_ROWS, "T9,transformer,F9,无主台区,rural")
    assert expect_rejected(topology_import, path) == ['topology.csv:7: 列 parent_id: 上级设备 "F9" 不存在']


def test_cycle_within_the_file(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "A,switch,B,开关A,urban", "B,switch,A,开关B,urban")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:2: 列 parent_id: 上级关系形成环：A → B → A（设备不能挂在自身或其下级设备下）"
    ]


def test_cycle_through_devices_already_in_the_database(province, write_csv, expect_rejected):
    topology_import(path=write_csv("grow.csv", TOPOLOGY_HEADER, "SW2,switch,SW1,分段开关,urban"))
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "SW1,switch,SW2,城关线1号开关,urban")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:2: 列 parent_id: 上级关系形成环：SW1 → SW2 → SW1（设备不能挂在自身或其下级设备下）"
    ]


def test_device_as_its_own_parent(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "SW1,switch,SW1,城关线1号开关,urban")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:2: 列 parent_id: 上级关系形成环：SW1 → SW1（设备不能挂在自身或其下级设备下）"
    ]


def test_duplicate_device_id_in_the_file(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S2,substation,,变电站2,urban",
                     "F5,feeder,S2,馈线5,urban", "S2,substation,,变电站2乙,rural")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:4: 列 device_id: 设备编号 "S2" 重复（第 2 行已出现）'
    ]


def test_bad_zone(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S2,substation,,变电站2,downtown")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:2: 列 zone: "downtown" 无效，应为 urban、rural、remote 之一'
    ]


def test_bad_kind(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "B1,breaker,F1,断路器,urban",
                     "T9,transformer,B1,台区,urban")
    # The row below the bad one is not blamed for it.
    assert expect_rejected(topology_import, path) == [
        'topology.csv:2: 列 kind: "breaker" 无效，应为 substation、feeder、switch、fuse、transformer 之一'
    ]


def test_wrong_parent_kind(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "T9,transformer,SUB1,台区,urban",
                     "F9,feeder,T1,馈线,urban")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:2: 列 parent_id: 配变（台区）不能挂在变电站 "SUB1" 下'
        "（配变（台区）的上级只能是馈线、开关、熔断器）",
        'topology.csv:3: 列 parent_id: 馈线不能挂在配变（台区） "T1" 下（馈线的上级只能是变电站）',
    ]


def test_parent_empty_only_for_substations(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "F9,feeder,,馈线,urban",
                     "S9,substation,SUB1,变电站,urban")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:2: 列 parent_id: 不能为空：只有变电站可以没有上级设备",
        'topology.csv:3: 列 parent_id: 变电站不能有上级设备（填写了 "SUB1"）',
    ]


def test_kind_change_must_suit_existing_children_and_customers(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "SW1,transformer,F1,城关线1号开关,urban",
                     "T2,fuse,F1,东关村台区,rural")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:2: 列 kind: 不能改为配变（台区）：其下级配变（台区） "T1" 不能挂在配变（台区）下',
        "topology.csv:3: 列 kind: 不能改为熔断器：该台区下还有 1 户客户",
    ]


def test_too_long_and_empty_values(province, write_csv, expect_rejected):
    long_name = "长" * 101
    path = write_csv("topology.csv", TOPOLOGY_HEADER, f"S9,substation,,{long_name},urban",
                     ",substation,,无编号,urban")
    assert expect_rejected(topology_import, path) == [
        f'topology.csv:2: 列 name: "{long_name}" 太长：101 个字符，最多 100 个',
        "topology.csv:3: 列 device_id: 不能为空",
    ]


def test_missing_column(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", "device_id,kind,parent_id,name", "S9,substation,,变电站")
    assert expect_rejected(topology_import, path) == ['topology.csv:1: 列 zone: 表头缺少必需的列 "zone"']


def test_unknown_extra_column_is_refused(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER + ",voltage", "S9,substation,,变电站,urban,110kV")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:1: 列 voltage: 未知的列 "voltage"（允许的列：device_id,kind,parent_id,name,zone）'
    ]


def test_column_named_twice(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER + ",zone", "S9,substation,,变电站,urban,rural")
    assert expect_rejected(topology_import, path) == ["topology.csv:1: 列 zone: 表头中该列出现了两次"]


def test_wrong_encoding_names_the_line_and_suggests_converting(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S9,substation,,变电站,urban", encoding="gbk")
    [message] = expect_rejected(topology_import, path)
    assert message == (
        "topology.csv:2: 文件不是 UTF-8 编码（看起来是 GBK/GB18030 编码）："
        "本行第 16 个字节 0xB1 无法按 UTF-8 解码。"
        "请将文件另存为 UTF-8（例如 iconv -f GBK -t UTF-8 topology.csv > utf8.csv）后重新导入"
    )


def test_empty_file(province, write_csv, expect_rejected):
    path = write_csv("topology.csv")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:1: 文件为空：缺少表头行（应为 device_id,kind,parent_id,name,zone）"
    ]


def test_header_without_rows(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER)
    assert expect_rejected(topology_import, path) == ["topology.csv:1: 文件只有表头，没有数据行"]


def test_wrong_number_of_fields(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S9,substation,,变电站",
                     "S8,substation,,变电站,urban,x")
    assert expect_rejected(topology_import, path) == [
        "topology.csv:2: 该行有 4 个字段，表头有 5 列",
        "topology.csv:3: 该行有 6 个字段，表头有 5 列",
    ]


def test_errors_are_capped_at_fifty_then_counted(province, write_csv, expect_rejected):
    rows = [f"S{i},substation,,变电站{i},moon" for i in range(60)]
    lines = expect_rejected(topology_import, write_csv("topology.csv", TOPOLOGY_HEADER, *rows))
    assert len(lines) == 51
    assert lines[0] == 'topology.csv:2: 列 zone: "moon" 无效，应为 urban、rural、remote 之一'
    assert lines[49].startswith("topology.csv:51: ")
    assert lines[50] == "……另有 10 个错误未列出"


def test_multiline_quoted_value_counts_from_its_first_line(province, write_csv, expect_rejected):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, 'S9,substation,,"变电站', '九号",urban',
                     "F9,feeder,S9,馈线,moon")
    assert expect_rejected(topology_import, path) == [
        'topology.csv:4: 列 zone: "moon" 无效，应为 urban、rural、remote 之一'
    ]
