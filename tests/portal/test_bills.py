"""Bills (电费账单): `griddesk import bills` and the public bills page, rules B-1 and B-2."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from griddesk.billing.importers import bills_import
from griddesk.billing.models import Bill, PayChannel
from griddesk.billing.reference_names import SEEDED_PAY_CHANNELS
from griddesk.csvimport import ImportFailed
from griddesk.demo.bills import bill_months, bill_rows
from tests.portal.helpers import last_code

HEADER = "account_no,month,kwh,amount,estimated,paid_at,pay_channel\n"
GOOD = HEADER + (
    "1000000001,2026-01,210,118.71,0,2026-02-08T10:00:00+08:00,app\n"
    "1000000001,2026-02,190,107.41,1,,\n"
    "1000000002,2026-01,95,53.70,0,2026-02-10T09:30:00+08:00,bank\n"
)


def write(tmp_path, text, name="bills.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_B1_bills_import_good_file(province, tmp_path):
    result = bills_import(path=write(tmp_path, GOOD))
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    bill = Bill.objects.get(customer__account_no="1000000001", month="2026-02-01")
    assert (bill.kwh, bill.amount, bill.estimated, bill.paid_at, bill.pay_channel) == (
        190, Decimal("107.41"), True, None, None)
    paid = Bill.objects.get(customer__account_no="1000000001", month="2026-01-01")
    assert paid.pay_channel.code == "app" and paid.paid_at.isoformat() == "2026-02-08T02:00:00+00:00"


def test_bills_import_is_idempotent_by_account_and_month(province, tmp_path):
    bills_import(path=write(tmp_path, GOOD))
    again = bills_import(path=write(tmp_path, GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = GOOD.replace("1000000001,2026-02,190,107.41,1,,", "1000000001,2026-02,190,107.41,0,"
                                                                "2026-03-05T10:00:00+08:00,hall")
    third = bills_import(path=write(tmp_path, changed))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Bill.objects.count() == 3
    assert Bill.objects.get(customer__account_no="1000000001", month="2026-02-01").pay_channel.code == "hall"


BAD_COLUMNS = [
    ("account_no", "9999999999,2026-01,1,1.00,0,,", "不存在"),
    ("account_no", ",2026-01,1,1.00,0,,", "不能为空"),
    ("month", "1000000001,2026-13,1,1.00,0,,", "YYYY-MM"),
    ("month", "1000000001,2099-01,1,1.00,0,,", "晚于本月"),
    ("kwh", "1000000001,2026-01,-5,1.00,0,,", "整数"),
    ("amount", "1000000001,2026-01,1,1.005,0,,", "两位小数"),
    ("amount", "1000000001,2026-01,1,-1.00,0,,", "两位小数"),
    ("estimated", "1000000001,2026-01,1,1.00,yes,,", "0 或 1"),
    ("paid_at", "1000000001,2026-01,1,1.00,0,2026-02-01 10:00,app", "ISO 8601"),
    ("pay_channel", "1000000001,2026-01,1,1.00,0,2026-02-01T10:00:00+08:00,cash", "未知的缴费渠道"),
    ("pay_channel", "1000000001,2026-01,1,1.00,0,2026-02-01T10:00:00+08:00,", "须写明缴费渠道"),
    ("pay_channel", "1000000001,2026-01,1,1.00,0,,app", "不能有缴费渠道"),
]


@pytest.mark.parametrize(("column", "line", "says"), BAD_COLUMNS)
def test_bills_import_names_line_and_column_of_each_bad_value(province, tmp_path, column, line, says):
    text = GOOD + line + "\n"
    with pytest.raises(ImportFailed) as failure:
        bills_import(path=write(tmp_path, text))
    lines = failure.value.errors.lines()
    assert len(lines) == 1
    assert lines[0].startswith(f"bills.csv:5: 列 {column}: ") and says in lines[0]
    assert Bill.objects.count() == 0  # all or nothing: the three good rows were not written either


def test_bills_import_refuses_the_same_month_twice(province, tmp_path):
    with pytest.raises(ImportFailed) as failure:
        bills_import(path=write(tmp_path, GOOD + "1000000001,2026-01,1,1.00,0,,\n"))
    assert "bills.csv:5: 列 month: " in failure.value.errors.lines()[0] and "第 2 行" in failure.value.errors.lines()[0]


def test_bills_import_all_or_nothing_keeps_earlier_bills(province, tmp_path):
    bills_import(path=write(tmp_path, GOOD))
    bad = GOOD.replace("190,107.41", "180,101.00") + "1000000003,2026-01,x,1.00,0,,\n"
    with pytest.raises(ImportFailed):
        bills_import(path=write(tmp_path, bad))
    assert Bill.objects.get(customer__account_no="1000000001", month="2026-02-01").kwh == 190


def test_griddesk_import_bills_is_registered(province, tmp_path, capsys):
    call_command("import", "bills", str(write(tmp_path, GOOD)))
    assert "新增 3" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import", "bills", str(write(tmp_path, HEADER + "1,2,3\n", "bad.csv")))


# ---------------------------------------------------------------- the public bills page


@pytest.fixture
def billed(province, tmp_path):
    bills_import(path=write(tmp_path, GOOD))
    return province


def open_bills(client, account_no, phone):
    client.post("/bills/", {"step": "send", "number": account_no})
    return client.post("/bills/", {"step": "code", "number": account_no, "code": last_code(phone)})


def test_rule_B1_bills_page_needs_the_code(client, billed):
    assert client.get("/bills/1000000001/").status_code == 302
    response = client.post("/bills/", {"step": "send", "number": "1000000001"})
    unknown = client.post("/bills/", {"step": "send", "number": "1000000009"})
    assert response.status_code == unknown.status_code == 200
    assert "如果该户号存在，验证码已发送到登记的手机号码" in response.content.decode()
    assert "如果该户号存在，验证码已发送到登记的手机号码" in unknown.content.decode()
    assert last_code("13800000001") is not None


def test_rule_B1_bills_page_flags_estimated_readings_and_owing(client, billed):
    response = open_bills(client, "1000000001", "13800000001")
    assert response.status_code == 302 and response["Location"] == "/bills/1000000001/"
    page = client.get("/bills/1000000001/").content.decode()
    assert page.count('class="bill estimated"') == 1 and page.count('class="bill"') == 1
    assert "估抄：抄表日未能抄到电能表示数" in page
    assert "欠费 1 个月，共 107.41 元" in page
    assert "118.71" in page and "<svg" in page and page.count("<rect ") == 2
    assert "1000000002" not in page and "53.70" not in page  # another account's bill
    assert client.get("/bills/1000000002/").status_code == 302  # the code opened one account only


def test_rule_B2_bills_page_lists_at_least_two_payment_methods(client, billed):
    open_bills(client, "1000000001", "13800000001")
    page = client.get("/bills/1000000001/").content.decode()
    names = [name for _code, name, _how, _sort in SEEDED_PAY_CHANNELS]
    assert sum(name in page for name in names) == len(names) >= 2
    PayChannel.objects.filter(code="wechat").update(active=False)  # the administrator's list
    page = client.get("/bills/1000000001/").content.decode()
    assert "微信或支付宝" not in page and "网上国网App" in page


def test_rule_B2_seeded_payment_channels_are_in_the_catalogue(db):
    seeded = {(c.code, c.name, c.how) for c in PayChannel.objects.all()}
    assert {(code, name, how) for code, name, how, _sort in SEEDED_PAY_CHANNELS} <= seeded
    assert len(seeded) >= 2


def test_bills_page_reads_in_a_few_queries(client, billed, django_assert_max_num_queries):
    open_bills(client, "1000000001", "13800000001")
    with django_assert_max_num_queries(5):  # session, account, bills, channels (+ session save)
        assert client.get("/bills/1000000001/").status_code == 200


def test_demo_bills_are_a_year_with_estimated_and_owing_months(db):
    from django.utils import timezone

    channels = dict(PayChannel.objects.values_list("code", "pk"))
    rows = list(bill_rows(1, [(pk, "220V") for pk in range(1, 201)], now=timezone.now(), channels=channels))
    assert len(rows) == 200 * 12
    assert len({row[1] for row in rows}) == 12 and bill_months(timezone.now())[-1] < timezone.localdate()
    assert 0 < sum(row[4] for row in rows) < len(rows) * 0.1  # some estimated readings (B-1)
    owing = [row for row in rows if row[5] is None]
    assert 0 < len(owing) < len(rows) * 0.1 and all(row[6] is None for row in owing)
    assert all(row[6] in channels.values() for row in rows if row[5] is not None)
    assert rows == list(bill_rows(1, [(pk, "220V") for pk in range(1, 201)], now=timezone.now(), channels=channels))


def test_rule_B1_caller_page_shows_the_latest_bills_in_one_query(client, billed, people, django_assert_num_queries):
    from django.urls import reverse

    from griddesk.billing.selectors import bills_of
    from griddesk.customers.models import Customer

    client.force_login(people["agent"])
    page = client.get(reverse("console:caller", args=["1000000001"])).content.decode()
    section = page[page.index('id="caller-bills"'):]
    assert "2026-02" in section and "估抄" in section and "未缴费" in section and "118.71" in section
    customer = Customer.objects.get(account_no="1000000001")
    with django_assert_num_queries(1):
        assert len(bills_of(customer, months=3)) == 2
