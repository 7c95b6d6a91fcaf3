"""`griddesk import customers`: accounts from CSV, all-or-nothing, idempotent, in batches."""

import hashlib

import pytest

from griddesk.audit.models import AuditEvent
from griddesk.customers.importers import customers_import
from griddesk.customers.models import Customer
from griddesk.grid.importers import topology_import
from griddesk.grid.models import Device
from tests.imports.helpers import CUSTOMERS_HEADER, TOPOLOGY_HEADER, db_state

# The `province` fixture's customers, as a customers file.
PROVINCE_ROWS = (
    "1000000001,张伟,13800000001,临河县城关镇幸福路1号,T1,220V,urban,0",
    "1000000002,李娜,13800000002,临河县城关镇幸福路2号,T1,220V,urban,0",
    "1000000003,王强,13800000003,临河县东关村3组,T2,380V,rural,0",
)


def customer(account_no):
    return Customer.objects.select_related("transformer", "org").get(account_no=account_no)


@pytest.fixture
def county_transformer(province, write_csv):
    """T3, a new transformer straight below the county-owned feeder: it inherits the county org."""
    topology_import(path=write_csv("t3.csv", TOPOLOGY_HEADER, "T3,transformer,F1,北关台区,urban"))
    return Device.objects.get(device_id="T3")


def test_import_creates_customers_normalised_with_their_transformers_org(
    province, county_transformer, write_csv,
):
    path = write_csv(
        "customers.csv", CUSTOMERS_HEADER,
        "2000000001,赵六,138 1234 5678,临河县北关路1号,T1,220V,urban,0",
        "2000000002,钱七,0531-88886666-801,临河县北关路2号,T3,10KV,rural,1",
        "2000000003,孙八,+86 139-0000-0003,临河县北关路3号,T2,380v,Rural,0",
    )
    result = customers_import(path=path)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    first, second, third = (customer(f"200000000{i}") for i in (1, 2, 3))
    assert (first.name, first.phone, first.address, first.transformer.device_id, first.supply_voltage,
            first.zone, first.important, first.org) == (
        "赵六", "13812345678", "临河县北关路1号", "T1", "220V", "urban", False, province["station"])
    assert (second.phone, second.supply_voltage, second.zone, second.important, second.org) == (
        "053188886666-801", "10kV", "rural", True, province["county"])
    assert (third.phone, third.zone, third.org) == ("13900000003", "rural", province["station"])
    assert not second.sensitive
    assert Customer.objects.count() == 6


