"""Keys (issue 8, item 9): every installation generates its own under var/keys (or takes them from
the environment); the key that earlier versions shipped is gone; `griddesk keys` rotates them."""

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.keys import keyring, keyring_read
from tests.security.conftest import settings_under

REPOSITORY = Path(__file__).resolve().parents[2]
# Built from its words, so that this file does not hold it either.
OLD_PUBLIC_KEY = "-".join(["griddesk", "insecure", "development", "key", "set", "SECRET_KEY", "in", "production"])
KEY_NAMES = ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "GRIDDESK_SEAL_KEYS", "GRIDDESK_AUDIT_KEYS")


def test_two_installations_generate_different_keys(tmp_path):
    one = settings_under({}, *KEY_NAMES, home=tmp_path / "one")
    two = settings_under({}, *KEY_NAMES, home=tmp_path / "two")
    elsewhere = settings_under({"GRIDDESK_KEYS_DIR": str(tmp_path / "vault")}, *KEY_NAMES, home=tmp_path / "one")
    secrets = {one["SECRET_KEY"], two["SECRET_KEY"], elsewhere["SECRET_KEY"]}
    assert len(secrets) == 3 and OLD_PUBLIC_KEY not in secrets
    assert len({one["GRIDDESK_SEAL_KEYS"][0], two["GRIDDESK_SEAL_KEYS"][0], elsewhere["GRIDDESK_SEAL_KEYS"][0]}) == 3
    assert len({one["GRIDDESK_AUDIT_KEYS"][0], two["GRIDDESK_AUDIT_KEYS"][0]}) == 2
    assert (tmp_path / "vault" / "secret").exists() and (tmp_path / "one" / "var" / "keys" / "secret").exists()


def test_an_installation_keeps_its_keys_across_restarts(tmp_path):
    assert settings_under({}, *KEY_NAMES, home=tmp_path) == settings_under({}, *KEY_NAMES, home=tmp_path)


def test_generated_keys_are_private_and_the_secret_key_passes_the_deploy_check(tmp_path):
    values = settings_under({}, *KEY_NAMES, home=tmp_path)
    assert len(values["SECRET_KEY"]) >= 50 and len(set(values["SECRET_KEY"])) >= 5
    assert values["SECRET_KEY_FALLBACKS"] == []
    assert len(values["GRIDDESK_SEAL_KEYS"][0]) == 43  # 32 bytes
    keys_dir = tmp_path / "var" / "keys"
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    for name in ("secret", "seal", "audit"):
        assert stat.S_IMODE((keys_dir / name).stat().st_mode) == 0o600


def test_keys_from_the_environment_win_over_the_files(tmp_path):
    key = "k" * 30 + "ey-from-the-operators-secret-store"
    values = settings_under({"SECRET_KEY": key, "SECRET_KEY_FALLBACKS": "older-one", "GRIDDESK_SEAL_KEYS": "s2,s1"},
                            *KEY_NAMES, home=tmp_path)
    assert values["SECRET_KEY"] == key and values["SECRET_KEY_FALLBACKS"] == ["older-one"]
    assert values["GRIDDESK_SEAL_KEYS"] == ["s2", "s1"]
    assert not (tmp_path / "var" / "keys" / "secret").exists()


def test_the_old_public_key_appears_nowhere_in_the_repository():
    skip = {".git", ".venv", "var", "node_modules", "__pycache__", "build"}
    holders = []
    for root, dirs, files in os.walk(REPOSITORY):
        dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
        for name in files:
            path = Path(root, name)
            try:
                if OLD_PUBLIC_KEY.encode() in path.read_bytes():
                    holders.append(str(path.relative_to(REPOSITORY)))
            except OSError:
                continue
    assert holders == []


@pytest.fixture
def keys_dir(settings, tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "GRIDDESK_SEAL_KEYS", "GRIDDESK_AUDIT_KEYS"):
        monkeypatch.delenv(name, raising=False)
    settings.KEYS_DIR = tmp_path
    return tmp_path


def test_keys_rotate_secret_puts_a_long_new_key_first_and_keeps_the_old_one(keys_dir):
    old = keyring(path=keys_dir / "secret", nbytes=48)
    out = io.StringIO()
    call_command("keys", "rotate", "secret", stdout=out)
    ring = keyring_read(keys_dir / "secret")
    assert ring[1:] == old and len(ring[0]) >= 50
    assert stat.S_IMODE((keys_dir / "secret").stat().st_mode) == 0o600
    assert "重启" in out.getvalue() and "griddesk keys retire secret" in out.getvalue()
    call_command("keys", "retire", "secret", stdout=io.StringIO())
    assert keyring_read(keys_dir / "secret") == ring[:1]


@pytest.mark.parametrize("ring", ["seal", "audit"])
def test_keys_rotate_seal_and_audit_keep_the_old_keys_to_read_old_records(keys_dir, ring):
    old = keyring(path=keys_dir / ring)
    out = io.StringIO()
    call_command("keys", "rotate", ring, stdout=out)
    new = keyring_read(keys_dir / ring)
    assert new[1:] == old and len(new[0]) == 43 and "不要删除" in out.getvalue()
    with pytest.raises(CommandError, match="不能停用"):  # retire is for the secret key only
        call_command("keys", "retire", ring)


def test_keys_rotate_refuses_a_ring_that_the_environment_holds(keys_dir, monkeypatch):
    monkeypatch.setenv("GRIDDESK_SEAL_KEYS", "from-the-vault")
    with pytest.raises(CommandError, match="环境变量 GRIDDESK_SEAL_KEYS"):
        call_command("keys", "rotate", "seal")


def test_keys_status_names_where_each_ring_comes_from(keys_dir):
    keyring(path=keys_dir / "secret", nbytes=48)
    (keys_dir / "secret").chmod(0o644)
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    text = out.getvalue()
    assert f"secret: {keys_dir / 'secret'}，1 个密钥，权限 0644" in text and "chmod 600" in text
    assert "seal:" in text and "尚未生成" in text


def test_keys_new_prints_a_key_for_the_environment(keys_dir):
    out = io.StringIO()
    call_command("keys", "new", "secret", stdout=out)
    assert len(out.getvalue().strip()) == 64
