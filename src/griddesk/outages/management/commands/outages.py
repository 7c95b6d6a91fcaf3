"""`griddesk outages replay FILE [--json] [--commit]`: the trouble-call analysis over a calls file."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from griddesk.csvimport import ImportFailed, file_name_of
from griddesk.outages.replay import calls_read, replay, replay_commit


class Command(BaseCommand):
    help = "停电研判：griddesk outages replay FILE [--json] [--commit]（docs/outages.md）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("replay", help=_("按时间顺序用研判引擎回放来电文件，默认不写入"))
        run.add_argument("file", metavar="FILE", help="call_id,time,account_no,description")
        run.add_argument("--json", action="store_true", help=_("输出 JSON"))
        run.add_argument("--commit", action="store_true", help=_("保存来电与研判出的停电（全部成功或全部不写入）"))

    def handle(self, *, action, file, json=False, commit=False, **options):
        try:
            calls, sha256 = calls_read(file)
            result = replay(calls)
            kept = replay_commit(result, sha256=sha256, file_name=file_name_of(file)) if commit else None
        except ImportFailed as failure:
            for line in failure.errors.lines():
                self.stderr.write(line)
            raise CommandError(str(failure)) from None
        if json:
            self.stdout.write(_json_text(result.as_json()))
            return
        self._report(result, kept)

    def _report(self, result, kept):
        data = result.as_json()
        self.stdout.write(_("回放 %(calls)d 个来电，用时 %(seconds).2f 秒：研判停电 %(outages)d 处，挂在已知停电下 "
                            "%(attached)d 个，单户报修 %(singles)d 个，派出班组 %(crews)d 个。")
                          % {"calls": len(result.calls), "seconds": result.seconds,
                             "outages": len(data["predicted_outages"]), "attached": len(data["attached_calls"]),
                             "singles": len(data["single_customer_calls"]), "crews": result.engine.crews})
        for row in data["predicted_outages"]:
            self.stdout.write(f"  {row['device_kind']:11} {row['device_id']:20} {row['calls']:5d} "
                              f"{row['customers_affected']:7d} {row['first_call']}")
        if kept is not None:
            self.stdout.write(_("已保存：来电 %(calls)d 个，研判停电 %(outages)d 处。")
                              % {"calls": kept.created, "outages": kept.extra["predicted"]})


def _json_text(data):
    return json.dumps(data, ensure_ascii=False, indent=1)
