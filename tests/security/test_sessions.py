"""Sessions on a shared call-centre desk (issue 8, item 8): the cookie goes with the browser, the
session after 30 idle minutes, and in any case one shift (12 hours) after the login."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from griddesk.security.sessions import LOGIN_AT, SEEN_AT
from tests.security.conftest import settings_under

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, province, make_staff):
    make_staff("agent7", province["station"], "agent")
    assert client.post("/console/login/", {"username": "agent7", "password": "pw-agent7"}).status_code == 302
    return client


def clocks_set(client, *, login_ago, seen_ago):
    now = int(time.time())
    session = client.session
    session[LOGIN_AT] = now - login_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def test_the_session_cookie_ends_when_the_browser_closes(agent_client):
    cookie = agent_client.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_the_server_forgets_a_session_thirty_minutes_after_its_last_request(agent_client):
    expires = Session.objects.get().expire_date
    assert abs((expires - timezone.now()).total_seconds() - 30 * 60) < 60


def test_thirty_idle_minutes_end_the_session(agent_client):
    clocks_set(agent_client, login_ago=31 * 60, seen_ago=31 * 60)
    response = agent_client.get("/console/")
    assert response.status_code == 302 and response.url.startswith("/console/login/")
    page = agent_client.get(response.url).content.decode()
    assert "已超过30分钟没有操作" in page


def test_a_request_within_the_idle_time_keeps_the_session(agent_client):
    clocks_set(agent_client, login_ago=5 * 3600, seen_ago=29 * 60)
    assert agent_client.get("/console/").status_code == 200
    assert time.time() - agent_client.session[SEEN_AT] < 5
    expires = Session.objects.get().expire_date
    assert (expires - timezone.now()).total_seconds() > 29 * 60


def test_a_busy_desk_is_logged_out_after_one_shift(agent_client):
    clocks_set(agent_client, login_ago=12 * 3600 + 1, seen_ago=10)
    response = agent_client.get("/console/")
    assert response.status_code == 302 and response.url.startswith("/console/login/")
    assert "已连续登录超过12小时" in agent_client.get(response.url).content.decode()


def test_idle_and_shift_limits_come_from_the_environment(tmp_path):
    names = ("SESSION_COOKIE_AGE", "GRIDDESK_SESSION_MAX_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE")
    assert settings_under({}, *names, home=tmp_path) == {
        "SESSION_COOKIE_AGE": 1800, "GRIDDESK_SESSION_MAX_AGE": 43200, "SESSION_EXPIRE_AT_BROWSER_CLOSE": True}
    tuned = settings_under({"GRIDDESK_SESSION_IDLE_MINUTES": "15", "GRIDDESK_SESSION_MAX_HOURS": "8"},
                           *names, home=tmp_path)
    assert tuned["SESSION_COOKIE_AGE"] == 900 and tuned["GRIDDESK_SESSION_MAX_AGE"] == 28800
