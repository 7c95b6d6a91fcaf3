from django.db import migrations

ROLES = [
    ("agent", "座席", "95598 坐席：来电查询、受理工单、读回确认（C-4、C-5）。", False),
    ("shift_leader", "值长", "接收转接来电和骚扰电话报告（C-10、C-11），监控队列与服务水平。", False),
    ("dispatcher", "调度", "停电研判、派工、宣布恶劣天气模式（R-3）。", False),
    ("repair_crew", "抢修人员", "接单、到达、勘查、修复、送电（R-2）。", False),
    ("back_office", "处理部门", "处理投诉举报（K-3）、业务受理各环节（T-1..T-3）。", False),
    ("return_visit", "回访", "投诉、抢修回访与满意度（C-12）。", False),
    ("supervisor", "督办", "催办、督办（K-6），可按授权查看举报人身份（K-7）。", True),
    ("manager", "管理人员", "服务指标、投诉分析、整改（A-3）、可靠性与电压报告。", False),
    ("auditor", "审计", "查阅并校验防篡改历史（K-8）。", False),
    ("administrator", "系统管理员", "组织、人员、分类、规则配置。", False),
]


def seed(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    for code, name, description, sealed in ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={"name": name, "description": description, "can_open_sealed_identity": sealed},
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
