"""Abuse resistance of the public forms (portal.limits, portal.uploads): limits per IP address and
per phone number (429 with a clear message), the signed arithmetic challenge (wrong, missing, forged,
replayed), CSRF on every form, and the upload checks (by content, size, number)."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from griddesk.orders.models import Evidence, WorkOrder
from tests.portal.form_helpers import JPEG, PDF, PNG, answer_on_page, solved


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def site(province, people):
    return province


def data(**fields):
    return {"title": "网上反映", "description": "详细情况说明", "name": "赵六", "phone": "13900000009",
            "county": "P0101", **fields}


def test_ip_limit_answers_429_with_a_message(client, site, settings):
    settings.GRIDDESK_PORTAL_IP_LIMIT = 2
    for n in range(2):
        assert client.post("/submit/opinion/", data(phone=f"1390000001{n}", **solved())).status_code == 200
    refused = client.post("/submit/opinion/", data(phone="13900000019", **solved()))
    assert refused.status_code == 429
    assert "同一网络地址每 60 分钟最多提交 2 次" in refused.content.decode()
    assert WorkOrder.objects.count() == 2
    # another address is not held back; the English page says it in English
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/apply/lv-resident/", {}).status_code == 400
    client.cookies["django_language"] = "en"
    english = client.post("/apply/lv-resident/", {})
    assert english.status_code == 429 and "Too many submissions" in english.content.decode()


def test_phone_limit_counts_across_addresses(site, settings):
    settings.GRIDDESK_PORTAL_PHONE_LIMIT = 2
    for n in range(2):
        response = Client(REMOTE_ADDR=f"10.0.1.{n}").post("/submit/suggestion/", data(**solved()))
        assert response.status_code == 200
    refused = Client(REMOTE_ADDR="10.0.1.99").post("/submit/suggestion/", data(**solved()))
    assert refused.status_code == 429 and "同一电话号码" in refused.content.decode()
    assert Client(REMOTE_ADDR="10.0.1.99").post("/submit/suggestion/",
                                                data(phone="13900000077", **solved())).status_code == 200


@pytest.mark.parametrize("challenge, message", [
    ({}, "请回答验证题。"),
    ({"challenge_answer": "3"}, "验证题无效，请重新作答。"),
    ("wrong", "验证题答案不正确。"),
    ("forged", "验证题无效"),
])
def test_challenge_wrong_missing_or_forged_is_refused_at_its_field(client, site, challenge, message):
    if challenge == "wrong":
        challenge = {**solved()}
        challenge["challenge_answer"] = str(int(challenge["challenge_answer"]) + 1)
    elif challenge == "forged":
        token = solved()["challenge_token"]
        challenge = {"challenge_token": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
                     "challenge_answer": "5"}
    response = client.post("/submit/praise/", data(**challenge))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'id="id_challenge_answer-error"' in html
    assert not WorkOrder.objects.exists()
    assert re.search(r"\d+ 加 \d+ 等于几？", html)  # a new question to answer


def test_challenge_replayed_is_refused(client, site):
    answer = solved()
    assert client.post("/submit/praise/", data(**answer)).status_code == 200
    replay = client.post("/submit/praise/", data(phone="13900000055", **answer))
    assert replay.status_code == 400 and "验证题已使用过" in replay.content.decode()
    assert WorkOrder.objects.count() == 1


def test_challenge_expired_is_refused(client, site, monkeypatch):
    from griddesk.abuse import services as abuse

    answer = solved()
    monkeypatch.setattr(abuse, "CHALLENGE_MAX_AGE", -1)
    response = client.post("/submit/praise/", data(**answer))
    assert response.status_code == 400 and "验证题已过期" in response.content.decode()


def test_csrf_is_required_on_every_form(site):
    browser = Client(enforce_csrf_checks=True)
    for url in ("/submit/complaint/", "/submit/repair/", "/apply/lv-resident/"):
        assert browser.post(url, data(**solved())).status_code == 403, url
    page = browser.get("/submit/complaint/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    accepted = browser.post("/submit/complaint/", data(csrfmiddlewaretoken=token, **answer_on_page(page)))
    assert accepted.status_code == 200 and WorkOrder.objects.count() == 1


def _upload(client, files):
    return client.post("/submit/complaint/", data(attachments=files, **solved()))


def test_upload_disguised_by_its_extension_is_refused(client, site):
    fake = SimpleUploadedFile("照片.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    response = _upload(client, [fake])
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_attachments-error"' in html and "不是 JPEG、PNG 图片或 PDF 文件" in html
    exe = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00\x03", "application/pdf")
    assert "不是 JPEG、PNG 图片或 PDF 文件" in _upload(client, [exe]).content.decode()
    assert not WorkOrder.objects.exists() and not Evidence.objects.exists()


def test_upload_too_big_is_refused(client, site, settings):
    settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("大图.png", PNG + b"\x00" * 1024, "image/png")
    response = _upload(client, [big])
    assert response.status_code == 400 and "文件“大图.png”超过 1 KB。" in response.content.decode()
    assert not WorkOrder.objects.exists()


def _files(n):
    return [SimpleUploadedFile(f"{k}.jpg", JPEG, "image/jpeg") for k in range(n - 1)] + [
        SimpleUploadedFile("last.pdf", PDF, "application/pdf")]


def test_upload_too_many_is_refused(client, site):
    response = _upload(client, _files(4))
    assert response.status_code == 400 and "最多上传 3 个文件，您选择了 4 个" in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert _upload(client, _files(3)).status_code == 200
    assert Evidence.objects.count() == 3


def test_a_body_larger_than_any_allowed_upload_is_refused_outright(client, site, settings):
    settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES = 1024
    body = data(attachments=[SimpleUploadedFile("big.png", PNG + b"\x00" * 400 * 1024, "image/png")], **solved())
    response = client.post("/submit/complaint/", body)
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()
    assert not WorkOrder.objects.exists()
