"""SQLite durability setting (docs/operations.md, "Durability"): GRIDDESK_SQLITE_SYNCHRONOUS reaches
every connection. NORMAL (the default) survives a crash of GridDesk; FULL also the machine's crash or a
power loss. Each case is a fresh process, as settings are read once."""

import os
import subprocess
import sys

import pytest

PRAGMAS = ("from django.db import connection\n"
           "with connection.cursor() as c:\n"
           "    print(*(c.execute(f'PRAGMA {p}').fetchone()[0] for p in ('synchronous', 'journal_mode')))")


def _shell(tmp_path, value):
    env = dict(os.environ, GRIDDESK_HOME=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("GRIDDESK_SQLITE_SYNCHRONOUS", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if value is not None:
        env["GRIDDESK_SQLITE_SYNCHRONOUS"] = value
    return subprocess.run([sys.executable, "-m", "griddesk", "shell", "--no-imports", "-c", PRAGMAS], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("value", "synchronous"), [(None, "1"), ("NORMAL", "1"), ("full", "2"), (" FULL ", "2")])
def test_the_synchronous_setting_reaches_the_connection(tmp_path, value, synchronous):
    done = _shell(tmp_path, value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == [synchronous, "wal"]  # 1 = NORMAL, 2 = FULL; WAL either way


def test_any_other_value_is_refused_at_start(tmp_path):
    done = _shell(tmp_path, "OFF")
    assert done.returncode != 0
    assert "GRIDDESK_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not 'OFF'" in done.stderr
