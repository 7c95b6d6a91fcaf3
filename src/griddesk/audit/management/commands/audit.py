"""`griddesk audit verify|checkpoint|rotate-key`: the tamper evidence of the history (rule K-8).

- `verify [--checkpoint FILE]…`: every chain, head, order and order number, and optionally that
  the history only grew since each checkpoint; names the first broken event of each problem and
  exits 1 on any.
- `checkpoint [--out FILE]`: a signed statement of the history now, for an auditor to keep elsewhere.
- `rotate-key`: a new audit key in front of the ring file; older keys keep verifying.
docs/audit.md explains each.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from griddesk.audit.checkpoints import (
    CheckpointInvalid,
    CheckpointRefused,
    checkpoint_dumps,
    checkpoint_load,
    checkpoint_make,
)
from griddesk.audit.signing import key_id_of
from griddesk.audit.verify import history_verify
from griddesk.keys import keyring_rotate

KEYS_ENV = "GRIDDESK_AUDIT_KEYS"  # settings.py reads the ring from here when it is set


class Command(BaseCommand):
    help = "Audit history tools (rule K-8): verify, checkpoint, rotate-key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check the whole history; exit 1 naming the first broken event")
        verify.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                            help="also check that everything this checkpoint saw is unchanged (repeatable)")
        checkpoint = sub.add_parser("checkpoint", help="print (or write) a signed statement of the history now")
        checkpoint.add_argument("--out", metavar="FILE", help="write it to FILE instead of standard output")
        sub.add_parser("rotate-key", help="put a new audit key in front of the key ring file")

    def handle(self, *, action, **options):
        if action == "verify":
            self.verify(options["checkpoint"])
        elif action == "checkpoint":
            self.checkpoint(options["out"])
        else:
            self.rotate_key()

    def verify(self, files):
        checkpoints = [self._load(name) for name in files]
        started = time.perf_counter()
        report = history_verify(checkpoints=checkpoints)
        seconds = time.perf_counter() - started
        if report.breaks:
            for item in report.breaks:
                self.stderr.write(f"BROKEN {item}")
            raise CommandError(f"audit verify: {len(report.breaks)} problem(s) in {report.events} events; "
                               f"first: {report.breaks[0]}")
        against = f", unchanged since {len(checkpoints)} checkpoint(s)" if checkpoints else ""
        self.stdout.write(f"audit verify: OK, {report.events} events in intact chains, {report.streams} streams"
                          f"{against} ({seconds:.1f} s, {report.events / max(seconds, 1e-6):,.0f} events/s)")

    def _load(self, name):
        try:
            return checkpoint_load(Path(name).read_text(encoding="utf-8"), name=name)
        except OSError as error:
            raise CommandError(f"audit verify: cannot read checkpoint {name}: {error.strerror}") from None
        except CheckpointInvalid as error:
            raise CommandError(f"audit verify: {error}") from None

    def checkpoint(self, out):
        try:
            statement = checkpoint_make()
        except CheckpointRefused as refused:
            for item in refused.breaks:
                self.stderr.write(f"BROKEN {item}")
            raise CommandError(f"audit checkpoint: refused, the history is broken ({refused}); "
                               "a checkpoint would vouch for it") from None
        text = checkpoint_dumps(statement)
        if not out:
            self.stdout.write(text, ending="")
            return
        Path(out).write_text(text, encoding="utf-8")
        self.stdout.write(f"audit checkpoint: {statement['events']} events, {statement['streams']} streams at "
                          f"{statement['at']}, signed with key {statement['key_id']}, written to {out}. "
                          "Keep a copy outside this system (docs/audit.md).")

    def rotate_key(self):
        if os.environ.get(KEYS_ENV, "").strip():
            raise CommandError(
                f"audit rotate-key: the audit key ring comes from the environment variable {KEYS_ENV}, "
                "so it is yours to change: generate a key (python -c \"import secrets; "
                "print(secrets.token_urlsafe(32))\"), put it first and keep the old ones after it "
                f"({KEYS_ENV}=NEW,OLD,…), restart the server and workers, then take a checkpoint.")
        path = Path(settings.KEYS_DIR) / "audit"
        if not path.exists():
            raise CommandError(f"audit rotate-key: no key ring file at {path}; GridDesk writes one on first start")
        ring = keyring_rotate(path)
        self.stdout.write(
            f"audit rotate-key: new key {key_id_of(ring[0])} put in front of {path} ({len(ring)} keys; the older "
            "ones still verify what they signed). Restart the server and workers so that they sign with it, "
            "then take a checkpoint. Back the file up: a key lost from it leaves its events unverifiable.")
