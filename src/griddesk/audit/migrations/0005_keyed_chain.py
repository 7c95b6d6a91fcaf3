"""Keyed chains, and triggers on the stream heads and the work orders (rule K-8, docs/audit.md).

Chains written before this migration were hashed with plain SHA-256 over fewer fields (anyone
with database access could recompute them, and actor_label was not covered). Each chain is
verified the old way first; its intact part is re-hashed under the keyed scheme (HMAC-SHA256
with the newest audit key over every stored field) and from its first break on it is left as
it was, so that `griddesk audit verify` still names that break: re-hashing must not launder
tampering. A head that matched its chain's end moves to the new hash; one that did not stays,
and verify reports it.

A million events: read a page at a time in (stream, seq) order, written back with one UPDATE
per thousand events. The hash functions are frozen here: this migration must keep computing
what it computed when it was written, whatever audit.services becomes.
"""

import hashlib
import hmac
import json
import sys
from collections import namedtuple
from datetime import UTC, datetime

from django.conf import settings
from django.db import migrations

from griddesk.audit.triggers import triggers_install, triggers_lift, triggers_uninstall

GENESIS_HASH = "0" * 64
SCHEME = "griddesk-audit/2"
PAGE = 5000
ROWS_PER_UPDATE = 1000
COLUMNS = "id, stream, seq, action, actor_id, actor_label, at, payload, prev_hash, key_id, hash"
Row = namedtuple("Row", COLUMNS.replace(",", ""))


