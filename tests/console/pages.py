"""Reading console pages as a user sees them: visible text, links, and the options of each <select>.

Shared by tests/console/test_english.py and tests/console/test_new_user_crawl.py (standard library
html.parser only).
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.db import models

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
MASKED = re.compile(r"[^\s（）()·]*\*+[^\s（）()·]*")
HIDDEN = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Select:
    name: str
    options: list = field(default_factory=list)  # visible labels, in order
    groups: list = field(default_factory=list)  # the <optgroup> label of each option ("" outside one)

    def labels_by_group(self):
        by_group = {}
        for group, label in zip(self.groups, self.options, strict=True):
            by_group.setdefault(group, []).append(label)
        return by_group


@dataclass
class Page:
    texts: list = field(default_factory=list)  # visible text nodes, stripped, non-empty
    links: list = field(default_factory=list)  # href of every <a>
    selects: list = field(default_factory=list)
    placeholders: list = field(default_factory=list)  # placeholder, title, aria-label: read by users too

    @property
    def text(self):
        return "\n".join(self.texts)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.hidden = 0
        self.stack = []
        self.select = None
        self.option = None
        self.group = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN:
            self.hidden += 1
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "a" and attrs.get("href"):
            self.page.links.append(attrs["href"])
        if tag == "select":
            self.select = Select(attrs.get("name") or "")
            self.page.selects.append(self.select)
        if tag == "optgroup":
            self.group = attrs.get("label") or ""
        if tag == "option" and self.select is not None:
            self._close_option()
            self.option = []
        for name in ("placeholder", "title", "aria-label"):
            if attrs.get(name) and not self.hidden:
                self.page.placeholders.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.page.texts.append(attrs["value"].strip())

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if tag == "option":
            self._close_option()
        if tag == "optgroup":
            self.group = ""
        if tag == "select":
            self._close_option()
            self.select = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def _close_option(self):
        if self.option is not None and self.select is not None:
            self.select.options.append(" ".join("".join(self.option).split()))
            self.select.groups.append(self.group)
        self.option = None

    def handle_data(self, data):
        if self.hidden:
            return
        if self.option is not None:
            self.option.append(data)
        text = data.strip()
        if text:
            self.page.texts.append(text)


def read_page(html):
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def cjk_lines(page, known=()):
    """Visible strings of `page` that still contain CJK characters once every `known` value
    (customer data the test created) is removed."""
    known = sorted({k for k in known if k}, key=len, reverse=True)
    left = []
    for text in [*page.texts, *page.placeholders]:
        for value in known:
            text = text.replace(value, "")
        text = MASKED.sub("", text)  # 李*, 临河县城关镇****: customer data, masked (orders.disclosure)
        if CJK.search(text):
            left.append(text)
    return left


WORD = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def choice_values():
    """value -> label (as str, in the active language) of every ASCII-word choice of the project's
    models: the codes that must never reach a page where their label belongs."""
    values = {}
    for model in apps.get_models():
        if not model.__module__.startswith("griddesk."):
            continue
        for f in model._meta.get_fields():
            choices = getattr(f, "flatchoices", None) if isinstance(f, models.Field) else None
            for value, label in choices or ():
                if isinstance(value, str) and WORD.match(value) and str(label) != value:
                    values.setdefault(value, str(label))
    return values
