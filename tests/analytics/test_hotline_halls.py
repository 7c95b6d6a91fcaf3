"""Hotline service level (rule C-4) and hall counters (rule H-5): imports and their figures."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.analytics import selectors
from griddesk.analytics.importers import counter_import, cti_import
from griddesk.analytics.models import CallRecord, CounterTicket
from griddesk.analytics.periods import Period, Scope
from griddesk.analytics.services import hall_create
from griddesk.audit.models import AuditEvent
from griddesk.csvimport import ImportFailed

JULY = Period.month("2026-07")
CTI = """call_id,phone,agent_no,offered_at,answered_at,ended_at
K1,13800000001,95598001,2026-07-03T09:00:00+08:00,2026-07-03T09:00:10+08:00,2026-07-03T09:05:00+08:00
K2,13800000002,95598001,2026-07-03T09:30:00+08:00,2026-07-03T09:00:20+08:00,2026-07-03T09:35:00+08:00
"""
GOOD_CTI = """call_id,phone,agent_no,offered_at,answered_at,ended_at
K1,13800000001,95598001,2026-07-03T09:00:00+08:00,2026-07-03T09:00:10+08:00,2026-07-03T09:05:00+08:00
K2,13800000002,95598001,2026-07-03T09:30:00+08:00,2026-07-03T09:30:20+08:00,2026-07-03T09:35:00+08:00
K3,13800000003,95598002,2026-07-03T14:10:00+08:00,2026-07-03T14:10:45+08:00,2026-07-03T14:20:00+08:00
K4,13800000004,,2026-07-03T14:20:00+08:00,,2026-07-03T14:21:30+08:00
K5,13800000005,95598002,2026-08-01T09:00:00+08:00,2026-08-01T09:00:05+08:00,2026-08-01T09:03:00+08:00
"""


@pytest.fixture
def write(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


@pytest.fixture
def agents(month, make_staff):
    return [make_staff("a1", month["root"], "agent", agent_no="95598001"),
            make_staff("a2", month["city"], "agent", agent_no="95598002")]


def test_rule_C4_cti_import_is_all_or_nothing_and_names_line_and_column(month, agents, write):
    with pytest.raises(ImportFailed) as failure:
        cti_import(path=write("bad.csv", CTI))
    assert failure.value.errors.lines() == ["bad.csv:3: 列 answered_at: 应答时间早于进线时间"]
    assert CallRecord.objects.count() == 0
    bad_time = GOOD_CTI.replace("2026-07-03T14:10:00+08:00", "2026-07-03 14:10")
    with pytest.raises(ImportFailed) as failure:
        cti_import(path=write("bad2.csv", bad_time))
    assert failure.value.errors.lines()[0].startswith("bad2.csv:4: 列 offered_at: 时间须为带时区的 ISO 8601")
    assert CallRecord.objects.count() == 0


def test_rule_C4_cti_import_is_idempotent_by_call_id_and_joins_agents(month, agents, write):
    path = write("cti.csv", GOOD_CTI)
    first = cti_import(path=path)
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    again = cti_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = cti_import(path=write("cti2.csv", GOOD_CTI.replace("14:10:45", "14:10:15")))
    assert (changed.created, changed.updated) == (0, 1)
    k1, k3, k4 = (CallRecord.objects.get(call_id=c) for c in ("K1", "K3", "K4"))
    assert (k1.agent, k1.org, k1.wait_seconds) == (agents[0], month["root"], 10)
    assert (k3.agent, k3.org, k3.wait_seconds) == (agents[1], month["city"], 15)
    assert (k4.agent, k4.org, k4.answered_at, k4.wait_seconds) == (None, month["root"], None, 90)
    assert AuditEvent.objects.filter(stream="import:cti").count() == 3


def test_rule_C4_share_within_four_rings_abandon_rate_and_speed_of_answer(month, agents, write):
    cti_import(path=write("cti.csv", GOOD_CTI))
    overall, hours, per_agent = selectors.hotline(Scope.of(month["root"]), JULY)
    # July: K1 (10 s), K2 (20 s), K3 (45 s) answered, K4 abandoned; within 4 rings of 5 s = 20 s: K1, K2
    assert overall.values() == [["合计", 4, 3, 2, pytest.approx(2 / 3), 1, 0.25, pytest.approx(25.0)]]
    assert hours.values() == [["09:00", 2, 2, 2, 1.0, 0, 0.0, 15.0], ["14:00", 2, 1, 0, 0.0, 1, 0.5, 45.0]]
    # per agent, with the orders each took in July (c1 and r1 carry 95598001)
    assert per_agent.values() == [["95598001", 2, 2, 2, 1.0, 0, 0.0, 15.0, 2],
                                  ["95598002", 1, 1, 0, 0.0, 0, 0.0, 45.0, 0]]
    assert per_agent.rows[0][-1].link == {"agent_no": "95598001"}


def test_rule_C4_ring_length_is_a_setting(month, agents, write, settings):
    settings.GRIDDESK_RING_SECONDS = 12  # 4 rings = 48 s: K3 (45 s) now counts
    cti_import(path=write("cti.csv", GOOD_CTI))
    overall = selectors.hotline(Scope.of(month["root"]), JULY)[0]
    assert overall.values()[0][3] == 3


def test_rule_C4_city_scope_sees_its_agents_calls_only(month, agents, write):
    cti_import(path=write("cti.csv", GOOD_CTI))
    overall = selectors.hotline(Scope.of(month["city"]), JULY)[0]
    assert overall.values()[0][1:3] == [1, 1]


COUNTER = """ticket_id,hall_code,business,called_at,finished_at
H1,HALL1,payment,2026-07-01T09:00:00+08:00,2026-07-01T09:04:00+08:00
H2,HALL1,payment,2026-07-01T09:10:00+08:00,2026-07-01T09:16:00+08:00
H3,HALL1,new_install,2026-07-01T10:00:00+08:00,2026-07-01T10:19:00+08:00
H4,HALL2,PAYMENT,2026-07-02T10:00:00+08:00,2026-07-02T10:05:00+08:00
H5,HALL2,name_change,2026-07-02T11:00:00+08:00,2026-07-02T11:25:00+08:00
"""


def test_rule_H5_counter_share_within_5_and_20_minutes_per_hall(month, write):
    hall_create(code="HALL1", name="城关营业厅", org=month["station"])
    hall_create(code="HALL2", name="云岭营业厅", org=month["other_city"])
    result = counter_import(path=write("counter.csv", COUNTER))
    assert result.created == 5
    table = selectors.halls(Scope.of(month["root"]), JULY)
    assert table.values() == [
        ["城关营业厅", "其他用电业务", 1, 1, 1.0, 19.0],
        ["城关营业厅", "居民缴费", 2, 1, 0.5, 5.0],
        ["云岭营业厅", "其他用电业务", 1, 0, 0.0, 25.0],
        ["云岭营业厅", "居民缴费", 1, 1, 1.0, 5.0],
    ]
    assert CounterTicket.objects.get(ticket_id="H4").business_code == "PAYMENT"
    assert counter_import(path=write("counter.csv", COUNTER)).unchanged == 5
    city_only = selectors.halls(Scope.of(month["city"]), JULY)
    assert sum(city_only.column(2)) == 3


def test_rule_H5_counter_import_refuses_unknown_hall_and_writes_nothing(month, write):
    hall_create(code="HALL1", name="城关营业厅", org=month["station"])
    with pytest.raises(ImportFailed) as failure:
        counter_import(path=write("counter.csv", COUNTER))
    assert failure.value.errors.lines() == [
        "counter.csv:5: 列 hall_code: 营业厅 \"HALL2\" 不存在（请先在管理后台登记营业厅）",
        "counter.csv:6: 列 hall_code: 营业厅 \"HALL2\" 不存在（请先在管理后台登记营业厅）"]
    assert CounterTicket.objects.count() == 0


def test_import_command_knows_cti_and_counter(month, agents, write, capsys):
    call_command("import", "cti", str(write("cti.csv", GOOD_CTI)), "--org", "P01")
    assert CallRecord.objects.get(call_id="K4").org == month["city"]
    with pytest.raises(CommandError):
        call_command("import", "counter", str(write("counter.csv", COUNTER)))


def test_demo_plans_a_deterministic_year_of_calls_and_counter_tickets():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from griddesk.demo import analytics as demo

    start = datetime(2026, 1, 5, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
    agents = [(1, "A1001"), (2, "A1002")]
    calls = list(demo.plan_calls(1, agents=agents, start=start, days=7, customers=20000))
    assert calls == list(demo.plan_calls(1, agents=agents, start=start, days=7, customers=20000))
    assert len(calls) == 40 * 6 + int(40 * 1.3)  # Monday is busier
    abandoned = [c for c in calls if c.answered_at is None]
    assert 0 < len(abandoned) < len(calls) * 0.15 and all(c.agent_no == "" for c in abandoned)
    assert all(c.wait_seconds == int((c.answered_at - c.offered_at).total_seconds()) for c in calls if c.answered_at)
    tickets = list(demo.plan_tickets(1, halls=2, start=start, days=7))
    assert {t[3].weekday() for t in tickets} == {0, 1, 2, 3, 4, 5}  # closed on Sunday
    assert {t[1] for t in tickets} == {0, 1}
