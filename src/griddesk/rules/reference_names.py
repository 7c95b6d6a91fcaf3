"""The deadline labels the rule sets of migration 0002 seed, marked for translation.

The database keeps each label in Chinese (rule-set versions are data, copied and edited in the
admin); pages show it in the user's language with `{% translate clock.label %}`.
tests/console/test_english.py checks that every seeded label is listed here.
"""

from django.utils.translation import gettext_noop

SEEDED_DEADLINE_LABELS = [
    gettext_noop("城区45分钟到达现场"),
    gettext_noop("农村90分钟到达现场"),
    gettext_noop("边远地区2小时到达现场"),
    gettext_noop("投诉5天内答复"),
    gettext_noop("举报10天内答复"),
    gettext_noop("低压供电方案10天内答复"),
    gettext_noop("高压单电源供电方案1个月内答复"),
    gettext_noop("高压双电源供电方案2个月内答复"),
    gettext_noop("低压设计文件10天内答复"),
    gettext_noop("高压设计文件1个月内答复"),
    gettext_noop("居民客户受理后5个工作日内送电"),
    gettext_noop("其他客户验收合格并签合同后5个工作日内送电"),
    gettext_noop("计划检修停电提前7天公告"),
    gettext_noop("临时检修停电提前24小时通知"),
    gettext_noop("不能当即答复的咨询24小时内回复"),
    gettext_noop("网站留言2个工作日内回复"),
    gettext_noop("投诉全程跟踪，5天内答复回访"),
    gettext_noop("居民收费业务每件5分钟"),
    gettext_noop("用电业务每件20分钟"),
    gettext_noop("拆回电能表至少存放1个月"),
    gettext_noop("城区到达现场后3小时恢复供电"),
    gettext_noop("农村到达现场后4小时恢复供电"),
    gettext_noop("边远地区到达现场后4小时恢复供电"),
    gettext_noop("投诉受理后24小时内联系客户"),
    gettext_noop("低压非居民客户全过程6个工作日"),
    gettext_noop("高压单电源客户全过程22个工作日"),
    gettext_noop("高压双电源客户全过程32个工作日"),
    gettext_noop("投诉5个工作日内答复"),
    gettext_noop("投诉全程跟踪，5个工作日内答复回访"),
    gettext_noop("居民客户全过程5个工作日"),
]
