"""Customer import (客户档案导入): `griddesk import customers FILE`.

Format (docs/formats.md): `account_no,name,phone,address,transformer_id,supply_voltage,zone,important`.

- `account_no` (户号) identifies the customer: a new one is created, a known one
  updated (moving it to another transformer if `transformer_id` changed);
  customers not in the file are left alone. Importing the same file again
  changes nothing.
- `transformer_id` must be a device of kind transformer (台区) already in the
  database (import the topology first).
- `supply_voltage` is 220V, 380V, 10kV, 35kV or 110kV; `zone` urban, rural or
  remote (letter case ignored); `important` is 0 or 1.
- `phone` is a mobile or a landline number, stored normalised (`normalise_phone`).
- `Customer.org` is always its transformer's org, so a moved customer moves
  with it to the transformer's supply unit; `sensitive` and contacts are
  not touched.

Built for a million rows (bench/bench_import.py): one pass over the file,
transformers read into a dict with one query, existing accounts looked up per
batch of `BATCH` rows (no look-ups at all into an empty table) and written
with griddesk.csvimport.BulkWriter (COPY on PostgreSQL), all inside one
transaction that is rolled back if any row was bad. Once an error is found,
writing stops and the rest of the file is only checked, so every error is
still reported.
"""

import re
import unicodedata
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append
from griddesk.csvimport import (
    BulkWriter,
    CsvFile,
    ErrorLog,
    ImportResult,
    all_or_nothing,
    analyze,
    check_choice,
    check_length,
    file_name_of,
    never_analyzed,
)
from griddesk.customers.models import Customer, SupplyVoltage
from griddesk.grid.models import Device, DeviceKind, Zone

COLUMNS = ("account_no", "name", "phone", "address", "transformer_id", "supply_voltage", "zone", "important")
BATCH = 2000
ANALYZE_AFTER = 10_000  # created rows: refresh PostgreSQL's statistics after a bulk load
# The fields of _Row, in order, as written; created_at, updated_at and sensitive get their defaults.
INSERTED_FIELDS = [
    "account_no", "name", "phone", "address", "transformer", "supply_voltage", "zone", "important", "org",
]
UPDATED_FIELDS = [*INSERTED_FIELDS[1:], "updated_at"]
# Read back to tell unchanged rows: account_no, pk, then _Row's fields after account_no, in order.
STORED_FIELDS = (
    "account_no", "pk", "name", "phone", "address", "transformer_id", "supply_voltage", "zone", "important",
    "org_id",
)
ACCOUNT_NO = re.compile(r"[0-9A-Za-z_-]{1,20}")

MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
LANDLINE = re.compile(r"0\d{2,3}[2-9]\d{6,7}", re.ASCII)
EXTENSION = re.compile(r"(?:转|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE | re.ASCII)
COUNTRY_CODE = re.compile(r"^(?:\+86|0086|86)")


def normalise_phone(raw):
    """The stored form of a phone number (电话号码), or None if it is not a valid Chinese number.

    Accepted: a mobile, 11 digits starting 13-19, optionally after +86 / 0086 / 86;
    or a landline, a 3-4 digit area code starting 0 then a 7-8 digit local number
    starting 2-9, optionally followed by an extension of 1-6 digits written
    `-801`, `转801`, `ext801`, `x801` or `#801` (a group of up to 6 digits after
    a complete number is its extension). Full-width characters count as their
    ASCII forms; spaces, brackets and dashes between digit groups are ignored.
    A country code is accepted for mobiles only.

    Stored form: digits only ("13812345678", "053188886666"); an extension
    follows after one dash ("053188886666-801").
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if MOBILE.fullmatch(text):
        return text  # the common case, fast
    extension = None
    found = EXTENSION.search(text)
    if found:
        extension, text = found.group(1), text[: found.start()]
    parts = [p for p in re.split(r"[-\s]+", re.sub(r"[()（）]", " ", text).strip()) if p]
    if not parts or not all(
        p.isascii() and (p.isdigit() or (i == 0 and p.startswith("+"))) for i, p in enumerate(parts)
    ):
        return None
    digits = "".join(parts)
    if extension is None:
        mobile = COUNTRY_CODE.sub("", digits) if len(digits) > 11 else digits
        if MOBILE.fullmatch(mobile):
            return mobile
    if digits.startswith("+"):
        return None
    if extension is None and len(parts) >= 2 and len(parts[-1]) <= 6:
        # "0531-88886666-801", and the stored form "053188886666-801": a short group after a
        # complete number is its extension (so normalising the stored form changes nothing).
        number = "".join(parts[:-1])
        if LANDLINE.fullmatch(number):
            return f"{number}-{parts[-1]}"
    if LANDLINE.fullmatch(digits):
        return digits + (f"-{extension}" if extension else "")
    return None


def phone_variants(normalised):
    """The forms a normalised number may be stored in by hand: itself and area-code-dash landlines."""
    variants = [normalised]
    number, _sep, extension = normalised.partition("-")
    if number.startswith("0"):
        for split in (3, 4):
            area, local = number[:split], number[split:]
            if LANDLINE.fullmatch(number) and local[0] in "23456789" and 7 <= len(local) <= 8:
                variants.append(f"{area}-{local}" + (f"-{extension}" if extension else ""))
    return variants


class _Row(NamedTuple):
    account_no: str
    name: str
    phone: str
    address: str
    transformer_pk: int
    supply_voltage: str
    zone: str
    important: bool
    org_id: int | None


def customers_import(*, path, dry_run=False, actor=None, batch_size=BATCH):
    """Import a customers CSV, all-or-nothing; returns an ImportResult or raises ImportFailed."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COLUMNS, errors=errors)
    result = ImportResult(kind="customers", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        checker = _RowChecker(errors)
        # Into an empty table every row is new: no look-ups (the first load is the big one).
        lookup = Customer.objects.exists()
        if lookup and never_analyzed(Customer):
            analyze(Customer)  # else the batched look-ups are planned as sequential scans
        writer = None if dry_run else BulkWriter(Customer, insert=INSERTED_FIELDS, update=UPDATED_FIELDS)
        seen = {}
        batch = []
        for line, values in source.rows():
            row = checker.check(line, values)
            if row is None:
                continue
            first = seen.setdefault(row.account_no, line)
            if first != line:
                errors.add(line, "account_no", _("户号 \"%(no)s\" 重复（第 %(first)d 行已出现）") % {
                    "no": row.account_no, "first": first,
                })
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _flush(batch, result, errors, writer=writer, lookup=lookup)
                batch = []
        _flush(batch, result, errors, writer=writer, lookup=lookup)
        result.rows, result.sha256 = source.data_rows, source.sha256
        if not errors and not dry_run:
            writer.close()
            if result.created >= ANALYZE_AFTER:
                analyze(Customer)
            audit_append(stream="import:customers", action="import.customers", actor=actor,
                         payload=result.audit_payload())
    return result


class _RowChecker:
    """Checks one row's fields; knows every transformer (one query) for the transformer_id column."""

    def __init__(self, errors):
        self.errors = errors
        query = Device.objects.filter(kind=DeviceKind.TRANSFORMER).values_list("device_id", "pk", "org_id")
        self.transformers = {device_id: (pk, org_id) for device_id, pk, org_id in query.iterator(5000)}
        self.not_transformers = {}

    def check(self, line, values):
        account_no, name, phone, address, transformer_id, supply_voltage, zone, important = values
        errors = self.errors
        ok = ACCOUNT_NO.fullmatch(account_no) is not None
        if not ok and check_length(errors, line, "account_no", account_no, 20):
            errors.add(line, "account_no", _("户号 \"%(no)s\" 只能包含字母、数字、下划线和短横线") % {
                "no": account_no,
            })
        ok &= check_length(errors, line, "name", name, 100)
        ok &= check_length(errors, line, "address", address, 200)
        phone = self._phone(line, phone)
        transformer = self._transformer(line, transformer_id)
        supply_voltage = check_choice(errors, line, "supply_voltage", supply_voltage, SupplyVoltage)
        zone = check_choice(errors, line, "zone", zone, Zone)
        if important not in ("0", "1"):
            errors.add(line, "important", _("\"%(value)s\" 无效，应为 0 或 1") % {"value": important})
            ok = False
        if not ok or None in (phone, transformer, supply_voltage, zone):
            return None
        return _Row(account_no, name, phone, address, transformer[0], supply_voltage, zone, important == "1",
                    transformer[1])

    def _phone(self, line, raw):
        if not raw:
            self.errors.add(line, "phone", _("不能为空"))
            return None
        phone = normalise_phone(raw)
        if phone is None:
            self.errors.add(line, "phone", _(
                "电话 \"%(value)s\" 无效：应为 11 位手机号（如 13812345678）"
                "或带区号的固定电话（如 0531-88886666，可带分机号 -801）"
            ) % {"value": raw})
        return phone

    def _transformer(self, line, device_id):
        transformer = self.transformers.get(device_id)
        if transformer is not None:
            return transformer
        if not device_id:
            self.errors.add(line, "transformer_id", _("不能为空"))
            return None
        if device_id not in self.not_transformers and not self.errors.full:
            # Only to say what the id is instead (a feeder, a typo); the cap bounds these queries.
            self.not_transformers[device_id] = (
                Device.objects.filter(device_id=device_id).values_list("kind", flat=True).first()
            )
        kind = self.not_transformers.get(device_id)
        if kind is None:
            message = _("台区 \"%(id)s\" 不存在（请先导入拓扑）") % {"id": device_id}
        else:
            message = _("设备 \"%(id)s\" 是%(kind)s，不是台区（配变）") % {
                "id": device_id, "kind": DeviceKind(kind).label,
            }
        self.errors.add(line, "transformer_id", message)
        return None


def _flush(batch, result, errors, *, writer, lookup):
    """Count one batch of valid rows and write it (unless a dry run: no `writer`)."""
    if not batch or errors:
        return  # the import will be rolled back: only keep checking the rest of the file
    existing = {}
    if lookup:
        query = Customer.objects.filter(account_no__in=[row.account_no for row in batch])
        existing = {values[0]: values[1:] for values in query.values_list(*STORED_FIELDS)}
    now = timezone.now()
    creates, updates = [], []
    for row in batch:
        stored = existing.get(row.account_no)
        if stored is None:
            creates.append(row)
        elif tuple(stored[1:]) != tuple(row[1:]):
            updates.append((stored[0], *row[1:], now))
    result.created += len(creates)
    result.updated += len(updates)
    result.unchanged += len(batch) - len(creates) - len(updates)
    if writer is not None:
        writer.insert(creates)
        writer.update(updates)
