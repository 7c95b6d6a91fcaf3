"""Backup and restore (备份与恢复) of the configured database with its keys (docs/operations.md).

A backup is one tar file, mode 0600 (gzip-compressed, level 1, when its name ends in .gz or .tgz):

    MANIFEST.json        format, engine, time, the row count of every table, SHA-256 of each member
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: `pg_dump -Fc` of the configured database
    keys/secret, keys/seal, keys/audit   the key rings under var/keys/ (not with --without-keys)

The copy is consistent while the server runs and writes: SQLite copies one read snapshot (in WAL
mode the writers go on meanwhile), PostgreSQL dumps the very snapshot in which the rows were
counted (`pg_dump --snapshot`). The archive is written beside FILE under a temporary name and
renamed into place once complete and synced to disk, so a FILE that exists is a whole backup.

A restore checks every member against the manifest before it touches anything, refuses a database
that some other process is using (unless forced), replaces the database in one transaction (SQLite:
the backup API into the target; PostgreSQL: `pg_restore --clean --single-transaction`), then the
key files, and compares every table's row count with the manifest.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = "griddesk-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The key rings kept as files under KEYS_DIR (griddesk/keys.py), and the variable that overrides each.
KEY_RINGS = {"secret": "SECRET_KEY", "seal": "GRIDDESK_SEAL_KEYS", "audit": "GRIDDESK_AUDIT_KEYS"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    engine: str
    bytes: int
    seconds: float
    rows: dict
    keys: list
    warnings: list = field(default_factory=list)


@dataclass
class RestoreResult:
    engine: str
    seconds: float
    rows: dict
    keys: list
    created_at: str
    warnings: list = field(default_factory=list)


def database_engine():
    """'sqlite' or 'postgresql': the two databases GridDesk runs on."""
    vendor = connection.vendor
    if vendor not in MEMBERS:
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {vendor}")
    return vendor


def sqlite_path():
    return Path(settings.DATABASES["default"]["NAME"]).resolve()


# ---------------------------------------------------------------- backup


def backup_write(path, *, with_keys=True):
    """Write a backup of the configured database (and, unless `with_keys` is false, the key files)
    to `path`; returns a BackupResult. Safe while the server runs."""
    started = time.monotonic()
    path = Path(path).absolute()
    if not path.parent.is_dir():
        raise BackupError(f"no such directory: {path.parent}")
    if path.is_dir():
        raise BackupError(f"{path} is a directory: name the backup file to write")
    engine = database_engine()
    work = Path(tempfile.mkdtemp(prefix=".griddesk-backup-", dir=path.parent))
    try:
        database, rows = (_sqlite_copy if engine == "sqlite" else _pg_dump)(work / MEMBERS[engine])
        keys, warnings = _keys_read() if with_keys else ({}, [])
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "engine": engine,
            "created_at": timezone.now().isoformat(), "province": settings.GRIDDESK_PROVINCE_CODE,
            "database": {"name": database.name, "bytes": database.stat().st_size, "sha256": _sha256_file(database)},
            "keys": {name: hashlib.sha256(data).hexdigest() for name, data in keys.items()},
            "rows": rows,
        }
        _archive_write(path, manifest, database, keys)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path=path, engine=engine, bytes=path.stat().st_size, seconds=time.monotonic() - started,
                        rows=rows, keys=sorted(keys), warnings=warnings)


def _sqlite_copy(target):
    """A consistent copy of the SQLite database: the online backup API in one step, i.e. one read
    snapshot (WAL: writers are not blocked), then checked (`quick_check`) and its rows counted."""
    source = sqlite_path()
    if not source.is_file():
        raise BackupError(f"no database at {source}: nothing to back up (run `griddesk migrate` first?)")
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, from one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone: no -wal beside it
        _sqlite_check(dst, target)
        rows = _count_rows(dst.cursor(), _sqlite_tables(dst), lambda name: f'"{name}"')
    finally:
        dst.close()
        src.close()
    return target, rows


def _sqlite_check(conn, path):
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path}: SQLite quick_check failed: {result}")


def _sqlite_tables(conn):
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _pg_dump(target):
    """`pg_dump -Fc` of the snapshot in which every table's rows are counted: the counts in the
    manifest are exactly those of the dump, whatever the server writes meanwhile."""
    pg_dump = _tool("pg_dump")
    connection.close()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        rows = _count_rows(cursor, set(connection.introspection.table_names(cursor)), connection.ops.quote_name)
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], "pg_dump")
    connection.close()
    return target, rows


def _keys_read():
    """The key files under KEYS_DIR, by ring name; a warning for each ring set in the environment,
    which is the operator's to keep (it is not in the backup)."""
    keys_dir = Path(settings.KEYS_DIR)
    keys, warnings = {}, []
    for name, variable in KEY_RINGS.items():
        if os.environ.get(variable, "").strip():
            warnings.append(f"{variable} is set: that key ring comes from the environment and is not in "
                            f"the backup; keep it in your secret store")
        file = keys_dir / name
        if file.is_file():
            keys[name] = file.read_bytes()
    return keys, warnings


