"""Signed checkpoints of the history (审计检查点), rule K-8.

A checkpoint is a JSON statement of what the history held at one moment: the time, the number of
events and streams, a digest over every stream's head, each day's order-number high-water mark,
and the length of every stream (compressed, to find again what it saw), signed with the audit key.
An auditor keeps it outside GridDesk; `griddesk audit verify --checkpoint FILE` then checks that
the history only grew since: each stream still holds the very event the checkpoint saw as its
newest, and no day's counter went back. Someone holding the database and the audit key can
rewrite a chain so that its own hashes verify, but not so that it matches a checkpoint taken
before (docs/audit.md).
"""

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from griddesk.audit.services import _canonical, chains_walk, heads_check
from griddesk.audit.signing import UnknownKey, key_for, sign, signing_key
from griddesk.audit.verify import (
    Problem,
    history_snapshot,
    order_counters,
    order_number_gaps,
    order_numbers,
    orders_reconcile,
)

FORMAT = "griddesk.audit.checkpoint/1"
SHORT_HASH = 8  # hex digits of each head's hash kept in the file: enough to name a changed stream
FIELDS = ("format", "province", "at", "events", "streams", "heads_digest", "order_numbers", "heads", "key_id",
          "signature")


class CheckpointRefused(Exception):
    """The history is broken now: a checkpoint would vouch for it. `breaks` lists why."""

    def __init__(self, breaks):
        super().__init__(f"{len(breaks)} break(s); first: {breaks[0]}")
        self.breaks = breaks


class CheckpointInvalid(ValueError):
    """The file is not a checkpoint this version can read."""


@dataclass
class Checkpoint:
    statement: dict  # as signed
    name: str  # where it was read from, to name it in reports
    heads: dict  # stream -> (seq, short hash)


def checkpoint_make(*, now=None, batch_size=5000):
    """The signed statement (a dict) of the history as it is now; CheckpointRefused if it is broken.

    The history is verified first, in the same snapshot: a checkpoint vouches for what it saw.
    """
    with history_snapshot():
        walk = chains_walk(batch_size=batch_size)
        counters, (taken, odd_numbers) = order_counters(), order_numbers()
        breaks = walk.breaks + heads_check(walk) + orders_reconcile(walk) + odd_numbers
        breaks += order_number_gaps(counters, taken)
    if breaks:
        raise CheckpointRefused(breaks)
    ends = sorted(walk.ends.items())
    statement = {
        "format": FORMAT,
        "province": settings.GRIDDESK_PROVINCE_CODE,
        "at": (now or timezone.now()).astimezone(timezone.UTC).isoformat(timespec="seconds"),
        "events": walk.checked,
        "streams": len(ends),
        "heads_digest": heads_digest((stream, seq, digest) for stream, (seq, digest) in ends),
        "order_numbers": dict(sorted(counters.items())),
        "heads": _pack([stream, seq, digest[:SHORT_HASH]] for stream, (seq, digest) in ends),
    }
    statement["key_id"], key = signing_key()
    statement["signature"] = sign(key, _signed_text(statement))
    return statement


def heads_digest(heads):
    """SHA-256 over every (stream, seq, hash) head, sorted by stream: one JSON line each."""
    digest = hashlib.sha256()
    for stream, seq, head_hash in heads:
        digest.update((_canonical([stream, seq, head_hash]) + "\n").encode())
    return digest.hexdigest()


def _signed_text(statement):
    return _canonical({name: value for name, value in statement.items() if name != "signature"})


def _pack(heads):
    """[[stream, seq, short hash], …] as compact JSON, zlib, base64: a few bytes a stream."""
    return base64.b64encode(zlib.compress(_canonical(list(heads)).encode(), 9)).decode("ascii")


def _unpack(text):
    """stream -> (seq, short hash), from `_pack`'s text."""
    rows = json.loads(zlib.decompress(base64.b64decode(text, validate=True)))
    return {stream: (int(seq), str(short)) for stream, seq, short in rows}


def checkpoint_dumps(statement):
    return json.dumps(statement, ensure_ascii=False, indent=1) + "\n"


