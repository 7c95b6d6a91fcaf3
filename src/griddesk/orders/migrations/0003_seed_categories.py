"""Category trees: the fault level-1 classes, the complaint classes of rule A-1 and the 2014 classes."""

from django.db import migrations

TREES = {
    "fault": ("repair", "", [
        ("F-HV", "高压故障"), ("F-LV", "低压故障"), ("F-PQ", "电能质量故障"),
        ("F-CI", "客户内部故障"), ("F-NP", "非电力故障"), ("F-MT", "计量故障"),
    ]),
    "complaint": ("complaint,report", "A-1", [
        ("A1-ATT", "服务态度"), ("A1-SQ", "供电质量"), ("A1-SAFE", "安全用电"),
        ("A1-BE", "业扩报装"), ("A1-BILL", "电费电价"),
    ]),
    "complaint_2014": ("complaint,report", "", [
        ("C14-SVC", "服务"), ("C14-BIZ", "营业"), ("C14-OUT", "停送电"),
        ("C14-PQ", "供电质量"), ("C14-GRID", "电网建设"),
    ]),
}

CHILDREN = {
    "F-HV": [("F-HV-LINE", "高压线路故障"), ("F-HV-SW", "高压开关故障"), ("F-HV-TX", "配变故障")],
    "F-LV": [("F-LV-LINE", "低压线路故障"), ("F-LV-BOX", "表箱/计量箱故障"), ("F-LV-DROP", "接户线故障")],
    "F-PQ": [("F-PQ-LOW", "电压偏低"), ("F-PQ-HIGH", "电压偏高"), ("F-PQ-FLK", "电压波动/闪变")],
    "F-CI": [("F-CI-WIRE", "客户内部线路故障"), ("F-CI-BRK", "客户开关跳闸")],
    "F-MT": [("F-MT-STOP", "电能表停走"), ("F-MT-FAST", "电能表走快")],
}


def seed(apps, schema_editor):
    Category = apps.get_model("orders", "Category")
    for scheme, (types, rule, roots) in TREES.items():
        for sort, (code, name) in enumerate(roots):
            root, _ = Category.objects.update_or_create(
                code=code,
                defaults={"scheme": scheme, "name": name, "order_types": types, "rule": rule,
                          "sort": sort, "parent": None},
            )
            for child_sort, (child_code, child_name) in enumerate(CHILDREN.get(code, [])):
                Category.objects.update_or_create(
                    code=child_code,
                    defaults={"scheme": scheme, "name": child_name, "order_types": types,
                              "rule": rule, "sort": child_sort, "parent": root},
                )


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
