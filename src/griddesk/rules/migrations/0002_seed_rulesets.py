"""Seed the two rule sets (issue 3): service-code v1 and ten-commitments-2023 v1.

Each version carries its complete list of deadlines, so it is self-contained.
The data lives here, frozen with the migration: later changes are new
versions made in the admin (copy as new version), never edits of these.
See docs/rules.md for the reasons behind C-6/callback, W-4/reply,
C-12/complaint-visit and R-1/restore-remote.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE = "《供电服务规范》"
TEN = "国家电网有限公司供电服务“十项承诺”（2023年修订）"

R2 = (CODE + "第二十条（三）：接到报修电话后，故障抢修人员到达故障现场的时限：城区45分钟、农村90分钟、"
      "边远地区2小时，特殊边远地区根据实际情况合理确定。")
K3 = CODE + "第二十九条：接到客户投诉或举报时……立即转递相关部门或领导处理。投诉在5天内、举报在10天内答复。"
T1 = (CODE + "第十八条（一）：已受理的用电报装，供电方案答复时限：低压电力客户最长不超过10天；"
      "高压单电源客户最长不超过1个月；高压双电源客户最长不超过2个月。若不能如期确定供电方案时，应向客户说明原因。")
T2 = (CODE + "第十八条（二）：对客户送审的受电工程设计文件和有关资料答复时限：高压供电的最长不超过1个月；"
      "低压供电的最长不超过10天。")
T3 = (CODE + "第十八条（三）：受理居民客户申请用电后，5个工作日内送电；其他客户在受电装置验收合格并签订"
      "供用电合同后，5个工作日内送电。")
Q3 = (CODE + "第九条（三）：计划检修需要停电，应提前7天将停电区域、线路、停电时间和恢复供电的时间进行公告，"
      "并通知重要客户；临时检修需要停电的，应提前24小时通知重要客户或进行公告。")
C6 = (CODE + "第十四条（三）：如不能当即答复，应向客户致歉，并留下联系电话，经研究或请示领导后，尽快答复。"
      "（“尽快”未定时限，GridDesk 默认24小时，见 docs/rules.md。）")
W4 = (CODE + "第十五条（四）：网上应设立咨询台、留言簿，管理员应及时对客户意见和建议进行回复。"
      "（“及时”未定时限，GridDesk 默认2个工作日，见 docs/rules.md。）")
C12 = CODE + "第十四条（九）：建立客户回访制度。对客户投诉，应100%跟踪投诉受理全过程，5天内答复。"
H5 = (CODE + "第十一条（三）：实行限时办结制。办理居民客户收费业务的时间一般每件不超过5分钟，"
      "办理客户用电业务的时间一般每件不超过20分钟。")
M1 = CODE + "第二十一条（一）：拆回的电能计量装置应在表库至少存放1个月，以便客户提出异议时进行复核。"

SERVICE_CODE = [
    # key, rule, amount, unit, direction, label, citation
    ("R-2/urban", "R-2", 45, "minutes", "after", "城区45分钟到达现场", R2),
    ("R-2/rural", "R-2", 90, "minutes", "after", "农村90分钟到达现场", R2),
    ("R-2/remote", "R-2", 120, "minutes", "after", "边远地区2小时到达现场", R2),
    ("K-3/complaint", "K-3", 5, "days", "after", "投诉5天内答复", K3),
    ("K-3/report", "K-3", 10, "days", "after", "举报10天内答复", K3),
    ("T-1/lv", "T-1", 10, "days", "after", "低压供电方案10天内答复", T1),
    ("T-1/hv-single", "T-1", 1, "months", "after", "高压单电源供电方案1个月内答复", T1),
    ("T-1/hv-dual", "T-1", 2, "months", "after", "高压双电源供电方案2个月内答复", T1),
    ("T-2/lv", "T-2", 10, "days", "after", "低压设计文件10天内答复", T2),
    ("T-2/hv", "T-2", 1, "months", "after", "高压设计文件1个月内答复", T2),
    ("T-3/resident", "T-3", 5, "working_days", "after", "居民客户受理后5个工作日内送电", T3),
    ("T-3/other", "T-3", 5, "working_days", "after", "其他客户验收合格并签合同后5个工作日内送电", T3),
    ("Q-3/planned", "Q-3", 7, "days", "before", "计划检修停电提前7天公告", Q3),
    ("Q-3/temporary", "Q-3", 24, "hours", "before", "临时检修停电提前24小时通知", Q3),
    ("C-6/callback", "C-6", 24, "hours", "after", "不能当即答复的咨询24小时内回复", C6),
    ("W-4/reply", "W-4", 2, "working_days", "after", "网站留言2个工作日内回复", W4),
    ("C-12/complaint-visit", "C-12", 5, "days", "after", "投诉全程跟踪，5天内答复回访", C12),
    ("H-5/payment", "H-5", 5, "minutes", "after", "居民收费业务每件5分钟", H5),
    ("H-5/business", "H-5", 20, "minutes", "after", "用电业务每件20分钟", H5),
    ("M-1/meter-retention", "M-1", 1, "months", "after", "拆回电能表至少存放1个月", M1),
]

R1 = (TEN + "：到达现场后恢复供电平均时间一般不超过：城区范围3小时，农村地区4小时。"
      "（自抢修人员到达现场起算；特殊边远地区未单列，GridDesk 按农村地区4小时。）")
K3_TEN = TEN + "：受理客户投诉后，24小时内联系客户，5个工作日内答复处理意见。"
T3_TEN = (TEN + "：全过程办电时间：居民客户不超过5个工作日，低压非居民客户不超过6个工作日，"
          "高压单电源客户不超过22个工作日，高压双电源客户不超过32个工作日。")
TEN_CHANGES = {
    "K-3/complaint": ("K-3", 5, "working_days", "after", "投诉5个工作日内答复", K3_TEN),
    "C-12/complaint-visit": ("C-12", 5, "working_days", "after", "投诉全程跟踪，5个工作日内答复回访",
                             C12 + "（与十项承诺的投诉答复时限一致：5个工作日。）"),
    "T-3/resident": ("T-3", 5, "working_days", "after", "居民客户全过程5个工作日", T3_TEN),
}
TEN_ADDED = [
    ("R-1/restore-urban", "R-1", 3, "hours", "after", "城区到达现场后3小时恢复供电", R1),
    ("R-1/restore-rural", "R-1", 4, "hours", "after", "农村到达现场后4小时恢复供电", R1),
    ("R-1/restore-remote", "R-1", 4, "hours", "after", "边远地区到达现场后4小时恢复供电", R1),
    ("K-3/complaint-contact", "K-3", 24, "hours", "after", "投诉受理后24小时内联系客户", K3_TEN),
    ("T-3/lv-nonresident", "T-3", 6, "working_days", "after", "低压非居民客户全过程6个工作日", T3_TEN),
    ("T-3/hv-single", "T-3", 22, "working_days", "after", "高压单电源客户全过程22个工作日", T3_TEN),
    ("T-3/hv-dual", "T-3", 32, "working_days", "after", "高压双电源客户全过程32个工作日", T3_TEN),
]
TEN_COMMITMENTS = [
    (key, *TEN_CHANGES[key]) if key in TEN_CHANGES else (key, *rest)
    for key, *rest in SERVICE_CODE
] + TEN_ADDED

RULESETS = [
    ("service-code", "供电服务规范",
     "种子文件《供电服务规范》规定的全部时限（规则手册 docs/rulebook）。GridDesk 默认规则集。",
     datetime(2000, 1, 1, tzinfo=SHANGHAI),
     "初始版本：规则手册中的全部时限；C-6、W-4 未定时限处取 GridDesk 默认值。",
     SERVICE_CODE),
    ("ten-commitments-2023", "国家电网供电服务“十项承诺”（2023）",
     "在《供电服务规范》基础上，按国家电网2023年供电服务“十项承诺”收紧的时限：故障恢复、投诉联系与答复、"
     "全过程办电时间。其余时限与供电服务规范相同。",
     datetime(2023, 1, 1, tzinfo=SHANGHAI),
     "初始版本。生效时间取2023-01-01，运营方应按正式文件核对。",
     TEN_COMMITMENTS),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("rules", "RuleSet")
    RuleSetVersion = apps.get_model("rules", "RuleSetVersion")
    Deadline = apps.get_model("rules", "Deadline")
    for name, title, description, effective_from, notes, deadlines in RULESETS:
        ruleset, _ = RuleSet.objects.get_or_create(
            name=name, defaults={"title": title, "description": description}
        )
        version, created = RuleSetVersion.objects.get_or_create(
            ruleset=ruleset, version=1, defaults={"effective_from": effective_from, "notes": notes}
        )
        if created:
            Deadline.objects.bulk_create(
                Deadline(version=version, key=key, rule=rule, amount=amount, unit=unit,
                         direction=direction, label=label, citation=citation)
                for key, rule, amount, unit, direction, label, citation in deadlines
            )


def unseed(apps, schema_editor):
    names = [name for name, *_ in RULESETS]
    apps.get_model("rules", "Deadline").objects.filter(version__ruleset__name__in=names).delete()
    apps.get_model("rules", "RuleSetVersion").objects.filter(ruleset__name__in=names).delete()
    apps.get_model("rules", "RuleSet").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
