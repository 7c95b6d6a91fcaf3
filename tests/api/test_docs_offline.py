"""Issue 9, item 9: the API docs page works without internet (Swagger UI from the installed package)."""

import re

from django.test import Client


def test_api_docs_load_nothing_from_outside(db):
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"(src|href)=\"https?://", html)  # no CDN
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    policy = page["Content-Security-Policy"]  # Swagger UI's style attributes, nothing else relaxed
    assert "style-src-attr 'unsafe-inline'" in policy and "script-src 'self'" in policy
