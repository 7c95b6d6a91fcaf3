"""The optional second factor (issue 8, item 8): an administrator with a confirmed TOTP device
enters /admin/ only with the device's code; one without a device still enters with a password."""

import io
import re
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def code_of(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def admin_login(client, password="pw-root", otp_token=""):
    return client.post(LOGIN, {"username": "root", "password": password, "otp_token": otp_token,
                               "next": "/admin/"})


@pytest.fixture
def device(superuser):
    return TOTPDevice.objects.create(user=superuser, name="root's phone", confirmed=True)


def test_an_administrator_with_a_device_cannot_enter_the_admin_with_a_password_alone(client, device):
    response = admin_login(client)
    assert response.status_code == 200
    assert "该账号已绑定身份验证器，请填写动态验证码" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_an_administrator_with_a_device_enters_the_admin_with_its_code(client, device):
    response = admin_login(client, otp_token=code_of(device))
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, device):
    right = code_of(device)
    wrong = f"{(int(right) + 1) % 10 ** device.digits:06d}"
    response = admin_login(client, otp_token=wrong)
    assert response.status_code == 200 and "动态验证码不正确" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_console_login_does_not_open_the_admin_to_an_administrator_with_a_device(client, device):
    assert client.post("/console/login/", {"username": "root", "password": "pw-root"}).status_code == 302
    assert client.get("/console/").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_an_administrator_without_a_device_enters_with_a_password(client, superuser):
    assert admin_login(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_enrol_prints_the_otpauth_uri_and_confirm_makes_the_code_mandatory(client, superuser):
    out = io.StringIO()
    call_command("otp", "enrol", "root", "--name", "root's phone", stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    uri = re.search(r"otpauth://totp/\S+", printed).group(0)
    assert "issuer=GridDesk" in uri
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    device = TOTPDevice.objects.get(user=superuser)
    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key and secret in printed
    assert "█" in printed or "▀" in printed  # the QR code for the phone's camera

    assert admin_login(client).status_code == 302  # not confirmed yet: the password still suffices
    client.logout()

    call_command("otp", "confirm", "root", code_of(device), stdout=io.StringIO())
    device.refresh_from_db()
    assert device.confirmed
    assert admin_login(client).status_code == 200
    assert "_auth_user_id" not in client.session


def test_confirm_refuses_a_wrong_code(superuser):
    call_command("otp", "enrol", "root", "--no-qr", stdout=io.StringIO(), stderr=io.StringIO())
    device = TOTPDevice.objects.get(user=superuser)
    wrong = f"{(int(code_of(device)) + 1) % 10 ** device.digits:06d}"
    with pytest.raises(CommandError, match="验证码不正确"):
        call_command("otp", "confirm", "root", wrong)
    device.refresh_from_db()
    assert not device.confirmed


def test_otp_list_and_remove(device):
    out = io.StringIO()
    call_command("otp", "list", stdout=out)
    assert "root\troot's phone\t已确认" in out.getvalue()
    call_command("otp", "remove", "root", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()
