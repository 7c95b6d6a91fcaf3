"""The names of the payment channels migration 0002 seeds, marked for translation (rule B-2).

The database keeps each channel's Chinese name and method (data an administrator may edit); pages show
them in the user's language through `PayChannel.__str__` and `shown_how`, which look them up in the
catalogue. tests/portal/test_bills.py checks that every seeded channel is listed here.
"""

from django.utils.translation import gettext_noop

SEEDED_PAY_CHANNELS = [
    ("app", gettext_noop("网上国网App"), gettext_noop("在手机应用中绑定户号，随时查询和缴纳电费。"), 10),
    ("bank", gettext_noop("银行代扣"), gettext_noop("与开户银行签订代扣协议，每月自动扣缴。"), 20),
    ("hall", gettext_noop("供电营业厅"), gettext_noop("携带户号到任一供电营业厅，现金或刷卡缴费。"), 30),
    ("wechat", gettext_noop("微信或支付宝"), gettext_noop("在生活缴费中选择国家电网，输入户号缴费。"), 40),
]
