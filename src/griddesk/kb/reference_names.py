"""The titles of the canned replies kb migration 0001 seeds, marked for translation.

A phrase's text is what the agent says to the customer, in Chinese whatever the page's language; its
title is how the agent finds it, so an English page shows the seeded titles in English
(`{% translate reply.title %}`). A title edited in the admin shows as entered.
"""

from django.utils.translation import gettext_noop

SEEDED_REPLY_TITLES = [
    gettext_noop("开头问候"),
    gettext_noop("久等致歉（超过4声）"),
    gettext_noop("停电原因说明并致歉"),
    gettext_noop("恶劣天气抢修延迟解释"),
    gettext_noop("暂不能答复、约定回复"),
    gettext_noop("客户内部故障（有偿服务）"),
    gettext_noop("打错电话"),
    gettext_noop("安抚客户情绪"),
    gettext_noop("复述确认"),
    gettext_noop("结束语"),
]
