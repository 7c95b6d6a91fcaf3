"""Appending to and verifying the hash-chained history (rule K-8)."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from griddesk.audit.models import GENESIS_HASH, AuditEvent, AuditHead


def stream_of(obj):
    """The stream name of a model instance: `<app>.<model>:<pk>`."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def _canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(*, prev_hash, stream, seq, action, actor_id, at, payload):
    at_text = at.astimezone(timezone.UTC).isoformat(timespec="microseconds")
    material = "|".join(
        [prev_hash, stream, str(seq), action, str(actor_id or ""), at_text, _canonical(payload)]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


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
        actor_id = actor.pk if actor is not None else None
        digest = event_hash(
            prev_hash=prev, stream=stream, seq=seq, action=action,
            actor_id=actor_id, at=at, payload=payload,
        )
        event = AuditEvent.objects.create(
            stream=stream, seq=seq, action=action, actor_id=actor_id,
            actor_label=str(actor)[:80] if actor is not None else "",
            at=at, payload=payload, prev_hash=prev, hash=digest,
        )
        if head:
            AuditHead.objects.filter(stream=stream).update(seq=seq, hash=digest)
        else:
            AuditHead.objects.create(stream=stream, seq=seq, hash=digest)
    return event


def audit_new_stream_rows(*, stream, events, actor=None, at=None):
    """The unsaved events and head of a new stream, hashes computed: ([AuditEvent], AuditHead).

    For writers that insert many streams' rows in one statement (order intake).
    """
    at = at or timezone.now()
    actor_id = actor.pk if actor is not None else None
    label = str(actor)[:80] if actor is not None else ""
    rows, prev = [], GENESIS_HASH
    for seq, (action, payload) in enumerate(events, start=1):
        payload = _json_safe(payload or {})
        digest = event_hash(prev_hash=prev, stream=stream, seq=seq, action=action,
                            actor_id=actor_id, at=at, payload=payload)
        rows.append(AuditEvent(stream=stream, seq=seq, action=action, actor_id=actor_id, actor_label=label,
                               at=at, payload=payload, prev_hash=prev, hash=digest))
        prev = digest
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


def audit_verify(*, batch_size=5000):
    """Check every chain; return (events checked, list of breaks: the first one of each stream)."""
    heads = dict(AuditHead.objects.values_list("stream", "seq"))
    head_hashes = dict(AuditHead.objects.values_list("stream", "hash"))
    breaks, checked = [], 0
    state = {}  # stream -> (seq, hash) of the last event seen
    broken = set()
    events = AuditEvent.objects.order_by("stream", "seq").values_list(
        "id", "stream", "seq", "action", "actor_id", "at", "payload", "prev_hash", "hash"
    )
    for ev_id, stream, seq, action, actor_id, at, payload, prev_hash, digest in events.iterator(
        chunk_size=batch_size
    ):
        checked += 1
        if stream in broken:
            continue
        last_seq, last_hash = state.get(stream, (0, GENESIS_HASH))
        problem = None
        if seq != last_seq + 1:
            problem = f"sequence gap: expected #{last_seq + 1}, found #{seq} (event deleted)"
        elif prev_hash != last_hash:
            problem = "link to the previous event does not match (previous event edited or deleted)"
        elif digest != event_hash(
            prev_hash=prev_hash, stream=stream, seq=seq, action=action,
            actor_id=actor_id, at=at, payload=payload,
        ):
            problem = "content does not match its hash (event edited)"
        if problem:
            breaks.append(ChainBreak(stream, seq, ev_id, problem))
            broken.add(stream)
            continue
        state[stream] = (seq, digest)
    for stream, head_seq in heads.items():
        if stream in broken:
            continue
        last_seq, last_hash = state.get(stream, (0, None))
        if last_seq != head_seq or last_hash != head_hashes[stream]:
            breaks.append(ChainBreak(
                stream, last_seq + 1, None,
                f"stream head says #{head_seq} but the chain ends at #{last_seq} "
                "(newest events deleted or replaced)",
            ))
    for stream in state.keys() - heads.keys():
        breaks.append(ChainBreak(stream, 1, None, "stream has events but no head (head deleted)"))
    return checked, breaks


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
    with transaction.atomic():
        heads = {h.stream: h for h in AuditHead.objects.select_for_update().filter(stream__in=streams)}
        events, new_heads, moved_heads = [], [], []
        for entry in entries:
            stream, actor = entry["stream"], entry.get("actor")
            payload = _json_safe(entry.get("payload") or {})
            head = heads.get(stream)
            seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
            actor_id = actor.pk if actor is not None else None
            digest = event_hash(prev_hash=prev, stream=stream, seq=seq, action=entry["action"],
                                actor_id=actor_id, at=at, payload=payload)
            events.append(AuditEvent(
                stream=stream, seq=seq, action=entry["action"], actor_id=actor_id,
                actor_label=str(actor)[:80] if actor is not None else "", at=at, payload=payload,
                prev_hash=prev, hash=digest,
            ))
            if head:
                head.seq, head.hash = seq, digest
                moved_heads.append(head)
            else:
                new_heads.append(AuditHead(stream=stream, seq=seq, hash=digest))
        AuditEvent.objects.bulk_create(events)
        AuditHead.objects.bulk_create(new_heads)
        AuditHead.objects.bulk_update(moved_heads, ["seq", "hash"])
    return events
