"""The CSV import framework (CSV 导入): reading, error collection, all-or-nothing.

Every `griddesk import KIND FILE` shares these rules (docs/formats.md):

- The file is UTF-8, optionally with a byte-order mark; anything else (GBK
  exported by Excel, UTF-16) is refused with the line of the first byte that
  is not UTF-8 and a hint how to convert it.
- Line 1 is the header. Columns are matched by name (surrounding spaces and
  letter case are ignored), in any order. A missing required column, a column
  named twice or a column the import does not know is an error: an unknown
  column is refused rather than ignored, because it is usually a misspelt
  required one and silently dropping data would surprise the operator.
- Blank lines are skipped; every value is stripped of surrounding spaces.
- A file without a header, or with a header and no data rows, is refused.
- Errors name the file, the physical line (header = line 1; a quoted value
  spanning lines counts from its first line) and the column, in the form
  `FILE:LINE: 列 COLUMN: message`. Up to `ErrorLog.cap` are listed, then
  how many more there were.
- All-or-nothing: the importer runs inside `all_or_nothing(errors)`, one
  transaction that is rolled back if any error was recorded (or anything
  crashed), so a bad file leaves the database exactly as it was.
"""

import csv
import functools
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

ERROR_CAP = 50
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvError:
    line: int | None
    column: str | None
    message: str

    def format(self, file_name):
        where = file_name if self.line is None else f"{file_name}:{self.line}"
        if self.column:
            return f"{where}: " + _("列 %(column)s: %(message)s") % {
                "column": self.column, "message": self.message,
            }
        return f"{where}: {self.message}"


def file_name_of(path):
    """The name an error message shows for `path`: its last component, as the operator typed it."""
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]


class ErrorLog:
    """Collects the errors of one import; keeps the first `cap` and counts the rest."""

    def __init__(self, file_name, *, cap=ERROR_CAP):
        self.file_name = file_name
        self.cap = cap
        self.errors = []
        self.count = 0

    def add(self, line, column, message):
        self.count += 1
        if len(self.errors) < self.cap:
            self.errors.append(CsvError(line, column, message))

    @property
    def full(self):
        """True once further errors would only be counted (callers may skip costly messages)."""
        return len(self.errors) >= self.cap

    def __bool__(self):
        return self.count > 0

    def __len__(self):
        return self.count

    def lines(self):
        # Listed by line; checks that need the whole file (a cycle, a parent) report after the rows'.
        ordered = sorted(self.errors, key=lambda error: error.line or 0)
        lines = [error.format(self.file_name) for error in ordered]
        if self.count > len(self.errors):
            lines.append(_("……另有 %(n)d 个错误未列出") % {"n": self.count - len(self.errors)})
        return lines


class ImportFailed(Exception):
    """The file had errors; nothing was written. `errors.lines()` are for the operator."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(
            _("%(file)s：%(n)d 个错误，未导入任何数据。") % {"file": errors.file_name, "n": len(errors)}
        )


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do), by row of the file."""

    kind: str
    file_name: str
    sha256: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    extra: dict = field(default_factory=dict)

    def audit_payload(self):
        return {
            "file": self.file_name, "sha256": self.sha256,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
        }

    def summary(self):
        values = {
            "kind": self.kind, "file": self.file_name, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
        }
        text = self._summary_text(values)
        moved = self.extra.get("descendants_moved")
        if moved and self.dry_run:
            text += _("；另有 %(n)d 个未列在文件中的下级设备将随上级移动") % {"n": moved}
        elif moved:
            text += _("；另有 %(n)d 个未列在文件中的下级设备随上级移动，路径已更新") % {"n": moved}
        return text

    def _summary_text(self, values):
        if self.dry_run:
            return _(
                "试导入 %(kind)s %(file)s（未写入）：共 %(rows)d 行，将新增 %(created)d，"
                "将更新 %(updated)d，不变 %(unchanged)d"
            ) % values
        return _(
            "已导入 %(kind)s %(file)s：共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，"
            "不变 %(unchanged)d"
        ) % values


IMPORT_LOCK = 0x6772_6964_6465_736B & 0x7FFF_FFFF_FFFF_FFFF  # "griddesk": PostgreSQL advisory lock key


