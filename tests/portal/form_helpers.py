"""Helpers of the public forms' tests: a solved challenge, small valid files."""

import re

from griddesk.abuse.services import challenge_new

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def solved():
    """Form fields answering a fresh challenge correctly."""
    return {"challenge_token": challenge_new(a=2, b=5).token, "challenge_answer": "7"}


def answer_on_page(html):
    """The token and the right answer of the challenge a page shows (as a person reads it)."""
    token = re.search(r'name="challenge_token" value="([^"]+)"', html).group(1)
    a, b = map(int, re.search(r"(\d+) 加 (\d+) 等于几", html).groups())
    return {"challenge_token": token, "challenge_answer": str(a + b)}
