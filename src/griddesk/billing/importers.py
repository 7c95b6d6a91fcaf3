"""Bills import (电费账单导入): `griddesk import bills FILE`, rules B-1 and B-2.

Format (docs/formats.md): `account_no,month,kwh,amount,estimated,paid_at,pay_channel`.

- `account_no` (户号) must be a customer already in the database (import customers first).
- `month` is `YYYY-MM`, not after the current month; one bill per account and month: a bill already
  there is updated, and importing the same file again changes nothing (idempotent by account and month).
- `kwh` a whole number of kilowatt-hours (0 or more); `amount` in yuan, at most 2 decimals, not negative.
- `estimated` 0 or 1: 1 when the meter could not be read and the bill uses the previous reading (B-1).
- `paid_at` empty while the bill is owing, else an ISO 8601 time with its offset; `pay_channel` the code
  of a payment channel (B-2, admin: 缴费渠道) when paid, empty when owing.

All-or-nothing (griddesk.csvimport): one transaction rolled back on any error; errors name the line
and the column. Accounts are looked up per batch, rows written with csvimport.BulkWriter.
"""

import re
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append
from griddesk.billing.models import Bill, PayChannel
from griddesk.csvimport import (
    BulkWriter,
    CsvFile,
    ErrorLog,
    ImportResult,
    all_or_nothing,
    aware_moment,
    file_name_of,
)
from griddesk.customers.models import Customer

COLUMNS = ("account_no", "month", "kwh", "amount", "estimated", "paid_at", "pay_channel")
BATCH = 2000
FIELDS = ["customer", "month", "kwh", "amount", "estimated", "paid_at", "pay_channel"]
MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
KWH = re.compile(r"\d{1,9}", re.ASCII)
AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?", re.ASCII)


class _Row(NamedTuple):
    line: int
    account_no: str
    month: date
    kwh: int
    amount: Decimal
    estimated: bool
    paid_at: object
    pay_channel_id: int | None


def bills_import(*, path, dry_run=False, actor=None, batch_size=BATCH):
    """Import a bills CSV, all-or-nothing; returns an ImportResult or raises ImportFailed."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COLUMNS, errors=errors)
    result = ImportResult(kind="bills", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        channels = dict(PayChannel.objects.values_list("code", "pk"))
        today = timezone.localdate()
        latest = date(today.year, today.month, 1)
        writer = None if dry_run else BulkWriter(Bill, insert=FIELDS, update=FIELDS[2:])
        seen, batch = {}, []
        for line, values in source.rows():
            row = _check(errors, line, values, channels, latest)
            if row is None:
                continue
            first = seen.setdefault((row.account_no, row.month), line)
            if first != line:
                errors.add(line, "month", _("户号 %(no)s 的 %(month)s 账单重复（第 %(first)d 行已出现）") % {
                    "no": row.account_no, "month": f"{row.month:%Y-%m}", "first": first})
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _flush(batch, result, errors, writer)
                batch = []
        _flush(batch, result, errors, writer)
        result.rows, result.sha256 = source.data_rows, source.sha256
        if not errors and not dry_run:
            writer.close()
            audit_append(stream="import:bills", action="import.bills", actor=actor, payload=result.audit_payload())
    return result


def _check(errors, line, values, channels, latest):
    account_no, month, kwh, amount, estimated, paid_at, pay_channel = values
    ok = True
    if not account_no:
        errors.add(line, "account_no", _("不能为空"))
        ok = False
    match = MONTH.fullmatch(month)
    billed = None
    if match and 1 <= int(match.group(2)) <= 12:
        billed = date(int(match.group(1)), int(match.group(2)), 1)
        if billed > latest:
            errors.add(line, "month", _("账期 %(month)s 晚于本月") % {"month": month})
            ok = False
    else:
        errors.add(line, "month", _("\"%(value)s\" 无效，应为 YYYY-MM（如 2026-07）") % {"value": month})
        ok = False
    if not KWH.fullmatch(kwh):
        errors.add(line, "kwh", _("\"%(value)s\" 无效，应为不小于 0 的整数") % {"value": kwh})
        ok = False
    if not AMOUNT.fullmatch(amount):
        errors.add(line, "amount", _("\"%(value)s\" 无效，应为不小于 0、最多两位小数的金额（元），如 86.50") % {
            "value": amount})
        ok = False
    if estimated not in ("0", "1"):
        errors.add(line, "estimated", _("\"%(value)s\" 无效，应为 0 或 1") % {"value": estimated})
        ok = False
    paid = None
    if paid_at:
        paid = aware_moment(paid_at)
        if paid is None:
            errors.add(line, "paid_at", _(
                "\"%(value)s\" 无效，应为带时区的 ISO 8601 时间（如 2026-07-20T14:05:00+08:00），未缴费留空"
            ) % {"value": paid_at})
            ok = False
    channel_id = None
    if pay_channel:
        channel_id = channels.get(pay_channel)
        if channel_id is None:
            errors.add(line, "pay_channel", _("未知的缴费渠道 \"%(value)s\"（可选：%(codes)s）") % {
                "value": pay_channel, "codes": "、".join(sorted(channels))})
            ok = False
        elif not paid_at:
            errors.add(line, "pay_channel", _("未缴费（paid_at 为空）的账单不能有缴费渠道"))
            ok = False
    elif paid_at:
        errors.add(line, "pay_channel", _("已缴费的账单须写明缴费渠道（规则 B-2）"))
        ok = False
    if not ok:
        return None
    return _Row(line, account_no, billed, int(kwh), Decimal(amount).quantize(Decimal("0.01")), estimated == "1",
                paid, channel_id)


def _flush(batch, result, errors, writer):
    """Check one batch's accounts and write it (unless a dry run: no `writer`). Two queries a batch."""
    if not batch:
        return
    accounts = dict(Customer.objects.filter(account_no__in={row.account_no for row in batch})
                    .values_list("account_no", "pk"))
    for row in batch:
        if row.account_no not in accounts:
            errors.add(row.line, "account_no", _("户号 \"%(no)s\" 不存在（请先导入客户）") % {"no": row.account_no})
    if errors:
        return  # the import will be rolled back: only keep checking the rest of the file
    stored = {(customer_id, month): rest for customer_id, month, *rest in Bill.objects.filter(
        customer_id__in=set(accounts.values()), month__in={row.month for row in batch}).values_list(
        "customer_id", "month", "pk", "kwh", "amount", "estimated", "paid_at", "pay_channel_id")}
    creates, updates = [], []
    for row in batch:
        customer_id = accounts[row.account_no]
        values = (row.kwh, row.amount, row.estimated, row.paid_at, row.pay_channel_id)
        old = stored.get((customer_id, row.month))
        if old is None:
            creates.append((customer_id, row.month, *values))
        elif tuple(old[1:]) != values:
            updates.append((old[0], *values))
        else:
            result.unchanged += 1
    result.created += len(creates)
    result.updated += len(updates)
    if writer is not None:
        writer.insert(creates)
        writer.update(updates)
