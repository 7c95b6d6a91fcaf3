"""Passwords are hashed with Argon2; PBKDF2 hashes still work and become Argon2 at the next login."""

import pytest
from django.contrib.auth.hashers import make_password

from griddesk import settings as project_settings
from griddesk.orgs.models import Staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # tests/conftest.py forces MD5


def test_new_passwords_are_hashed_with_argon2(real_hashers, province):
    user = Staff.objects.create_user(username="agent9", password="a long pass phrase", org=province["station"])
    assert user.password.startswith("argon2$argon2id$")


def test_a_pbkdf2_hash_still_logs_in_and_is_upgraded_to_argon2(real_hashers, client, province):
    user = Staff.objects.create_user(username="veteran", org=province["station"])
    user.password = make_password("old password 1", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post("/console/login/", {"username": "veteran", "password": "old password 1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password("old password 1")
