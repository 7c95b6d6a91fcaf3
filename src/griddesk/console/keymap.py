"""The console's one keyboard map (快捷键): every shortcut of every console page, defined here only.

`console/_keymap.html` renders it twice: as the help overlay opened with "?", and as JSON that
griddesk.js binds (no page keeps a list of its own, no `accesskey` attribute anywhere). A
combination is unique across the whole map, global and page shortcuts alike, so a page's key
never shadows a global one (tests/console/test_desk.py).

Each entry: combination ("alt+f", "/", "?", "1"), what it does ("go": open a URL; "focus": focus
the element `target`; "help": the overlay; "hotkey": click the page's `[data-hotkey=KEY]` link),
where it works ("" everywhere, else the name of the page), and its label.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from griddesk.console.forms import HOTKEYS
from griddesk.orders.models import OrderType

GLOBAL = ""
PAGE_LABELS = {GLOBAL: _("所有页面"), "caller": _("来电客户页面"), "search": _("搜索框内"),
               "reply": _("工单处理的文本框内")}


def _entries():
    labels = dict(OrderType.choices)
    entries = [
        ("/", "focus", "#global-q", GLOBAL, _("全局搜索：工单号（整号或尾号）、客户姓名、电话、地址")),
        ("alt+f", "go", "console:caller_search", GLOBAL, _("来电查询")),
        ("alt+h", "go", "console:home", GLOBAL, _("首页（工作台）")),
        ("alt+q", "go", "console:queues:queue", GLOBAL, _("工单队列")),
        ("alt+m", "go", "console:inbox:page", GLOBAL, _("消息与待办")),
        ("alt+n", "go", "console:order_new", GLOBAL, _("受理新工单（无客户档案）")),
        ("?", "help", "", GLOBAL, _("显示本快捷键列表")),
        ("escape", "close", "", GLOBAL, _("关闭帮助或搜索结果")),
        ("arrowdown", "", "", "search", _("下一条结果")),
        ("arrowup", "", "", "search", _("上一条结果")),
        ("enter", "", "", "search", _("打开选中的工单（未选中时打开结果页）")),
        # bound by griddesk.js's canned-reply picker (kb): listed here so the map stays whole
        ("alt+r", "", "", "reply", _("标准话术：移到话术选择框，↑/↓ 选择，Enter 插入")),
    ]
    # Rule C-1: every order type in a keystroke on the caller page.
    entries += [(key, "hotkey", key, "caller", _("新建工单：%s") % labels[value]) for key, value in HOTKEYS]
    return entries


def combo_text(combo):
    """"alt+f" -> "Alt+F", "arrowdown" -> "↓": how the overlay spells a combination."""
    names = {"escape": "Esc", "arrowdown": "↓", "arrowup": "↑", "enter": "Enter"}
    parts = combo.split("+") if len(combo) > 1 else [combo]
    return "+".join(names.get(p, p.capitalize() if len(p) > 1 else p.upper()) for p in parts)


def keymap():
    """[{combo, text, action, target, page, page_label, label}] in display order."""
    rows = []
    for combo, action, target, page, label in _entries():
        if action == "go":
            target = reverse(target)
        rows.append({"combo": combo, "text": combo_text(combo), "action": action, "target": target,
                     "page": page, "page_label": str(PAGE_LABELS[page]), "label": str(label)})
    return rows


def bindings():
    """What griddesk.js binds: the combinations that do something, with their action and target."""
    return [{"combo": r["combo"], "action": r["action"], "target": r["target"], "page": r["page"]}
            for r in keymap() if r["action"]]
