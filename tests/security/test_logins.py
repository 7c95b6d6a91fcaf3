"""Login throttling (issue 8, item 8): wrong passwords lock a username out from one address, on the
console's login and the admin's, for a cool-off; an administrator can unlock it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from tests.security.conftest import settings_under

pytestmark = pytest.mark.django_db

CONSOLE = "/console/login/"
ADMIN = "/admin/login/?next=/admin/"


def attempt(client, url, username, password, address="127.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def agent(province, make_staff):
    return make_staff("agent7", province["station"], "agent")


def test_five_wrong_passwords_lock_the_console_login_even_for_the_right_password(client, agent):
    for _ in range(4):
        response = attempt(client, CONSOLE, "agent7", "wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = attempt(client, CONSOLE, "agent7", "wrong")
    assert response.status_code == 429
    response = attempt(client, CONSOLE, "agent7", "pw-agent7")
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "登录已暂时锁定" in page
    assert "连续 5 次密码错误" in page and "请 15 分钟后再试" in page


def test_forty_wrong_passwords_never_let_the_right_one_in(client, agent):
    for _ in range(40):
        attempt(client, CONSOLE, "agent7", "guess")
    assert attempt(client, CONSOLE, "agent7", "pw-agent7").status_code == 429
    assert not logged_in(client)


def test_twenty_wrong_admin_logins_lock_the_admin_out(client, superuser):
    for _ in range(20):
        attempt(client, ADMIN, "root", "guess")
    response = attempt(client, ADMIN, "root", "pw-root")
    assert response.status_code == 429 and "登录已暂时锁定" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_lock_out_is_per_username_and_address(client, agent, make_staff, province):
    make_staff("agent8", province["station"], "agent")
    for _ in range(5):
        attempt(client, CONSOLE, "agent7", "wrong", address="10.1.1.1")
    # another agent at the same desk, and the same agent at another desk, still log in
    assert attempt(client, CONSOLE, "agent8", "pw-agent8", address="10.1.1.1").status_code == 302
    client.logout()
    assert attempt(client, CONSOLE, "agent7", "pw-agent7", address="10.1.1.2").status_code == 302


def test_a_right_password_before_the_limit_starts_the_count_afresh(client, agent):
    for _ in range(4):
        attempt(client, CONSOLE, "agent7", "wrong")
    assert attempt(client, CONSOLE, "agent7", "pw-agent7").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, CONSOLE, "agent7", "wrong")
    assert attempt(client, CONSOLE, "agent7", "pw-agent7").status_code == 302


def test_the_lock_out_lifts_after_the_cool_off(client, agent):
    for _ in range(5):
        attempt(client, CONSOLE, "agent7", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, CONSOLE, "agent7", "pw-agent7").status_code == 302


@pytest.mark.parametrize("command", [["axes_reset"], ["axes_reset_username", "agent7"]])
def test_an_administrator_unlocks_with_axes_reset(client, agent, command):
    for _ in range(5):
        attempt(client, CONSOLE, "agent7", "wrong")
    call_command(*command, verbosity=0)
    assert attempt(client, CONSOLE, "agent7", "pw-agent7").status_code == 302


def test_failure_limit_and_cool_off_come_from_the_environment(tmp_path):
    defaults = settings_under({}, "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", home=tmp_path)
    assert defaults == {"AXES_FAILURE_LIMIT": 5, "AXES_COOLOFF_TIME": "0:15:00"}
    tuned = settings_under({"GRIDDESK_LOGIN_FAILURE_LIMIT": "3", "GRIDDESK_LOGIN_COOLOFF_MINUTES": "60"},
                           "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", home=tmp_path)
    assert tuned == {"AXES_FAILURE_LIMIT": 3, "AXES_COOLOFF_TIME": "1:00:00"}
    forever = settings_under({"GRIDDESK_LOGIN_COOLOFF_MINUTES": "0"}, "AXES_COOLOFF_TIME", home=tmp_path)
    assert forever == {"AXES_COOLOFF_TIME": None}


def test_the_lock_out_page_speaks_english_to_an_english_desk(client, agent):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = attempt(client, CONSOLE, "agent7", "wrong")
    page = response.content.decode()
    assert "Login temporarily locked" in page and "Try again in 15 minutes" in page
