"""The `griddesk import KIND FILE` command: summary on success, every error and exit 1 on failure."""

from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from tests.imports.helpers import CUSTOMERS_HEADER, TOPOLOGY_HEADER, db_state


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_registry_names_each_kind():
    # "import" is a keyword, so the command module is reached by name.
    command = import_module("griddesk.grid.management.commands.import")
    assert list(command.IMPORTERS) == ["topology", "customers", "outages", "voltage", "readings", "calls", "bills",
                                      "cti", "counter"]


def test_topology_then_customers(province, write_csv):
    topology = write_csv("topology.csv", TOPOLOGY_HEADER, "F2,feeder,SUB1,10kV新城线,urban",
                         "T3,transformer,F2,新城台区,urban")
    out, err = run("topology", topology)
    assert out == "已导入 topology topology.csv：共 2 行，新增 2，更新 0，不变 0\n"
    assert err == ""
    customers = write_csv("customers.csv", CUSTOMERS_HEADER,
                          "2000000001,新户一,13900000001,地址一,T3,220V,urban,1")
    out, _err = run("customers", customers)
    assert out == "已导入 customers customers.csv：共 1 行，新增 1，更新 0，不变 0\n"
    assert Customer.objects.get(account_no="2000000001").org == province["county"]


def test_dry_run_writes_nothing(province, write_csv):
    before = db_state()
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "F2,feeder,SUB1,10kV新城线,urban")
    out, _err = run("topology", path, "--dry-run")
    assert out == "试导入 topology topology.csv（未写入）：共 1 行，将新增 1，将更新 0，不变 0\n"
    assert db_state() == before


def test_org_option_gives_new_substations_their_org(province, write_csv):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S2,substation,,35kV云岭变,rural",
                     "F5,feeder,S2,云岭线,rural")
    run("topology", path, "--org", "P02")
    orgs = Device.objects.filter(device_id__in=["S2", "F5"]).values_list("org__code", flat=True)
    assert list(orgs) == ["P02", "P02"]


def test_unknown_org_code_is_an_error(province, write_csv):
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "S2,substation,,35kV云岭变,rural")
    with pytest.raises(CommandError, match='单位编码 "P99" 不存在'):
        run("topology", path, "--org", "P99")
    assert not Device.objects.filter(device_id="S2").exists()


def test_errors_go_to_stderr_one_per_line_and_the_command_fails(province, write_csv):
    before = db_state()
    path = write_csv("topology.csv", TOPOLOGY_HEADER, "F2,feeder,SUB1,10kV新城线,downtown",
                     "T3,transformer,F9,台区,urban")
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import", "topology", str(path), stdout=StringIO(), stderr=err)
    assert str(failure.value) == "topology.csv：2 个错误，未导入任何数据。"
    assert err.getvalue() == (
        'topology.csv:2: 列 zone: "downtown" 无效，应为 urban、rural、remote 之一\n'
        'topology.csv:3: 列 parent_id: 上级设备 "F9" 不存在\n'
    )
    assert db_state() == before


def test_missing_file_is_an_error_not_a_traceback(db, tmp_path):
    err = StringIO()
    with pytest.raises(CommandError, match="1 个错误"):
        call_command("import", "customers", str(tmp_path / "no.csv"), stdout=StringIO(), stderr=err)
    assert err.getvalue() == "no.csv: 无法打开文件：文件不存在\n"


def test_unknown_kind_is_refused(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import", "meters", "x.csv")
