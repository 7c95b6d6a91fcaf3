"""`griddesk demo [--customers N] [--seed S] [--if-empty]`: builds the demo province (演示省)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from griddesk.demo.services import DemoRefused, blockers_text, build_demo_province, demo_blockers
from griddesk.demo.sizes import HISTORY_DAYS


class Command(BaseCommand):
    help = ("生成演示省：单位、人员、班组、电网、客户和近几个月的工单历史（同一种子结果相同）。")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=20000, help=_("客户数（默认 20000）"))
        parser.add_argument("--seed", type=int, default=1,
                            help=_("随机种子：同一种子生成完全相同的数据（默认 1）"))
        parser.add_argument("--orders", type=int, default=None,
                            help=_("历史工单数（默认每 50 户 1 张）"))
        parser.add_argument("--days", type=int, default=HISTORY_DAYS,
                            help=_("历史天数，截至今天（默认 %d）") % HISTORY_DAYS)
        parser.add_argument("--if-empty", action="store_true",
                            help=_("库中已有数据时什么也不做（make run 用）"))

    def handle(self, *, customers, seed, orders, days, if_empty, **options):
        if if_empty:
            blockers = demo_blockers()
            if blockers:
                self.stdout.write(_("演示省：库中已有数据（%s），跳过。") % blockers_text(blockers))
                return
        self.stdout.write(_("演示省：%(customers)s 户，种子 %(seed)s，生成中…")
                          % {"customers": f"{customers:,}", "seed": seed})
        try:
            summary = build_demo_province(customers=customers, seed=seed, orders=orders, days=days,
                                          stdout=self.stdout)
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from None
        self._print_summary(summary)

    def _print_summary(self, summary):
        out = self.stdout.write
        counts = summary["counts"]
        out(_("完成，用时 %(seconds).1f 秒，内存峰值 %(rss).0f MiB，数据库 %(size)s。") % {
            "seconds": summary["seconds"], "rss": summary["peak_rss_mib"], "size": _size(summary["db_bytes"]),
        })
        labels = [
            ("orgs", _("单位")), ("staff", _("人员")), ("crews", _("抢修班组")), ("devices", _("设备")),
            ("transformers", _("其中台区")), ("customers", _("客户")), ("contacts", _("联系人")),
            ("orders", _("工单")), ("open_orders", _("其中未归档")), ("audit_events", _("审计事件")),
            ("clocks", _("服务时限")), ("clocks_running", _("其中计时中")),
            ("order_counters", _("工单编号计数器")),
            ("outages", _("停电事件")), ("outages_open", _("其中研判中或停电中")), ("trouble_calls", _("故障来电")),
            ("orders_on_outages", _("其中关联停电的工单")), ("messages", _("恢复供电短信")),
        ]
        for key, label in labels:
            out(f"  {label:<10} {counts[key]:>10,}")
        out(_("演示账号（密码均为 %s，仅供演示）：") % summary["password"])
        for login in summary["logins"]:
            users = login["first"] if login["count"] == 1 else f"{login['first']} … {login['last']}"
            out(f"  {login['label']:<8} {users}  ({login['count']})")


def _size(n):
    if n is None:
        return "?"
    return f"{n / 1024 / 1024:,.1f} MiB"