def checkpoint_load(text, *, name="checkpoint"):
    """Read a checkpoint file's text; CheckpointInvalid if it is not one."""
    try:
        statement = json.loads(text)
        if not isinstance(statement, dict) or statement.get("format") != FORMAT:
            raise CheckpointInvalid(f"{name}: not a GridDesk audit checkpoint ({FORMAT})")
        missing = [f for f in FIELDS if f not in statement]
        if missing:
            raise CheckpointInvalid(f"{name}: missing {', '.join(missing)}")
        heads = _unpack(statement["heads"])
    except (ValueError, TypeError, zlib.error) as error:
        if isinstance(error, CheckpointInvalid):
            raise
        raise CheckpointInvalid(f"{name}: unreadable ({error})") from None
    return Checkpoint(statement=statement, name=name, heads=heads)


def checkpoints_marks(checkpoints):
    """stream -> {seq, …}: the events whose hashes the walk must note for `checkpoints`."""
    marks = {}
    for checkpoint in checkpoints:
        for stream, (seq, _short) in checkpoint.heads.items():
            marks.setdefault(stream, set()).add(seq)
    return marks


def checkpoint_breaks(checkpoint, walk, counters, taken):
    """What changed, against the history only growing, since `checkpoint` (rule K-8)."""
    problems = _signature_problems(checkpoint)
    problems += _stream_problems(checkpoint, walk)
    problems += _number_problems(checkpoint, counters, taken)
    return problems


def _signature_problems(checkpoint):
    statement, subject = checkpoint.statement, f"checkpoint {checkpoint.name}"
    try:
        key = key_for(statement["key_id"])
    except UnknownKey:
        return [Problem(subject, f"signed with audit key {statement['key_id']!r}, which is not in the key ring: "
                                 "it cannot be vouched for")]
    problems = []
    if sign(key, _signed_text(statement)) != statement["signature"]:
        problems.append(Problem(subject, "signature does not match: the file was changed, or not signed with "
                                         "this installation's audit key"))
    heads = checkpoint.heads
    if len(heads) != statement["streams"] or sum(seq for seq, _short in heads.values()) != statement["events"]:
        problems.append(Problem(subject, "its stream list does not add up to its counts (file changed)"))
    return problems


def _stream_problems(checkpoint, walk):
    """Each stream it saw still reaches the event it saw as newest, and that event is unchanged."""
    problems, current, skipped = [], [], False
    for stream, (seq, short) in sorted(checkpoint.heads.items()):
        if stream in walk.broken:
            skipped = True  # its chain break is reported already
            continue
        end_seq = walk.ends.get(stream, (0, None))[0]
        digest = walk.marks.get((stream, seq))
        if end_seq == 0:
            problems.append(Problem(stream, f"the checkpoint saw #{seq}; the stream is gone (events and head "
                                            "deleted)"))
        elif end_seq < seq:
            problems.append(Problem(f"{stream}#{end_seq}", f"the checkpoint saw the stream up to #{seq}; it now "
                                                           f"ends at #{end_seq} (newest events deleted)"))
        elif digest is None or not digest.startswith(short):
            problems.append(Problem(f"{stream}#{seq}", "differs from the event the checkpoint saw (the chain was "
                                                       "rewritten since, with the audit key)"))
        else:
            current.append((stream, seq, digest))
    if not (problems or skipped) and heads_digest(current) != checkpoint.statement["heads_digest"]:
        problems.append(Problem(f"checkpoint {checkpoint.name}", "the heads it saw do not match its digest now "
                                                                 "(events it saw were replaced)"))
    return problems


def _number_problems(checkpoint, counters, taken):
    """No day's counter went back, and every number the checkpoint saw taken still exists."""
    problems = []
    for day, last in sorted(checkpoint.statement["order_numbers"].items()):
        now = counters.get(day)
        subject = f"order numbers of {day}"
        if now is None:
            problems.append(Problem(subject, f"the checkpoint saw {last} taken; the day's counter is gone"))
        elif now < last:
            problems.append(Problem(subject, f"the checkpoint saw {last} taken; the counter now says {now} "
                                             "(counter rewound)"))
        serials = taken.get(day, set())
        missing = next((n for n in range(1, last + 1) if n not in serials), None)
        if missing is not None and (now is None or missing > now):  # below the counter: order_number_gaps
            problems.append(Problem(subject, f"number {checkpoint.statement['province']}{day.replace('-', '')}"
                                             f"{missing:06d}, which the checkpoint saw, is missing (order "
                                             "deleted)"))
    return problems