def _archive_write(path, manifest, database, keys):
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            # gzip level 1: a third of the time of level 6 for an eighth more bytes (docs/operations.md)
            compress = {"mode": "w:gz", "compresslevel": 1} if path.name.endswith((".gz", ".tgz")) else {"mode": "w"}
            with tarfile.open(fileobj=handle, **compress) as tar:
                _tar_add(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                info = tar.gettarinfo(database, arcname=database.name)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                with database.open("rb") as data:
                    tar.addfile(info, data)
                for name, data in sorted(keys.items()):
                    _tar_add(tar, f"keys/{name}", data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _tar_add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------- restore


def backup_manifest(path):
    """The manifest of the backup at `path` (checked to be a GridDesk backup)."""
    with _open_archive(path) as tar:
        return _manifest(tar, path)


def backup_restore(path, *, with_keys=True, force=False):
    """Replace the configured database (and, unless `with_keys` is false, the key files) with the
    backup at `path`. Refuses a database that another process is using unless `force`."""
    started = time.monotonic()
    path = Path(path)
    engine = database_engine()
    with _open_archive(path) as tar:
        manifest = _manifest(tar, path)
        if manifest["engine"] != engine:
            raise BackupError(f"{path} is a backup of a {manifest['engine']} database; the configured database "
                              f"(DATABASE_URL) is {engine}")
        keys = _keys_extract(tar, manifest, path) if with_keys else {}
        work_dir = sqlite_path().parent if engine == "sqlite" else path.absolute().parent
        work_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".griddesk-restore-", dir=work_dir))
        try:
            database = _database_extract(tar, manifest, work, path)
            warnings = []
            if with_keys and not keys:
                warnings.append("the backup holds no keys: the current key files are kept")
            rows = (_sqlite_restore if engine == "sqlite" else _pg_restore)(database, force=force)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    _keys_write(keys)
    warnings += [f"{KEY_RINGS[name]} is set: it overrides the restored key file {name}"
                 for name in keys if os.environ.get(KEY_RINGS[name], "").strip()]
    if manifest.get("province") != settings.GRIDDESK_PROVINCE_CODE:
        warnings.append(f"the backup is of province {manifest.get('province')}, GRIDDESK_PROVINCE_CODE is "
                        f"{settings.GRIDDESK_PROVINCE_CODE}: set it as it was, or new order numbers will differ")
    expected = manifest["rows"]
    differ = {table: (expected.get(table), rows.get(table)) for table in set(expected) | set(rows)
              if expected.get(table) != rows.get(table)}
    if differ:
        text = ", ".join(f"{table}: backup {a}, restored {b}" for table, (a, b) in sorted(differ.items()))
        raise BackupError(f"restored row counts differ from the backup's: {text}")
    return RestoreResult(engine=engine, seconds=time.monotonic() - started, rows=rows, keys=sorted(keys),
                         created_at=manifest["created_at"], warnings=warnings)


def _open_archive(path):
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    try:
        return tarfile.open(path, "r:*")
    except tarfile.TarError as error:
        raise BackupError(f"{path} is not a GridDesk backup ({error})") from None


def _manifest(tar, path):
    try:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError(f"{path} is not a GridDesk backup (no {MANIFEST})") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')} {manifest.get('format_version')}")
    return manifest


def _member(tar, name, path):
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{path}: {name} is missing") from None
    if not member.isfile():
        raise BackupError(f"{path}: {name} is not a file")
    return tar.extractfile(member)


