"""Seed the payment channels (缴费渠道), rule B-2: at least two ways to pay. Administrators edit them;
their names are in the catalogue (billing.reference_names)."""

from django.db import migrations

PAY_CHANNELS = [
    ("app", "网上国网App", "在手机应用中绑定户号，随时查询和缴纳电费。", 10),
    ("bank", "银行代扣", "与开户银行签订代扣协议，每月自动扣缴。", 20),
    ("hall", "供电营业厅", "携带户号到任一供电营业厅，现金或刷卡缴费。", 30),
    ("wechat", "微信或支付宝", "在生活缴费中选择国家电网，输入户号缴费。", 40),
]


def seed(apps, schema_editor):
    PayChannel = apps.get_model("billing", "PayChannel")
    for code, name, how, sort in PAY_CHANNELS:
        PayChannel.objects.get_or_create(code=code, defaults={"name": name, "how": how, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