@contextmanager
def all_or_nothing(errors):
    """One transaction around an import: rolled back, raising ImportFailed, if `errors` is non-empty.

    Imports run one at a time: each reads the state it validates against (the network, the
    transformers) before writing. SQLite's write transactions queue anyway (IMMEDIATE mode);
    on PostgreSQL a transaction-scoped advisory lock makes a second import wait for the first.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        yield
        if errors:
            raise ImportFailed(errors)


class CsvFile:
    """The data rows of a UTF-8 CSV file with a header row, streamed in one pass.

    `rows()` yields `(line, values)` where `values` lists the stripped text of
    the expected columns, in the order of `columns` (whatever the file's order).
    Problems with the file as a whole (cannot open, not UTF-8, empty, bad
    header, wrong number of fields) go to `errors`; after an encoding error
    reading stops, since the rest cannot be trusted either.
    `sha256` is the digest of the whole file once `rows()` is exhausted.
    """

    def __init__(self, path, *, columns, errors):
        self.path = Path(path)
        self.columns = tuple(columns)
        self.errors = errors
        self.data_rows = 0
        self.usable = True
        self._sha = hashlib.sha256()
        self._bad_encoding = None

    @property
    def sha256(self):
        return self._sha.hexdigest()

    def rows(self):
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            self._fail(None, None, _("无法打开文件：%(reason)s") % {"reason": _os_reason(exc)})
            return
        with handle:
            reader = csv.reader(self._decoded_lines(handle))
            yield from self._read(reader)
        if self._bad_encoding is not None:
            self._report_encoding(*self._bad_encoding)

    def _read(self, reader):
        header, index = None, None
        previous_end = 0
        try:
            for record in reader:
                line, previous_end = previous_end + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if header is None:
                    header = record
                    index = self._check_header(header, line)
                    if index is None:
                        return
                    order = [index[column] for column in self.columns]
                    continue
                if len(record) != len(header):
                    self.errors.add(line, None, _("该行有 %(got)d 个字段，表头有 %(want)d 列") % {
                        "got": len(record), "want": len(header),
                    })
                    continue
                self.data_rows += 1
                yield line, [record[i].strip() for i in order]
        except csv.Error as exc:
            self._fail(reader.line_num, None, _("CSV 格式错误：%(reason)s") % {"reason": exc})
            return
        if self._bad_encoding is not None:
            return
        if header is None:
            self._fail(1, None, _("文件为空：缺少表头行（应为 %(columns)s）") % {
                "columns": ",".join(self.columns),
            })
        elif self.data_rows == 0 and not self.errors:
            self._fail(previous_end or 1, None, _("文件只有表头，没有数据行"))

    def _decoded_lines(self, handle):
        # Decoding line by line (UTF-8 never puts a newline byte inside a character)
        # lets an encoding error name its physical line.
        for number, raw in enumerate(handle, start=1):
            self._sha.update(raw)
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM):]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._bad_encoding = (number, raw, exc.start)
                return
            if "\x00" in text:  # valid UTF-8, but no text file has it: UTF-16 without a BOM
                self._bad_encoding = (number, raw, raw.index(b"\x00"))
                return
            yield text

    def _report_encoding(self, number, raw, position):
        guess, source = "", "GBK"
        if b"\x00" in raw:
            guess, source = _("（看起来是 UTF-16 编码）"), "UTF-16"
        else:
            try:
                raw.decode("gb18030")
                guess = _("（看起来是 GBK/GB18030 编码）")
            except UnicodeDecodeError:
                pass
        self._fail(number, None, _(
            "文件不是 UTF-8 编码%(guess)s：本行第 %(pos)d 个字节 0x%(byte)02X 无法按 UTF-8 解码。"
            "请将文件另存为 UTF-8（例如 iconv -f %(source)s -t UTF-8 %(file)s > utf8.csv）后重新导入"
        ) % {"guess": guess, "pos": position + 1, "byte": raw[position], "source": source,
             "file": self.path.name})

    def _check_header(self, header, line):
        wanted = {column.lower(): column for column in self.columns}
        index, seen = {}, set()
        for i, name in enumerate(header):
            key = name.strip().lower()
            if key in seen:
                self.errors.add(line, name.strip(), _("表头中该列出现了两次"))
            elif key not in wanted:
                self.errors.add(line, name.strip(), _("未知的列 \"%(name)s\"（允许的列：%(columns)s）") % {
                    "name": name.strip(), "columns": ",".join(self.columns),
                })
            else:
                index[wanted[key]] = i
            seen.add(key)
        for column in self.columns:
            if column not in index:
                self.errors.add(line, column, _("表头缺少必需的列 \"%(name)s\"") % {"name": column})
        if self.errors:
            self.usable = False
            return None
        return index

    def _fail(self, line, column, message):
        self.usable = False
        self.errors.add(line, column, message)


# --- writing many rows ----------------------------------------------------------------------


class BulkWriter:
    """Inserts and updates many rows of one model, as plain tuples, in the caller's transaction.

    An import writes up to a million rows. Django's bulk_create spends ~100 µs a row in Python
    (a model instance each, SQL compiled per value) and bulk_update builds CASE WHEN expressions
    whose cost grows with rows x batch size (20,000 customer updates: 43 s). Instead:

    - PostgreSQL: inserts are COPY'd into the table (with pks taken from its sequence first
      when the caller needs them); updates are COPY'd into a temporary table and applied by one
      UPDATE ... FROM on `close()`. COPY is ~6x faster than a multi-row INSERT here, whose
      thousands of placeholders psycopg also parses in Python.
    - SQLite (in-process, no round trips): multi-row INSERT ... [RETURNING], and one prepared
      UPDATE run for all rows with executemany.

    Fields not given to an insert get their defaults (auto_now / auto_now_add: now), so a field
    added to the model later with a default keeps this working. Measured in bench/bench_import.py.
    """

    BATCH = 1000  # rows per INSERT statement

    def __init__(self, model, *, insert=(), update=()):
        meta = model._meta
        self.meta = meta
        self.insert_fields = [meta.get_field(name) for name in insert]
        self.update_fields = [meta.get_field(name) for name in update]
        now = timezone.now()
        others = [f for f in meta.concrete_fields if f not in self.insert_fields and not f.primary_key]
        self.default_fields = others
        self.defaults = [
            f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                               else f.get_default(), connection)
            for f in others
        ]
        self.postgres = connection.vendor == "postgresql"
        self.staged = None  # PostgreSQL: the temporary table holding updates until close()
        self.quote = connection.ops.quote_name

    def insert(self, rows, *, pks_by=None):
        """Insert `rows` (values for the `insert` fields, in order).

        With `pks_by`, the name of a unique field among them, returns {its value: new pk}.
        """
        if not rows:
            return {}
        fields = self.insert_fields + self.default_fields
        prepared = [_prepared(self.insert_fields, row) + self.defaults for row in rows]
        table = self.quote(self.meta.db_table)
        if self.postgres:
            if pks_by is None:
                self._copy(self.meta.db_table, fields, prepared)
                return {}
            # New pks taken from the table's sequence, then COPY'd along with the rows.
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [self.meta.db_table, self.meta.pk.column, len(rows)])
                pks = [pk for (pk,) in cursor.fetchall()]
            self._copy(self.meta.db_table, [self.meta.pk, *fields],
                       [[pk, *row] for pk, row in zip(pks, prepared, strict=True)])
            key = self.insert_fields.index(self.meta.get_field(pks_by))
            return {row[key]: pk for pk, row in zip(pks, rows, strict=True)}
        head = "INSERT INTO {} ({}) VALUES ".format(table, ", ".join(self.quote(f.column) for f in fields))
        tail = ""
        if pks_by is not None:
            tail = f" RETURNING {self.quote(self.meta.get_field(pks_by).column)}, {self.quote(self.meta.pk.column)}"
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        returned = {}
        with connection.cursor() as cursor:
            for start in range(0, len(prepared), self.BATCH):
                batch = prepared[start:start + self.BATCH]
                cursor.execute(head + ", ".join([placeholders] * len(batch)) + tail,
                               [value for row in batch for value in row])
                if pks_by is not None:
                    returned.update(cursor.fetchall())
        return returned

    def update(self, rows):
        """Update by pk: each of `rows` is (pk, values for the `update` fields, in order).

        On PostgreSQL the rows change on `close()`; call it before reading them back.
        """
        if not rows:
            return
        fields = [self.meta.pk, *self.update_fields]
        prepared = [_prepared(fields, row) for row in rows]
        if self.postgres:
            if self.staged is None:
                self.staged = f"{self.meta.db_table}_import"
                columns = ", ".join(self.quote(f.column) for f in fields)
                with connection.cursor() as cursor:
                    cursor.execute(f"CREATE TEMPORARY TABLE {self.quote(self.staged)} AS SELECT {columns} "
                                   f"FROM {self.quote(self.meta.db_table)} WITH NO DATA")
            self._copy(self.staged, fields, prepared)
            return
        sets = ", ".join(f"{self.quote(f.column)} = %s" for f in self.update_fields)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self.quote(self.meta.db_table)} SET {sets} WHERE {self.quote(self.meta.pk.column)} = %s",
                [[*row[1:], row[0]] for row in prepared],
            )

    def close(self):
        """Apply the updates staged on PostgreSQL (nothing to do on SQLite)."""
        if self.staged is None:
            return
        table, staged = self.quote(self.meta.db_table), self.quote(self.staged)
        pk = self.quote(self.meta.pk.column)
        sets = ", ".join(f"{self.quote(f.column)} = s.{self.quote(f.column)}" for f in self.update_fields)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {staged}")  # so the join is planned for its real size
            cursor.execute(f"UPDATE {table} SET {sets} FROM {staged} AS s WHERE {table}.{pk} = s.{pk}")
            cursor.execute(f"DROP TABLE {staged}")
        self.staged = None

    def _copy(self, table, fields, rows):
        columns = ", ".join(self.quote(f.column) for f in fields)
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {self.quote(table)} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)


_PLAIN = {str, int, bool, type(None)}


def _prepared(fields, row):
    # Plain strings, ints, bools and None go to the driver as they are; other values (dates)
    # are prepared by their field, as the ORM would.
    if set(map(type, row)) <= _PLAIN:
        return list(row)
    return [
        v if type(v) in _PLAIN else f.get_db_prep_save(v, connection)
        for f, v in zip(fields, row, strict=True)
    ]


def analyze(model):
    """Refresh PostgreSQL's planner statistics of `model`'s table, in the import's transaction.

    Needed after a bulk load (PostgreSQL manual, "Populating a Database": run ANALYZE
    afterwards) and before batched look-ups in a table never analyzed: without statistics
    `account_no IN (2000 values)` is estimated to match the whole table and planned as a
    sequential scan, making a large import quadratic. ANALYZE counts the transaction's own
    uncommitted rows. Never call it on an empty table: the planner then trusts the table to be
    empty and picks plans that crawl once it is not (worse than no statistics at all).
    A no-op on SQLite, whose planner uses the unique index regardless.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def never_analyzed(model):
    """True on PostgreSQL if `model`'s table has no planner statistics yet."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0] < 0


def _os_reason(exc):
    if isinstance(exc, FileNotFoundError):
        return _("文件不存在")
    if isinstance(exc, IsADirectoryError):
        return _("这是一个目录，不是文件")
    if isinstance(exc, PermissionError):
        return _("没有读取权限")
    return exc.strerror or str(exc)


def check_length(errors, line, column, value, max_length, *, required=True):
    """Record an error if `value` is empty (when required) or longer than the database column allows."""
    if required and not value:
        errors.add(line, column, _("不能为空"))
        return False
    if len(value) > max_length:
        errors.add(line, column, _("\"%(value)s\" 太长：%(n)d 个字符，最多 %(max)d 个") % {
            "value": value, "n": len(value), "max": max_length,
        })
        return False
    return True


def check_choice(errors, line, column, value, choices):
    """The canonical choice for `value` (letter case ignored), or None after recording an error.

    `choices` is a Django TextChoices class; the message lists the allowed values.
    """
    canonical = _lowercase_choices(choices).get(value.lower())
    if canonical is None:
        allowed = "、".join(choices.values)
        if value:
            message = _("\"%(value)s\" 无效，应为 %(allowed)s 之一") % {"value": value, "allowed": allowed}
        else:
            message = _("不能为空，应为 %(allowed)s 之一") % {"allowed": allowed}
        errors.add(line, column, message)
    return canonical


@functools.cache
def _lowercase_choices(choices):
    return {choice.lower(): choice for choice in choices.values}


def aware_moment(text):
    """An ISO 8601 time with its offset (2026-07-20T14:05:00+08:00) as a datetime; None when it is
    not one or has no offset (a CSV's times are never guessed into a zone)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