def test_importing_the_same_file_twice_changes_nothing(province, write_csv):
    path = write_csv("customers.csv", CUSTOMERS_HEADER, *PROVINCE_ROWS,
                     "2000000001,赵六,13812345678,临河县北关路1号,T2,220V,rural,1")
    first = customers_import(path=path)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 3)
    after_first = db_state()
    second = customers_import(path=path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    after_second = db_state()
    assert after_second["audit_events"] == after_first["audit_events"] + 1
    del after_first["audit_events"], after_second["audit_events"]
    assert after_second == after_first  # updated_at included: unchanged rows are not written


def test_changed_row_updates_by_account_and_moves_to_another_transformer(
    province, county_transformer, write_csv,
):
    before = customer("1000000002")
    rows = list(PROVINCE_ROWS)
    rows[1] = "1000000002,李娜（已过户）,0531-88886666,临河县北关路9号,T3,380V,urban,1"
    result = customers_import(path=write_csv("customers.csv", CUSTOMERS_HEADER, *rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    after = customer("1000000002")
    assert after.pk == before.pk
    assert (after.name, after.phone, after.address, after.transformer, after.supply_voltage,
            after.important, after.org) == (
        "李娜（已过户）", "053188886666", "临河县北关路9号", county_transformer, "380V", True,
        province["county"])
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at
    assert Customer.objects.filter(transformer__device_id="T1").count() == 1


def test_batches_mix_new_changed_and_unchanged_rows(province, write_csv):
    path = write_csv(
        "customers.csv", CUSTOMERS_HEADER,
        "2000000001,新户一,13900000001,地址一,T1,220V,urban,0",
        PROVINCE_ROWS[0],
        "1000000002,李娜,13800000009,临河县城关镇幸福路2号,T1,220V,urban,0",  # new phone
        "2000000002,新户二,13900000002,地址二,T2,220V,rural,0",
        PROVINCE_ROWS[2],
    )
    result = customers_import(path=path, batch_size=2)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 2)
    assert customer("1000000002").phone == "13800000009"
    assert Customer.objects.count() == 5


def test_dry_run_reports_changes_and_writes_nothing(province, write_csv):
    before = db_state()
    path = write_csv("customers.csv", CUSTOMERS_HEADER, PROVINCE_ROWS[0],
                     "1000000002,李娜,13800000009,临河县城关镇幸福路2号,T1,220V,urban,0",
                     "2000000001,新户一,13900000001,地址一,T1,220V,urban,0")
    result = customers_import(path=path, dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert result.summary() == (
        "试导入 customers customers.csv（未写入）：共 3 行，将新增 1，将更新 1，不变 1"
    )
    assert db_state() == before


def test_each_import_appends_one_audit_event_with_file_digest(province, write_csv):
    path = write_csv("customers.csv", CUSTOMERS_HEADER, *PROVINCE_ROWS,
                     "2000000001,新户一,13900000001,地址一,T1,220V,urban,0")
    result = customers_import(path=path)
    assert result.summary() == "已导入 customers customers.csv：共 4 行，新增 1，更新 0，不变 3"
    [event] = AuditEvent.objects.filter(stream="import:customers")
    assert (event.seq, event.action) == (1, "import.customers")
    assert event.payload == {"file": "customers.csv", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                             "created": 1, "updated": 0, "unchanged": 3}


def test_byte_order_mark_is_accepted(province, write_csv):
    row = "2000000001,新户一,13900000001,地址一,T1,220V,urban,0"
    path = write_csv("customers.csv", CUSTOMERS_HEADER, row, bom=True)
    assert customers_import(path=path).created == 1


def test_crash_after_batches_were_written_leaves_nothing(province, write_csv, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("griddesk.customers.importers.audit_append", broken_audit)
    before = db_state()
    rows = [f"20000000{i:02d},新户{i},139000000{i:02d},地址{i},T1,220V,urban,0" for i in range(7)]
    with pytest.raises(RuntimeError):
        customers_import(path=write_csv("customers.csv", CUSTOMERS_HEADER, *rows), batch_size=2)
    assert db_state() == before


# --- rejected files: the message, and nothing changed ---------------------------------------


def reject_one(expect_rejected, write_csv, row, **kwargs):
    path = write_csv("customers.csv", CUSTOMERS_HEADER, *PROVINCE_ROWS, row)
    return expect_rejected(customers_import, path, **kwargs)


def test_bad_phone(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "2000000001,新户一,12345,地址一,T1,220V,urban,0") == [
        'customers.csv:5: 列 phone: 电话 "12345" 无效：应为 11 位手机号（如 13812345678）'
        "或带区号的固定电话（如 0531-88886666，可带分机号 -801）"
    ]


def test_bad_supply_voltage(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "2000000001,新户一,13900000001,地址一,T1,220,urban,0") == [
        'customers.csv:5: 列 supply_voltage: "220" 无效，应为 220V、380V、10kV、35kV、110kV 之一'
    ]


def test_bad_important_flag(province, write_csv, expect_rejected):
    row = "2000000001,新户一,13900000001,地址一,T1,220V,urban,是"
    assert reject_one(expect_rejected, write_csv, row) == [
        'customers.csv:5: 列 important: "是" 无效，应为 0 或 1'
    ]


def test_bad_zone(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "2000000001,新户一,13900000001,地址一,T1,220V,城区,0") == [
        'customers.csv:5: 列 zone: "城区" 无效，应为 urban、rural、remote 之一'
    ]


def test_unknown_transformer(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "2000000001,新户一,13900000001,地址一,T9,220V,urban,0") == [
        'customers.csv:5: 列 transformer_id: 台区 "T9" 不存在（请先导入拓扑）'
    ]


def test_transformer_id_of_a_device_that_is_not_a_transformer(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "2000000001,新户一,13900000001,地址一,F1,220V,urban,0") == [
        'customers.csv:5: 列 transformer_id: 设备 "F1" 是馈线，不是台区（配变）'
    ]


def test_duplicate_account_in_the_file(province, write_csv, expect_rejected):
    assert reject_one(expect_rejected, write_csv, "1000000002,李娜,13800000002,地址,T1,220V,urban,0") == [
        'customers.csv:5: 列 account_no: 户号 "1000000002" 重复（第 3 行已出现）'
    ]


def test_bad_account_empty_name_and_long_address(province, write_csv, expect_rejected):
    address = "路" * 201
    assert reject_one(expect_rejected, write_csv, f"20 01,,13900000001,{address},T1,220V,urban,0") == [
        'customers.csv:5: 列 account_no: 户号 "20 01" 只能包含字母、数字、下划线和短横线',
        "customers.csv:5: 列 name: 不能为空",
        f'customers.csv:5: 列 address: "{address}" 太长：201 个字符，最多 200 个',
    ]


def test_every_error_of_a_row_and_of_the_file_is_listed(province, write_csv, expect_rejected):
    path = write_csv("customers.csv", CUSTOMERS_HEADER,
                     "2000000001,新户一,1390000,地址一,T9,12V,moon,2",
                     "2000000002,新户二,13900000002,地址二,T1,220V,urban,0",
                     "2000000003,新户三,13900000003,地址三,T1,220V,urban,x")
    assert expect_rejected(customers_import, path) == [
        'customers.csv:2: 列 phone: 电话 "1390000" 无效：应为 11 位手机号（如 13812345678）'
        "或带区号的固定电话（如 0531-88886666，可带分机号 -801）",
        'customers.csv:2: 列 transformer_id: 台区 "T9" 不存在（请先导入拓扑）',
        'customers.csv:2: 列 supply_voltage: "12V" 无效，应为 220V、380V、10kV、35kV、110kV 之一',
        'customers.csv:2: 列 zone: "moon" 无效，应为 urban、rural、remote 之一',
        'customers.csv:2: 列 important: "2" 无效，应为 0 或 1',
        'customers.csv:4: 列 important: "x" 无效，应为 0 或 1',
    ]


def test_error_in_a_later_batch_undoes_the_written_batches(province, write_csv, expect_rejected):
    rows = [f"20000000{i:02d},新户{i},139000000{i:02d},地址{i},T1,220V,urban,0" for i in range(7)]
    rows[6] = rows[6].replace("T1", "T9")
    path = write_csv("customers.csv", CUSTOMERS_HEADER, *rows)
    assert expect_rejected(customers_import, path, batch_size=2) == [
        'customers.csv:8: 列 transformer_id: 台区 "T9" 不存在（请先导入拓扑）'
    ]


def test_missing_column(province, write_csv, expect_rejected):
    header = CUSTOMERS_HEADER.replace(",phone", "")
    path = write_csv("customers.csv", header, "2000000001,新户一,地址一,T1,220V,urban,0")
    assert expect_rejected(customers_import, path) == ['customers.csv:1: 列 phone: 表头缺少必需的列 "phone"']


def test_unknown_extra_column_is_refused(province, write_csv, expect_rejected):
    path = write_csv("customers.csv", CUSTOMERS_HEADER + ",email",
                     "2000000001,新户一,13900000001,地址一,T1,220V,urban,0,a@b.cn")
    assert expect_rejected(customers_import, path) == [
        'customers.csv:1: 列 email: 未知的列 "email"（允许的列：account_no,name,phone,address,'
        "transformer_id,supply_voltage,zone,important）"
    ]


def test_wrong_encoding(province, write_csv, expect_rejected):
    path = write_csv("customers.csv", CUSTOMERS_HEADER, "2000000001,赵六,13900000001,地址一,T1,220V,urban,0",
                     encoding="gbk")
    [message] = expect_rejected(customers_import, path)
    assert message.startswith(
        "customers.csv:2: 文件不是 UTF-8 编码（看起来是 GBK/GB18030 编码）："
        "本行第 12 个字节 0xD5 无法按 UTF-8 解码。"
    )
    assert "iconv -f GBK -t UTF-8 customers.csv" in message


@pytest.mark.parametrize(("encoding", "byte", "position"), [("utf-16", "0xFF", 1), ("utf-16-le", "0x00", 2)])
def test_utf16_file_is_not_utf8(province, write_csv, expect_rejected, encoding, byte, position):
    path = write_csv("customers.csv", CUSTOMERS_HEADER, encoding=encoding)
    assert expect_rejected(customers_import, path) == [
        f"customers.csv:1: 文件不是 UTF-8 编码（看起来是 UTF-16 编码）：本行第 {position} 个字节 {byte} "
        "无法按 UTF-8 解码。请将文件另存为 UTF-8（例如 iconv -f UTF-16 -t UTF-8 customers.csv > utf8.csv）"
        "后重新导入"
    ]


def test_empty_file(province, write_csv, expect_rejected):
    path = write_csv("customers.csv", "", "")
    assert expect_rejected(customers_import, path) == [
        "customers.csv:1: 文件为空：缺少表头行（应为 account_no,name,phone,address,transformer_id,"
        "supply_voltage,zone,important）"
    ]


def test_missing_file(db, tmp_path, expect_rejected):
    [message] = expect_rejected(customers_import, tmp_path / "nowhere.csv")
    assert message == "nowhere.csv: 无法打开文件：文件不存在"
