"""Appending to and verifying the keyed hash chains of the history (rule K-8; docs/audit.md)."""

import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from griddesk.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from griddesk.audit.signing import audit_ring, key_for, sign, signing_key

# Named in every hash, so that a chain hashed by another scheme can never pass for this one.
HASH_SCHEME = "griddesk-audit/2"
ORDER_STREAM_PREFIX = "orders.workorder:"  # stream_of(a WorkOrder); the audit app imports no orders model


def stream_of(obj):
    """The stream name of a model instance: `<app>.<model>:<pk>`."""
    return f"{obj._meta.label_lower}:{obj.pk}"


# One encoder, built once: json.dumps with options builds a new one per call (verify calls it per event).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _canonical(value):
    return _CANONICAL.encode(value)


def _utc_text(at):
    return at.astimezone(timezone.UTC).isoformat(timespec="microseconds")


def event_material(*, key_id, prev_hash, stream, seq, action, actor_id, actor_label, at, payload):
    """The text an event's hash covers: every stored field but the hash itself and the row id (K-8).

    A JSON array, so that no field's content can shift into its neighbour's place.
    """
    return _canonical([HASH_SCHEME, key_id, prev_hash, stream, seq, action, actor_id, actor_label,
                       _utc_text(at), payload])


def event_hash(*, key_id, prev_hash, stream, seq, action, actor_id, actor_label, at, payload, key=None):
    """HMAC-SHA256 of the event's material under audit key `key_id` (or `key`, given)."""
    material = event_material(key_id=key_id, prev_hash=prev_hash, stream=stream, seq=seq, action=action,
                              actor_id=actor_id, actor_label=actor_label, at=at, payload=payload)
    return sign(key_for(key_id) if key is None else key, material)


def _label(actor):
    """The actor as the event keeps it: a staff member's `record_label`, whatever the request's language."""
    if actor is None:
        return ""
    return str(getattr(actor, "record_label", None) or actor)[:80]


def _signed_event(*, stream, seq, action, actor, at, payload, prev_hash, signer):
    """An unsaved event, its hash computed with `signer` = (key id, key)."""
    key_id, key = signer
    actor_id = actor.pk if actor is not None else None
    label = _label(actor)
    digest = event_hash(key=key, key_id=key_id, prev_hash=prev_hash, stream=stream, seq=seq, action=action,
                        actor_id=actor_id, actor_label=label, at=at, payload=payload)
    return AuditEvent(stream=stream, seq=seq, action=action, actor_id=actor_id, actor_label=label, at=at,
                      payload=payload, prev_hash=prev_hash, key_id=key_id, hash=digest)


def audit_append(*, stream, action, actor=None, payload=None, at=None, new_stream=False, after=None):
    """Append one event to `stream`; call inside the service's transaction.

    `new_stream=True` (the object was created in this transaction) skips the
    head look-up: one INSERT for the event and one for the head. `after`: the
    stream's newest event, appended earlier in this same transaction (which
    still holds the head's row lock), also skips the look-up.
    """
    payload = _json_safe(payload or {})
    at = at or timezone.now()
    with transaction.atomic(savepoint=False):
        head = None
        if after is not None and after.stream == stream:
            head = AuditHead(stream=stream, seq=after.seq, hash=after.hash)
        elif not new_stream:
            head = AuditHead.objects.select_for_update().filter(stream=stream).first()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
        event = _signed_event(stream=stream, seq=seq, action=action, actor=actor, at=at, payload=payload,
                              prev_hash=prev, signer=signing_key())
        event.save(force_insert=True)
        # The head only moves forward, onto the event just written (database trigger, rule K-8).
        if head:
            AuditHead.objects.filter(stream=stream).update(seq=seq, hash=event.hash)
        else:
            AuditHead.objects.create(stream=stream, seq=seq, hash=event.hash)
    return event


