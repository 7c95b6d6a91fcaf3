"""Record, once, the version of every order whose history predates version recording (rule K-8).

`griddesk audit verify` reconciles each work order with its history: the order's version must be
the highest `version` its events recorded. Workflow events record it since issue 8; an order
changed before that has a version its history never wrote down, and would raise a false alarm.
This migration appends one event to such an order's stream, `order.version_baseline`, which
records the version the order had at the upgrade: from then on every change must show up.
(Whatever happened to those orders before cannot be told from their history either way.)

Only intact order streams whose head matches their end get one; the others stay as they are
for verify to report. Events are appended, never changed: the history stays append-only.
"""

import importlib
import json
import sys

from django.db import migrations
from django.utils import timezone

keyed = importlib.import_module("griddesk.audit.migrations.0005_keyed_chain")

PREFIX = "orders.workorder:"
PAST_PREFIX = "orders.workorder;"  # ';' follows ':': every order stream sorts between the two
ACTION = "order.version_baseline"
REASON = "升级前的历史未记录版本号：以升级时工单的版本为基线（审计迁移 0006，规则 K-8）"
EVENT_COLUMNS = "stream, seq, action, actor_id, actor_label, at, payload, prev_hash, key_id, hash"


class _Trail:
    """One order stream as walked: its intact end and the highest version it recorded."""

    __slots__ = ("seq", "hash", "version", "broken")

    def __init__(self):
        self.seq, self.hash, self.version, self.broken = 0, keyed.GENESIS_HASH, 1, False


def _trails(cursor, ring):
    """stream -> _Trail of every order stream, each chain checked as audit verify does."""
    trails = {}
    for page in keyed._pages(cursor, start=PREFIX, below=PAST_PREFIX):
        for row in page:
            trail = trails.setdefault(row.stream, _Trail())
            if trail.broken:
                continue
            key = ring.get(row.key_id)
            if (row.seq != trail.seq + 1 or row.prev_hash != trail.hash or key is None
                    or row.hash != keyed.keyed_hash(row, row.prev_hash, row.key_id, key)):
                trail.broken = True
                continue
            trail.seq, trail.hash = row.seq, row.hash
            version = row.payload.get("version") if isinstance(row.payload, dict) else None
            if isinstance(version, int) and not isinstance(version, bool) and version > trail.version:
                trail.version = version
    return trails


def baseline(connection, *, now=None):
    """Append `order.version_baseline` where an order is ahead of its history; returns how many."""
    ring = keyed._ring()
    key_id, key = next(iter(ring.items()))
    at = now or timezone.now()
    with connection.cursor() as cursor:
        trails = _trails(cursor, ring)
        cursor.execute("SELECT stream, seq, hash FROM audit_audithead WHERE stream >= %s AND stream < %s",
                       [PREFIX, PAST_PREFIX])
        heads = {stream: (seq, digest) for stream, seq, digest in cursor.fetchall()}
        cursor.execute("SELECT id, version FROM orders_workorder")
        events = []
        for pk, version in cursor.fetchall():
            stream = f"{PREFIX}{pk}"
            trail = trails.get(stream)
            if trail is None or trail.broken or heads.get(stream) != (trail.seq, trail.hash):
                continue  # no history, or a broken one: verify names it
            if version > trail.version:
                events.append(_event(trail, stream, version, at, key_id, key))
        _insert(connection, cursor, events)
    if events:
        sys.stdout.write(f"\n  audit: recorded the version of {len(events)} order(s) whose history predates "
                         f"version recording ({ACTION}).\n")
    return len(events)


def _event(trail, stream, version, at, key_id, key):
    row = keyed.Row(id=None, stream=stream, seq=trail.seq + 1, action=ACTION, actor_id=None, actor_label="",
                    at=at, payload={"version": version, "reason": REASON}, prev_hash=trail.hash, key_id=key_id,
                    hash=None)
    return row._replace(hash=keyed.keyed_hash(row, trail.hash, key_id, key))


def _insert(connection, cursor, events):
    """The events first, then their heads: a head only moves onto an event that exists (trigger)."""
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    for first in range(0, len(events), keyed.ROWS_PER_UPDATE):
        batch = events[first:first + keyed.ROWS_PER_UPDATE]
        values = ", ".join([f"(%s, %s, %s, %s, %s, %s, %s{cast}, %s, %s, %s)"] * len(batch))
        cursor.execute(f"INSERT INTO audit_auditevent ({EVENT_COLUMNS}) VALUES {values}", [
            value for e in batch for value in (
                e.stream, e.seq, e.action, e.actor_id, e.actor_label, connection.ops.adapt_datetimefield_value(e.at),
                json.dumps(e.payload, ensure_ascii=False), e.prev_hash, e.key_id, e.hash)
        ])
        values = ", ".join(["(%s, %s, %s)"] * len(batch))
        cursor.execute(
            f"WITH v(stream, seq, hash) AS (VALUES {values}) "
            "UPDATE audit_audithead SET seq = v.seq, hash = v.hash FROM v WHERE audit_audithead.stream = v.stream",
            [value for e in batch for value in (e.stream, e.seq, e.hash)],
        )


def forwards(apps, schema_editor):
    baseline(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_keyed_chain")]
    # Backwards: nothing to undo; the events stay, as every event does (append-only).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
