"""`griddesk check --deploy` (issue 8, item 9): a public, short or repetitive SECRET_KEY and a key file
that others can read are errors; a fresh install behind TLS passes the whole deploy check."""

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from griddesk.keys import keyring
from griddesk.security.checks import key_files_check, secret_key_check
from tests.security.conftest import installation_env
from tests.security.test_keys import OLD_PUBLIC_KEY

GOOD_KEY = "Zq3" + "x7Lp9-Rt2Vb8Nw4Kc6Hy1Jd5Mf0Gs_Ea" * 2


def ids(messages):
    return [message.id for message in messages]


@pytest.mark.django_db
def test_the_old_public_key_is_an_error(settings):
    settings.SECRET_KEY = OLD_PUBLIC_KEY
    assert ids(secret_key_check()) == ["griddesk.E001"]
    with pytest.raises(SystemCheckError, match=r"griddesk\.E001"):
        call_command("check", deploy=True)


@pytest.mark.parametrize("key", ["short-but-random-9fK2", "a" * 64, "abab" * 20])
def test_a_short_or_repetitive_key_is_an_error(settings, key):
    settings.SECRET_KEY = key
    assert ids(secret_key_check()) == ["griddesk.E002"]


def test_a_long_random_key_passes(settings):
    settings.SECRET_KEY = GOOD_KEY
    assert secret_key_check() == []


def test_a_key_file_that_others_can_read_is_an_error(settings, tmp_path):
    settings.KEYS_DIR = tmp_path
    keyring(path=tmp_path / "secret", nbytes=48)
    keyring(path=tmp_path / "audit")
    assert key_files_check() == []
    (tmp_path / "audit").chmod(0o644)
    errors = key_files_check()
    assert ids(errors) == ["griddesk.E003"] and str(tmp_path / "audit") in errors[0].msg


def check_deploy(home, **env):
    return subprocess.run([sys.executable, "-m", "griddesk", "check", "--deploy", "--fail-level", "WARNING"],
                          env=installation_env(home, env), capture_output=True, text=True)


def test_a_fresh_install_has_no_key_warnings_in_its_deploy_check(tmp_path):
    result = check_deploy(tmp_path)
    assert "security.W009" not in result.stderr and "griddesk.E" not in result.stderr


def test_a_fresh_install_behind_tls_passes_the_deploy_check(tmp_path):
    result = check_deploy(tmp_path, GRIDDESK_TLS="1", ALLOWED_HOSTS="95598.example.cn")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_on_a_readable_key_file(tmp_path):
    check_deploy(tmp_path, GRIDDESK_TLS="1", ALLOWED_HOSTS="95598.example.cn")
    (tmp_path / "var" / "keys" / "secret").chmod(0o640)
    result = check_deploy(tmp_path, GRIDDESK_TLS="1", ALLOWED_HOSTS="95598.example.cn")
    assert result.returncode != 0 and "griddesk.E003" in result.stderr
