"""`griddesk rules list` and `griddesk rules explain` (README, "Command line")."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from griddesk.calendar.models import CalendarYear
from tests.rules.test_compute_due import CASES

pytestmark = pytest.mark.django_db


def explain(*args):
    return json.loads(run("explain", *args, "--json"))


def run(*args):
    out = StringIO()
    call_command("rules", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "key", "expected"), CASES, ids=[f"{n}:{k}" for n, k, _ in CASES])
def test_explain_every_key_as_json(name, key, expected):
    data = explain(key, "--start", "2026-09-30T10:00:00+08:00", "--ruleset", name)
    assert data["due"] == expected.isoformat()
    assert (data["key"], data["ruleset"], data["version"]) == (key, name, 1)
    assert data["rule"] == key.split("/")[0]
    assert data["start"] == "2026-09-30T10:00:00+08:00"
    assert data["basis"] and data["label"] and data["unit"] and data["amount"] >= 1


def test_rule_T3_explain_matches_the_issue_example():
    data = explain("T-3/resident", "--start", "2026-09-30T10:00:00+08:00")
    assert data["due"] == "2026-10-13T23:59:59+08:00"
    assert data["basis"] == (
        "5 working days after 2026-09-30, the start day not counted; skips 2026-10-01..07; "
        "counts make-up day 2026-10-10; due at the end of 2026-10-13 (23:59:59 Asia/Shanghai)"
    )


@pytest.mark.parametrize(("args", "key", "due"), [
    (["R-2", "--zone", "rural"], "R-2/rural", "2026-09-30T11:30:00+08:00"),
    (["T-3", "--supply", "220V"], "T-3/resident", "2026-10-13T23:59:59+08:00"),
    (["T-3", "--supply", "220v"], "T-3/resident", "2026-10-13T23:59:59+08:00"),
    (["T-1", "--supply", "10kV"], "T-1/hv-single", "2026-10-30T10:00:00+08:00"),
    (["T-3", "--supply", "380V", "--ruleset", "ten-commitments-2023"], "T-3/lv-nonresident",
     "2026-10-14T23:59:59+08:00"),
])
def test_explain_generic_keys_by_zone_and_supply(args, key, due):
    data = explain(*args, "--start", "2026-09-30T10:00:00+08:00")
    assert (data["key"], data["due"]) == (key, due)


@pytest.mark.parametrize("start", ["2026-09-30T02:00:00Z", "2026-09-30T10:00", "2026-09-30 10:00:00",
                                   "2026-09-29T21:00:00-05:00"])
def test_explain_reads_utc_offsets_and_local_times_alike(start):
    data = explain("R-2/urban", "--start", start)
    assert (data["start"], data["due"]) == ("2026-09-30T10:00:00+08:00", "2026-09-30T10:45:00+08:00")


def test_explain_human_output_is_chinese_with_the_basis():
    out = run("explain", "T-3/resident", "--start", "2026-09-30T10:00:00+08:00")
    assert out.splitlines()[0] == "T-3/resident  居民客户受理后5个工作日内送电"
    assert "到期    2026-10-13T23:59:59+08:00" in out
    assert "跳过节假日 2026-10-01至07（国庆节）" in out
    assert "《供电服务规范》第十八条（三）" in out


def test_explain_warns_for_a_year_without_holiday_data():
    out = run("explain", "T-3/resident", "--start", "2027-03-01T09:00:00+08:00")
    assert "注意：2027 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。" in out
    assert explain("T-3/resident", "--start", "2031-01-06T09:00:00+08:00")["warnings"] == [
        "2031 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。"
    ]


@pytest.mark.parametrize(("args", "message"), [
    (["X-9", "--start", "2026-09-30"], "没有规则“X-9”的时限"),
    (["T-3/nobody", "--start", "2026-09-30"], "没有时限“T-3/nobody”"),
    (["R-2", "--start", "yesterday"], "--start “yesterday” 不是有效的 ISO 8601 时间"),
    (["R-2", "--start", "2026-02-30T10:00"], "不是有效的 ISO 8601 时间"),
    (["R-2", "--start", "2026-09-30"], "R-2/remote、R-2/rural、R-2/urban"),
    (["R-2", "--zone", "moon", "--start", "2026-09-30"], "未知的区域“moon”"),
    (["T-3", "--supply", "12V", "--start", "2026-09-30"], "未知的供电电压“12V”"),
    (["R-2/urban", "--ruleset", "nope", "--start", "2026-09-30"], "规则集“nope”不存在"),
    (["R-2/urban", "--start", "1999-01-01"], "尚无生效的版本"),
    (["T-3/resident", "--calendar", "mars", "--start", "2026-09-30"], "工作日历“mars”不存在"),
])
def test_explain_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        run("explain", *args)


def test_cli_bad_date_exits_non_zero_without_a_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "griddesk.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "griddesk", "rules", "explain", "R-2/urban", "--start", "not-a-date"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "不是有效的 ISO 8601 时间" in done.stderr
    assert "Traceback" not in done.stderr


def test_list_shows_sets_versions_deadlines_and_calendar_coverage():
    this_year = timezone.localdate().year
    CalendarYear.objects.filter(year=this_year).delete()
    out = run("list")
    assert "规则集 service-code：供电服务规范（默认）" in out
    assert "v1  2000-01-01T00:00:00+08:00 起生效  现行  20 项时限" in out
    assert "v1  2023-01-01T00:00:00+08:00 起生效  现行  27 项时限" in out
    assert "T-3/hv-dual             T-3   32个工作日      高压双电源客户全过程32个工作日" in out
    assert "Q-3/planned             Q-3   提前7天" in out
    covered = "2004–2026" if this_year != 2026 else "2004–2025"
    assert f"national 国家法定工作日历：{covered} 年已收录（chinese-calendar 1.11.0）" in out
    assert f"注意：{this_year} 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。" in out


def test_list_as_json():
    data = json.loads(run("list", "--json"))
    assert data["default_ruleset"] == "service-code"
    sets = {r["name"]: r for r in data["rulesets"]}
    assert sets["service-code"]["in_force"] == 1
    assert len(sets["ten-commitments-2023"]["versions"][0]["deadlines"]) == 27
    national = next(c for c in data["calendars"] if c["code"] == "national")
    assert national["years_complete"] == list(range(2004, 2027))
