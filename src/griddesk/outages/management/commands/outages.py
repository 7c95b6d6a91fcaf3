"""`griddesk outages replay FILE [--json] [--commit]`: the trouble-call analysis over a calls file.
`griddesk outages analyse [--interval S] [--once]`: the live analysis (run by `griddesk serve`)."""

import fcntl
import json
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from griddesk.csvimport import ImportFailed, file_name_of
from griddesk.outages.replay import calls_read, replay, replay_commit


class Command(BaseCommand):
    help = "停电研判：griddesk outages replay FILE [--json] [--commit] | analyse（docs/outages.md）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("replay", help=_("按时间顺序用研判引擎回放来电文件，默认不写入"))
        run.add_argument("file", metavar="FILE", help="call_id,time,account_no,description")
        run.add_argument("--json", action="store_true", help=_("输出 JSON"))
        run.add_argument("--commit", action="store_true", help=_("保存来电与研判出的停电（全部成功或全部不写入）"))
        live = sub.add_parser("analyse", help=_("实时研判新受理的报修（每个安装只运行一个）"))
        live.add_argument("--interval", type=float, default=2.0, help=_("两次研判之间的秒数"))
        live.add_argument("--once", action="store_true", help=_("研判一次后退出"))

    def handle(self, *, action, **options):
        if action == "analyse":
            return self._analyse(options["interval"], options["once"])
        return self._replay(options["file"], options["json"], options["commit"])

    def _analyse(self, interval, once):
        from griddesk.outages.analyzer import Analyzer

        with _only_one():
            # The analysis yields the CPU to order intake when both want it (a storm on a small
            # machine): calls are taken first, grouped a moment later (docs/outages.md, "Live").
            os.nice(settings.GRIDDESK_ANALYSER_NICE)
            analyzer = Analyzer()
            while True:
                done = analyzer.run()
                if done:
                    self.stdout.write(_("已研判 %d 个报修来电。") % done)
                if once:
                    return
                time.sleep(interval)

    def _replay(self, file, as_json, commit):
        try:
            calls, sha256 = calls_read(file)
            result = replay(calls)
            kept = replay_commit(result, sha256=sha256, file_name=file_name_of(file)) if commit else None
        except ImportFailed as failure:
            for line in failure.errors.lines():
                self.stderr.write(line)
            raise CommandError(str(failure)) from None
        if as_json:
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


class _only_one:
    """One live analyser per installation: a lock file beside the database (the engine's state is in
    its memory; two would each dispatch). With PostgreSQL shared by several hosts, also an advisory lock."""

    def __enter__(self):
        from django.conf import settings
        from django.db import connection

        folder = settings.VAR_DIR / "run"
        folder.mkdir(parents=True, exist_ok=True)
        self.handle = open(folder / "analyser.lock", "w")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CommandError(_("已有研判进程在运行（var/run/analyser.lock）。")) from None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ANALYSER_LOCK])
                if not cursor.fetchone()[0]:
                    raise CommandError(_("另一台主机上已有研判进程在运行。"))
        return self

    def __exit__(self, *exc):
        self.handle.close()


ANALYSER_LOCK = 0x6772_6964_616E_6C79  # "gridanly"