def audit_new_stream_rows(*, stream, events, actor=None, at=None):
    """The unsaved events and head of a new stream, hashes computed: ([AuditEvent], AuditHead).

    For writers that insert many streams' rows in one statement (order intake).
    """
    at = at or timezone.now()
    signer = signing_key()
    rows, prev = [], GENESIS_HASH
    for seq, (action, payload) in enumerate(events, start=1):
        rows.append(_signed_event(stream=stream, seq=seq, action=action, actor=actor, at=at,
                                  payload=_json_safe(payload or {}), prev_hash=prev, signer=signer))
        prev = rows[-1].hash
    return rows, AuditHead(stream=stream, seq=len(rows), hash=prev)


def _json_safe(payload):
    # Round-trip so the hash is computed over exactly what the JSON column stores.
    return json.loads(_canonical(payload))


@dataclass
class ChainBreak:
    stream: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self):
        where = f"event {self.event_id} ({self.stream}#{self.seq})" if self.event_id else (
            f"{self.stream}#{self.seq}"
        )
        return f"{where}: {self.reason}"


@dataclass
class OrderTrail:
    """What an order's stream says about the order: for reconciling orders with their history."""

    first_action: str
    number: str | None  # the number its order.created event recorded
    version: int = 1  # the highest version its events recorded (created: 1)
    seq: int = 1  # its newest intact event


@dataclass
class ChainWalk:
    """The result of walking every chain once (see `chains_walk`)."""

    checked: int = 0
    breaks: list = field(default_factory=list)
    ends: dict = field(default_factory=dict)  # stream -> (seq, hash) of its last intact event
    broken: set = field(default_factory=set)
    orders: dict = field(default_factory=dict)  # order stream -> OrderTrail
    marks: dict = field(default_factory=dict)  # (stream, seq) asked for -> that event's hash


def chains_walk(*, marks=None, batch_size=5000, progress=None):
    """Walk every stream's chain in (stream, seq) order, checking links, keys and hashes (K-8).

    Records the first break of each stream, where each intact chain ends, what order streams
    say about their orders, and (`marks`: stream -> {seq, …}) the hash of those events, which
    checkpoints compare with what they saw. The heads are checked by `audit_verify`. `progress`, if
    given, is called with the number of events checked so far after every batch read.
    """
    walk, ring, marks = ChainWalk(), audit_ring(), marks or {}
    stream_now, last_seq, last_hash, bad, trail = None, 0, GENESIS_HASH, False, None
    for ev_id, stream, seq, action, actor_id, label, at_text, payload, prev_hash, key_id, digest in _event_rows(
        batch_size, progress and (lambda: progress(walk.checked))
    ):
        walk.checked += 1
        if stream != stream_now:
            if stream_now is not None:
                walk.ends[stream_now] = (last_seq, last_hash)
            stream_now, last_seq, last_hash, bad, trail = stream, 0, GENESIS_HASH, False, None
        if bad:
            continue
        problem = _link_problem(seq, prev_hash, last_seq, last_hash)
        if problem is None:
            key = ring.get(key_id)
            if key is None:
                problem = f"signed with audit key {key_id!r}, which is not in the key ring"
            elif digest != sign(key, _canonical([HASH_SCHEME, key_id, prev_hash, stream, seq, action, actor_id,
                                                 label, at_text, payload])):
                problem = "content does not match its hash (event edited, or re-hashed without the audit key)"
        if problem:
            walk.breaks.append(ChainBreak(stream, seq, ev_id, problem))
            walk.broken.add(stream)
            bad = True
            continue
        last_seq, last_hash = seq, digest
        if stream.startswith(ORDER_STREAM_PREFIX):
            trail = _trail_step(walk.orders, trail, stream, seq, action, payload)
        if stream in marks and seq in marks[stream]:
            walk.marks[stream, seq] = digest
    if stream_now is not None:
        walk.ends[stream_now] = (last_seq, last_hash)
    return walk