def _database_extract(tar, manifest, work, path):
    expected = manifest["database"]
    target = work / Path(expected["name"]).name
    digest = hashlib.sha256()
    with _member(tar, expected["name"], path) as data, target.open("wb") as out:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected["sha256"]:
        raise BackupError(f"{path}: {expected['name']} does not match its checksum: the backup is damaged")
    return target


def _keys_extract(tar, manifest, path):
    keys = {}
    for name, sha in manifest["keys"].items():
        if name not in KEY_RINGS:
            raise BackupError(f"{path}: unknown key ring {name}")
        with _member(tar, f"keys/{name}", path) as data:
            keys[name] = data.read()
        if hashlib.sha256(keys[name]).hexdigest() != sha:
            raise BackupError(f"{path}: keys/{name} does not match its checksum: the backup is damaged")
    return keys


def _keys_write(keys):
    """Each restored key file replaces the current one atomically, mode 0600 in a 0700 directory."""
    if not keys:
        return
    keys_dir = Path(settings.KEYS_DIR)
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, data in keys.items():
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", dir=keys_dir)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, keys_dir / name)
    _fsync_dir(keys_dir)


def _sqlite_restore(database, *, force):
    target = sqlite_path()
    connection.close()
    users = sqlite_users(target)
    if users and not force:
        raise BackupError(_in_use(target, users))
    src = sqlite3.connect(database)
    try:
        _sqlite_check(src, database)
        dst = sqlite3.connect(target, timeout=60 if force else 5)
        try:
            # One write transaction on the target: other connections see the old database or the
            # restored one, and a restore killed half-way leaves the old one.
            src.backup(dst)
        except sqlite3.OperationalError as error:
            raise BackupError(f"{target}: {error}; stop the server (griddesk serve) and restore again") from None
        finally:
            dst.close()
    finally:
        src.close()
    check = sqlite3.connect(target)
    try:
        return _count_rows(check.cursor(), _sqlite_tables(check), lambda name: f'"{name}"')
    finally:
        check.close()


def sqlite_users(target):
    """The other processes that have the SQLite database (or its -wal, -shm) open: [(pid, command)].
    Linux only (/proc); elsewhere nothing is found and the operator's procedure is the guard."""
    names = {str(target), f"{target}-wal", f"{target}-shm"}
    users = []
    proc = Path("/proc")
    if not proc.is_dir():
        return users
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            if links & names:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                users.append((int(entry.name), command))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return sorted(users)


def _in_use(target, users):
    listed = "; ".join(f"pid {pid} ({command[:80]})" for pid, command in users[:5])
    return (f"{target} is in use by {len(users)} other process(es): {listed}. Stop the server "
            f"(griddesk serve and its workers) first, then restore; --force restores anyway")


def _pg_restore(database, *, force):
    pg_restore = _tool("pg_restore")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, coalesce(application_name, ''), coalesce(client_addr::text, 'local') FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        others = cursor.fetchall()
    connection.close()
    if others and not force:
        users = [(pid, f"{app or 'client'} from {addr}") for pid, app, addr in others]
        raise BackupError(_in_use(settings.DATABASES["default"]["NAME"], users))
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={settings.DATABASES['default']['NAME']}", str(database)], "pg_restore")
    rows = database_rows()
    connection.close()
    return rows


# ---------------------------------------------------------------- helpers


def _model_tables():
    """The tables of every installed model (many-to-many tables included)."""
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy}


def database_rows():
    """The row count of every model table of the configured database: {table: rows}."""
    with connection.cursor() as cursor:
        return _count_rows(cursor, set(connection.introspection.table_names(cursor)), connection.ops.quote_name)


def _count_rows(cursor, existing, quote):
    """The row count of every model table in `existing` (a DB-API cursor)."""
    counts = {}
    for table in sorted(_model_tables() & existing):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _tool(name):
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools of the server's major version "
                          f"or newer (Debian: apt-get install postgresql-client)")
    return found


def _pg_env():
    """libpq's variables for the configured database (the password never on a command line)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                          ("PGDATABASE", "NAME")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _run(command, label):
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{label} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _sha256_file(path):
    digest = hashlib.sha256()
    with Path(path).open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
