"""Personal data out of a text shown publicly (rule W-4, and K-7's spirit): phone numbers, ID card
numbers, account numbers and other long numbers, and names. Applied to a message and its reply
before the public sees them; the stored texts stay as written (staff need them)."""

import re

from griddesk.orders.disclosure import mask_name, mask_phone

# Order matters: ID numbers (18 or 15 digits) before phones, phones before other digit runs.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")
LONG_NUMBER = re.compile(r"(?<!\d)\d{6,}(?!\d)")  # account numbers (户号), bank cards, meter numbers
NAMED = re.compile(r"(我叫|我是|本人)([\u4e00-\u9fa5]{2,3})|((?:姓名|联系人|户名)[:：]?\s*)([\u4e00-\u9fa5]{2,4})")
NOT_NAMES = ("业主", "居民", "用户", "客户", "租户", "房东", "本人", "一名", "一个", "这里")


def mask_id_number(value):
    """3****************X: an ID card number's first and last character only."""
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_long_number(value):
    """********01: an account, card or meter number's last two digits only."""
    return "*" * (len(value) - 2) + value[-2:]


def mask_personal(text, names=()):
    """`text` with phone numbers (138****0001), ID card numbers, account and other numbers of six digits
    or more, the given `names` and names introduced as such (我叫…, 姓名：…) masked (张*, 欧*锋)."""
    text = text or ""
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)
    text = MOBILE.sub(lambda m: mask_phone(re.sub(r"^\+?86[ -]?", "", m.group(0))), text)
    text = LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
    text = LONG_NUMBER.sub(lambda m: mask_long_number(m.group(0)), text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return NAMED.sub(_named, text)


def _named(match):
    lead, name = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return lead + (name if name in NOT_NAMES else mask_name(name))


def public_name(name):
    """How a poster is shown: their name masked, or "" (the page says 网友) when they gave none."""
    return mask_name(name) if name and name.strip() else ""
