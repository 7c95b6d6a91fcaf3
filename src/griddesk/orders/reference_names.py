"""The names of the categories migration 0003 seeds, marked for translation.

The database keeps each category's Chinese name (it is data an administrator may edit); pages show
it in the user's language through `Category.__str__`, which looks it up in the catalogue.
tests/console/test_english.py checks that every seeded name is listed here.
"""

from django.utils.translation import gettext_noop

SEEDED_CATEGORY_NAMES = [
    gettext_noop("高压故障"),
    gettext_noop("低压故障"),
    gettext_noop("电能质量故障"),
    gettext_noop("客户内部故障"),
    gettext_noop("非电力故障"),
    gettext_noop("计量故障"),
    gettext_noop("服务态度"),
    gettext_noop("供电质量"),
    gettext_noop("安全用电"),
    gettext_noop("业扩报装"),
    gettext_noop("电费电价"),
    gettext_noop("服务"),
    gettext_noop("营业"),
    gettext_noop("停送电"),
    gettext_noop("供电质量"),
    gettext_noop("电网建设"),
    gettext_noop("高压线路故障"),
    gettext_noop("高压开关故障"),
    gettext_noop("配变故障"),
    gettext_noop("低压线路故障"),
    gettext_noop("表箱/计量箱故障"),
    gettext_noop("接户线故障"),
    gettext_noop("电压偏低"),
    gettext_noop("电压偏高"),
    gettext_noop("电压波动/闪变"),
    gettext_noop("客户内部线路故障"),
    gettext_noop("客户开关跳闸"),
    gettext_noop("电能表停走"),
    gettext_noop("电能表走快"),
]
