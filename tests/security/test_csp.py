"""Content-Security-Policy (issue 8, item 9): every page says that scripts and styles come from this
site or carry the response's nonce; no template relies on what such a policy blocks."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "griddesk"


def policy(response):
    header = response.headers["Content-Security-Policy"]
    return dict([*part.split(" ", 1), ""][:2] for part in header.split("; "))


def test_every_page_gets_a_policy_without_unsafe_inline(client):
    for url in ["/", "/console/login/", "/admin/login/"]:
        directives = policy(client.get(url))
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        for kind in ("script-src", "style-src"):
            assert directives[kind].startswith("'self'") and "unsafe" not in directives[kind]


def test_inline_scripts_carry_the_nonce_of_their_response(client, province, make_staff):
    client.force_login(make_staff("agent7", province["root"], "agent", agent_no="95598007"))
    response = client.get("/console/caller/")  # the look-up page runs an inline script
    nonce = re.search(r"'nonce-([^']+)'", policy(response)["script-src"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    inline = [tag for tag in scripts if "src=" not in tag and "application/json" not in tag]  # data: not run
    assert inline and all(f'nonce="{nonce}"' in tag for tag in inline)
    assert client.get("/console/caller/").headers["Content-Security-Policy"] != response.headers[
        "Content-Security-Policy"]  # a new nonce for every response


def template_files():
    return sorted(TEMPLATES.glob("**/templates/**/*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_uses_what_the_policy_blocks(path):
    text = path.read_text()
    assert not re.search(r"\sstyle\s*=", text), "inline style= attribute: give it a class in griddesk.css"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline on...= handler: use griddesk.js or a nonce'd script"
    assert not re.search(r"javascript:", text, re.IGNORECASE)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
        assert "src=" in tag or "{% csp_nonce_attr %}" in tag, f"{tag} needs {{% csp_nonce_attr %}}"
