"""The pages a new operator sees first: public home, staff login, console, admin."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_rule_W1_C2_public_home_says_power_supply_customer_service(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "供电客户服务" in body
    for section in ("停电信息", "用电查询", "业务进度", "政策法规", "投诉举报"):  # rule C-2
        assert section in body


def test_console_requires_login(client, db):
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert reverse("console:login") in response["Location"]


def test_staff_login_reaches_console(client, province, make_staff):
    make_staff("agent7", province["station"], "agent", agent_no="A7")
    credentials = {"username": "agent7", "password": "pw-agent7"}
    response = client.post(reverse("console:login"), credentials)
    assert response.status_code == 302
    page = client.get(reverse("console:home"))
    assert page.status_code == 200
    assert "工作台" in page.content.decode()


def test_english_is_available(client, db):
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert "Power Supply Customer Service" in response.content.decode()


def test_chinese_is_the_default(client, db):
    response = client.get("/", headers={"accept-language": "fr"})
    assert response.headers["Content-Language"] == "zh-hans"


def test_admin_login_page(client, db):
    assert client.get("/admin/login/").status_code == 200