def _canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _utc_text(at):
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def plain_hash(row, prev_hash):
    """Scheme 1, as audit.services computed it before: SHA-256, no key, no actor_label."""
    material = "|".join([prev_hash, row.stream, str(row.seq), row.action, str(row.actor_id or ""),
                         _utc_text(row.at), _canonical(row.payload)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def keyed_hash(row, prev_hash, key_id, key):
    """Scheme 2 (audit.services.event_hash): HMAC-SHA256 over every stored field."""
    material = _canonical([SCHEME, key_id, prev_hash, row.stream, row.seq, row.action, row.actor_id,
                           row.actor_label, _utc_text(row.at), row.payload])
    return hmac.digest(key, material.encode("utf-8"), "sha256").hex()


def key_id_of(key):
    """As audit.signing.key_id_of."""
    return hashlib.sha256(b"griddesk audit key id\x00" + key.encode("utf-8")).hexdigest()[:8]


def _ring():
    return {key_id_of(key): key.encode("utf-8") for key in settings.GRIDDESK_AUDIT_KEYS}


def _pages(cursor, *, start="", below=None):
    """Every event (of the streams named from `start` to below `below`) in (stream, seq) order, a
    page at a time (keyset: no OFFSET, no long-lived cursor)."""
    after = (start, 0)
    bound, bound_params = ("AND stream < %s ", [below]) if below is not None else ("", [])
    while True:
        cursor.execute(f"SELECT {COLUMNS} FROM audit_auditevent WHERE (stream, seq) > (%s, %s) {bound}"
                       "ORDER BY stream, seq LIMIT %s", [*after, *bound_params, PAGE])
        page = [_row(raw) for raw in cursor.fetchall()]
        if not page:
            return
        yield page
        after = (page[-1].stream, page[-1].seq)


def _row(raw):
    row = Row(*raw)
    at, payload = row.at, row.payload
    if isinstance(at, str):  # SQLite stores naive UTC text (and may hand it back parsed, still naive)
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if isinstance(payload, str):  # both backends give JSON back as text to a raw cursor
        payload = json.loads(payload)
    return row._replace(at=at, payload=payload)


class _Rechain:
    """One pass over every chain: keep what `intact` accepts, give it the hashes `make` computes."""

    def __init__(self, cursor, *, intact, make):
        self.cursor, self.intact, self.make = cursor, intact, make
        self.updates, self.ends, self.broken = [], {}, []

    def run(self):
        stream = None
        for page in _pages(self.cursor):
            for row in page:
                if row.stream != stream:
                    stream, state = row.stream, [0, GENESIS_HASH, GENESIS_HASH, False]
                    self.ends[stream] = state  # seq, old hash, new hash, broken
                self._step(row, state)
            self._write_events()
        self._write_events(everything=True)
        return self

    def _step(self, row, state):
        last_seq, old_prev, new_prev, broken = state
        if broken:
            return
        if row.seq != last_seq + 1 or row.prev_hash != old_prev or not self.intact(row):
            state[3] = True  # from here on the chain stays as it was: verify names this event
            self.broken.append(row)
            return
        key_id, digest = self.make(row, new_prev)
        self.updates.append((row.id, new_prev, key_id, digest))
        state[:3] = row.seq, row.hash, digest

    def _write_events(self, everything=False):
        while len(self.updates) >= ROWS_PER_UPDATE or (everything and self.updates):
            batch, self.updates = self.updates[:ROWS_PER_UPDATE], self.updates[ROWS_PER_UPDATE:]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            self.cursor.execute(
                f"WITH v(id, prev_hash, key_id, hash) AS (VALUES {values}) "
                "UPDATE audit_auditevent SET prev_hash = v.prev_hash, key_id = v.key_id, hash = v.hash "
                "FROM v WHERE audit_auditevent.id = v.id",
                [value for update in batch for value in update],
            )

    def move_heads(self):
        """Heads that matched their chain's old end move to its new end; the others stay."""
        self.cursor.execute("SELECT stream, seq, hash FROM audit_audithead")
        moves = [(stream, self.ends[stream][2]) for stream, seq, digest in self.cursor.fetchall()
                 if stream in self.ends and self.ends[stream][:2] == [seq, digest] and not self.ends[stream][3]]
        for first in range(0, len(moves), ROWS_PER_UPDATE):
            batch = moves[first:first + ROWS_PER_UPDATE]
            values = ", ".join(["(%s, %s)"] * len(batch))
            self.cursor.execute(
                f"WITH v(stream, hash) AS (VALUES {values}) "
                "UPDATE audit_audithead SET hash = v.hash FROM v WHERE audit_audithead.stream = v.stream",
                [value for move in batch for value in move],
            )


def rechain(connection, *, intact, make):
    """Re-hash every chain with the audit triggers lifted; returns the first event of each broken chain."""
    triggers_lift(connection, tables=("audit_auditevent", "audit_audithead"))
    with connection.cursor() as cursor:
        work = _Rechain(cursor, intact=intact, make=make).run()
        work.move_heads()
    if work.broken:
        first = work.broken[0]
        sys.stdout.write(f"\n  audit: {len(work.broken)} chain(s) were already broken and keep their old hashes "
                         f"from the break on (first: event {first.id}, {first.stream}#{first.seq}); "
                         "`griddesk audit verify` names them.\n")
    return work.broken


def upgrade(connection):
    """Plain chains to keyed ones, then every K-8 trigger."""
    key_id, key = next(iter(_ring().items()))
    rechain(connection, intact=lambda row: row.hash == plain_hash(row, row.prev_hash),
            make=lambda row, prev: (key_id, keyed_hash(row, prev, key_id, key)))
    triggers_install(connection)


def downgrade(connection):
    """Keyed chains back to plain ones (with the key ring that signed them), 0003's triggers only."""
    ring = _ring()

    def intact(row):
        return row.key_id in ring and row.hash == keyed_hash(row, row.prev_hash, row.key_id, ring[row.key_id])

    triggers_uninstall(connection)
    rechain(connection, intact=intact, make=lambda row, prev: ("", plain_hash(row, prev)))
    triggers_install(connection, tables=("audit_auditevent",))  # 0003's, lifted by rechain


def forwards(apps, schema_editor):
    upgrade(schema_editor.connection)


def backwards(apps, schema_editor):
    downgrade(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_auditevent_key_id"),
        ("orders", "0010_lean_write_indexes"),  # the work-order trigger's table
    ]
    operations = [migrations.RunPython(forwards, backwards)]