# The stored time as `_utc_text` renders it, made by the database: cheaper than converting it back.
_AT_TEXT = {
    "postgresql": """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
    "sqlite": "CAST(at AS TEXT)",  # naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"; finished in _sqlite_utc_text
}


def _event_rows(batch_size, between_batches=None):
    """Every event in (stream, seq) order as (id, stream, seq, action, actor_id, actor_label, at text,
    payload, prev_hash, key_id, hash): a raw cursor, which is several times faster than the ORM here."""
    vendor = connection.vendor
    at = _AT_TEXT.get(vendor, "at")
    sql = (f"SELECT id, stream, seq, action, actor_id, actor_label, {at}, payload, prev_hash, key_id, hash "
           "FROM audit_auditevent ORDER BY stream, seq")
    loads = json.loads
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch_size):
            if between_batches is not None:
                between_batches()
            for row in rows:
                at_text, payload = row[6], row[7]
                if vendor == "sqlite":
                    at_text = _sqlite_utc_text(at_text)
                elif vendor != "postgresql":
                    at_text = _utc_text(at_text)
                yield (*row[:6], at_text, loads(payload) if isinstance(payload, str) else payload, *row[8:])


def _sqlite_utc_text(text):
    date, _space, time = text.partition(" ")
    return f"{date}T{time}{'' if '.' in time else '.000000'}+00:00"


def _link_problem(seq, prev_hash, last_seq, last_hash):
    if seq != last_seq + 1:
        return f"sequence gap: expected #{last_seq + 1}, found #{seq} (event deleted)"
    if prev_hash != last_hash:
        return "link to the previous event does not match (previous event edited or deleted)"
    return None


def _trail_step(orders, trail, stream, seq, action, payload):
    payload = payload if isinstance(payload, dict) else {}
    if trail is None:  # the stream's first event
        trail = orders[stream] = OrderTrail(first_action=action, number=payload.get("number"))
    version = payload.get("version")
    if isinstance(version, int) and version > trail.version:
        trail.version = version
    trail.seq = seq
    return trail


def heads_check(walk):
    """Breaks between the heads and the chains: a head ahead of or behind its chain, or missing."""
    breaks = []
    heads = AuditHead.objects.values_list("stream", "seq", "hash")
    headed = set()
    for stream, head_seq, head_hash in heads.iterator(chunk_size=10000):
        headed.add(stream)
        if stream in walk.broken:
            continue
        last_seq, last_hash = walk.ends.get(stream, (0, None))
        if last_seq != head_seq or last_hash != head_hash:
            breaks.append(ChainBreak(
                stream, last_seq + 1, None,
                f"stream head says #{head_seq} but the chain ends at #{last_seq} "
                "(newest events deleted or replaced)",
            ))
    for stream in sorted(walk.ends.keys() - headed):
        breaks.append(ChainBreak(stream, 1, None, "stream has events but no head (head deleted)"))
    return breaks


def audit_verify(*, batch_size=5000):
    """Check every chain and head; return (events checked, list of breaks: the first one of each stream).

    `griddesk audit verify` checks more: orders against their history, order numbers, checkpoints
    (audit.verify.history_verify).
    """
    walk = chains_walk(batch_size=batch_size)
    return walk.checked, walk.breaks + heads_check(walk)


def audit_append_many(entries, *, at=None):
    """Append one event to each of many streams in a constant number of queries.

    `entries`: iterable of dicts with stream, action, actor (optional), payload.
    Each stream may appear once. Used by batch jobs (the SLA sweeper) whose
    query count must not grow with the batch.
    """
    entries = list(entries)
    if not entries:
        return []
    at = at or timezone.now()
    streams = [e["stream"] for e in entries]
    if len(set(streams)) != len(streams):
        raise ValueError("audit_append_many: a stream appears twice")
    signer = signing_key()
    with transaction.atomic():
        heads = {h.stream: h for h in AuditHead.objects.select_for_update().filter(stream__in=streams)}
        events, new_heads, moved_heads = [], [], []
        for entry in entries:
            stream = entry["stream"]
            head = heads.get(stream)
            seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
            event = _signed_event(stream=stream, seq=seq, action=entry["action"], actor=entry.get("actor"),
                                  at=at, payload=_json_safe(entry.get("payload") or {}), prev_hash=prev,
                                  signer=signer)
            events.append(event)
            if head:
                head.seq, head.hash = seq, event.hash
                moved_heads.append(head)
            else:
                new_heads.append(AuditHead(stream=stream, seq=seq, hash=event.hash))
        # Events before heads: a head may only point at an event that exists (trigger, rule K-8).
        AuditEvent.objects.bulk_create(events)
        AuditHead.objects.bulk_create(new_heads)
        AuditHead.objects.bulk_update(moved_heads, ["seq", "hash"])
    return events


@dataclass
class StreamCheck:
    """One stream's chain as `streams_check` found it: intact (`ok`), or the first problem."""

    stream: str
    events: int = 0
    head_seq: int | None = None
    problem: str = ""
    seq: int | None = None  # where the problem is
    kind: str = ""  # gap, link, key, hash, head, headless: which check failed

    @property
    def ok(self):
        return not self.problem


def streams_check(streams):
    """Check a few streams' chains now (the auditor screen, rule K-8): seq 1, 2, 3 … without gaps,
    every link, key and HMAC, and the head on the last event. {stream: StreamCheck}; two queries.

    The same checks as `chains_walk` and `heads_check`, on these streams only; the whole history's
    reconciliations (orders with their history, order numbers, checkpoints) are `audit verify`'s.
    """
    streams = sorted(set(streams))
    checks = {stream: StreamCheck(stream) for stream in streams}
    if not streams:
        return checks
    ring = audit_ring()
    rows = (AuditEvent.objects.filter(stream__in=streams).order_by("stream", "seq")
            .values_list("stream", "seq", "action", "actor_id", "actor_label", "at", "payload", "prev_hash",
                         "key_id", "hash"))
    ends = {}
    for stream, seq, action, actor_id, label, at, payload, prev_hash, key_id, digest in rows:
        check = checks[stream]
        check.events += 1
        if check.problem:
            continue
        last_seq, last_hash = ends.get(stream, (0, GENESIS_HASH))
        problem = _link_problem(seq, prev_hash, last_seq, last_hash)
        kind = ("gap" if seq != last_seq + 1 else "link") if problem else ""
        if problem is None:
            key = ring.get(key_id)
            if key is None:
                problem, kind = f"signed with audit key {key_id!r}, which is not in the key ring", "key"
            elif digest != event_hash(key=key, key_id=key_id, prev_hash=prev_hash, stream=stream, seq=seq,
                                      action=action, actor_id=actor_id, actor_label=label, at=at, payload=payload):
                problem = "content does not match its hash (event edited, or re-hashed without the audit key)"
                kind = "hash"
        if problem:
            check.problem, check.seq, check.kind = problem, seq, kind
            continue
        ends[stream] = (seq, digest)
    heads = dict((s, (q, h)) for s, q, h in AuditHead.objects.filter(stream__in=streams)
                 .values_list("stream", "seq", "hash"))
    for stream, check in checks.items():
        head = heads.get(stream)
        check.head_seq = head[0] if head else None
        if check.problem:
            continue
        end = ends.get(stream)
        if head is None and end is not None:
            check.problem, check.seq, check.kind = "stream has events but no head (head deleted)", 1, "headless"
        elif head is not None and (end is None or end != head):
            check.problem, check.seq, check.kind = (
                f"stream head says #{head[0]} but the chain ends at #{end[0] if end else 0} "
                "(newest events deleted or replaced)"), (end[0] if end else 0) + 1, "head"
    return checks
