"""`griddesk backup` / `griddesk restore` (docs/operations.md) on the database the tests run on:
a round trip into a fresh location, with and without the keys, over a changed database, and the
refusals (a database in use, a damaged file, missing PostgreSQL client tools)."""

import json
import os
import sqlite3
import stat
import tarfile

import pytest

from tests.resilience.site import Site, on_postgresql

KEY_FILES = ("audit", "seal", "secret")


@pytest.fixture
def sites(tmp_path):
    made = []

    def make(name):
        site = Site(tmp_path / name, tag="bak")
        made.append(site)
        return site

    yield make
    for site in made:
        site.close()


def _keys(site):
    return {name: (site.home / "var" / "keys" / name).read_bytes() for name in KEY_FILES}


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_a_backup_restores_into_a_fresh_location_with_the_same_rows_keys_and_intact_history(sites, tmp_path):
    source = sites("source")
    source.run("migrate", "--noinput")
    source.run("demo", "--customers", "300", "--orders", "400", "--days", "10")
    rows = source.probe("rows")
    assert rows["orders_workorder"] > 300 and rows["audit_auditevent"] > rows["orders_workorder"]

    archive = tmp_path / "griddesk-backup.tar.gz"
    done = source.run("backup", str(archive))
    assert f"{rows['orders_workorder']:,} orders" in done.stdout and "holds secret keys" in done.stdout
    assert _mode(archive) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
    database = "database.pgdump" if on_postgresql() else "database.sqlite3"
    assert names == ["MANIFEST.json", database, "keys/audit", "keys/seal", "keys/secret"]
    assert manifest["rows"] == rows and manifest["engine"] == ("postgresql" if on_postgresql() else "sqlite")

    # A fresh location: an empty directory, and on PostgreSQL an empty database. No migrate.
    target = sites("target")
    done = target.run("restore", str(archive))
    assert "row counts as in the backup" in done.stdout
    assert target.probe("rows") == rows
    assert _keys(target) == _keys(source)
    assert {_mode(target.home / "var" / "keys" / name) for name in KEY_FILES} == {0o600}
    verify = target.run("audit", "verify", check=False)
    assert verify.returncode == 0, verify.stderr
    assert f"{rows['audit_auditevent']} events in intact chains" in verify.stdout

    # Restoring over a database that changed since: it is the backup's again.
    target.run("api_token", "admin")
    assert target.probe("rows")["api_apitoken"] == rows["api_apitoken"] + 1
    target.run("restore", str(archive))
    assert target.probe("rows") == rows

    # --without-keys: no key in the file, and a restore keeps the keys the location has.
    bare = tmp_path / "without-keys.tar"
    source.run("backup", "--without-keys", str(bare))
    with tarfile.open(bare) as tar:
        assert [name for name in tar.getnames() if name.startswith("keys/")] == []
    other = sites("other")
    done = other.run("restore", str(bare))  # its settings made this location's own keys at start
    assert "row counts as in the backup; keys: none (current key files kept)" in done.stdout
    assert _keys(other) != _keys(source)


def _small_site(sites, name):
    """A site with a database but no schema (restore refusals need no data)."""
    site = sites(name)
    if site.sqlite_file:
        site.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(site.sqlite_file)
        conn.execute("PRAGMA user_version = 7")
        conn.close()
    return site


def test_a_restore_refuses_a_database_in_use_unless_forced(sites, tmp_path):
    site = _small_site(sites, "busy")
    archive = tmp_path / "small.tar"
    site.run("backup", str(archive))
    if on_postgresql():
        import psycopg

        holder = psycopg.connect(site.url)
        pid = holder.info.backend_pid
    else:
        holder = sqlite3.connect(site.sqlite_file)
        holder.execute("SELECT 1").fetchone()
        pid = os.getpid()
    try:
        refused = site.run("restore", str(archive), check=False)
        assert refused.returncode == 1
        assert "in use by 1 other process(es)" in refused.stderr and f"pid {pid} " in refused.stderr
        assert "Stop the server" in refused.stderr
        site.run("restore", "--force", str(archive))
    finally:
        holder.close()
    site.run("restore", str(archive))


def test_a_damaged_backup_is_refused_before_anything_is_touched(sites, tmp_path):
    site = _small_site(sites, "damaged")
    archive = tmp_path / "small.tar"
    site.run("backup", str(archive))
    keys = _keys(site)
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember("database.pgdump" if on_postgresql() else "database.sqlite3")
    data[member.offset_data + member.size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    refused = site.run("restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "does not match its checksum: the backup is damaged" in refused.stderr
    assert _keys(site) == keys
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = site.run("restore", str(not_a_backup), check=False)
    assert refused.returncode == 1 and "is not a GridDesk backup" in refused.stderr


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's client tools")
def test_without_the_postgresql_client_tools_the_message_says_what_to_install(sites, tmp_path):
    site = sites("no-tools")
    done = site.run("backup", str(tmp_path / "b.tar"), check=False, PATH="/nonexistent")
    assert done.returncode == 1
    assert "pg_dump not found: install the PostgreSQL client tools" in done.stderr
    assert not (tmp_path / "b.tar").exists()
