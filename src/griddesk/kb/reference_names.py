"""The titles of the canned replies kb migration 0001 seeds and of the articles migration 0004 seeds,
marked for translation.

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

# The articles' titles (kb migration 0004): an English page shows them in English
# (`{% translate article.title %}`); the body stays in Chinese, as written; an edited title shows as entered.
SEEDED_ARTICLE_TITLES = [
    gettext_noop("居民新装用电多久能装表接电"),
    gettext_noop("居民新装用电需要准备哪些资料"),
    gettext_noop("高低压客户供电方案答复时限"),
    gettext_noop("客户受电工程设计文件审核时限"),
    gettext_noop("电费有哪些缴纳方式"),
    gettext_noop("抄表日（抄表例日）是哪天，会变动吗"),
    gettext_noop("什么是估抄电费，估抄后如何结算"),
    gettext_noop("居民阶梯电价怎么计算"),
    gettext_noop("峰谷分时电价如何申请"),
    gettext_noop("逾期缴纳电费的违约金如何计算"),
    gettext_noop("欠费停电后如何恢复供电"),
    gettext_noop("如何开具电费发票"),
    gettext_noop("家里停电了怎么办"),
    gettext_noop("故障报修后抢修人员多久到达现场"),
    gettext_noop("计划停电提前几天通知"),
    gettext_noop("如何查询停电信息"),
    gettext_noop("供电企业原因停电造成损失能否获得赔偿"),
    gettext_noop("家用电器因供电故障损坏怎么办"),
    gettext_noop("客户内部线路故障是否收费"),
    gettext_noop("电压低、灯忽明忽暗怎么办"),
    gettext_noop("供电电压允许偏差标准"),
    gettext_noop("供电可靠率标准与计划检修次数"),
    gettext_noop("怀疑电表走得快，如何申请校验"),
    gettext_noop("换表后旧电表和底数如何确认"),
    gettext_noop("投诉举报的渠道有哪些"),
    gettext_noop("投诉举报多久答复"),
    gettext_noop("举报人的身份会被保密吗"),
    gettext_noop("95598服务热线提供哪些服务"),
    gettext_noop("营业厅办理业务要多长时间"),
    gettext_noop("有偿服务的收费标准"),
    gettext_noop("如何办理过户（更名）"),
    gettext_noop("分布式光伏并网如何申请"),
    gettext_noop("家用电动汽车充电桩如何报装"),
    gettext_noop("《供电营业规则》简介"),
    gettext_noop("《电力供应与使用条例》要点"),
    gettext_noop("网站留言多久回复"),
]
