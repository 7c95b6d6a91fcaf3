"""Rule K-8: migrations 0005 and 0006 bring chains written before keyed hashing under the new scheme,
without laundering a break that was there before."""

from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from griddesk.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from griddesk.audit.services import audit_verify, stream_of
from griddesk.audit.signing import signing_key
from griddesk.audit.testing import tampering_allowed
from griddesk.audit.verify import history_verify
from griddesk.orders.models import WorkOrder
from tests.audit.conftest import crew_steps, repair

keyed = import_module("griddesk.audit.migrations.0005_keyed_chain")
baseline = import_module("griddesk.audit.migrations.0006_order_version_baseline")


def _old_chain(stream, length, *, label="张三（A1001）"):
    """A chain as audit.services wrote it before migration 0005: plain SHA-256, no key."""
    prev, start = GENESIS_HASH, timezone.now() - timedelta(days=3)
    for seq in range(1, length + 1):
        row = SimpleNamespace(stream=stream, seq=seq, action=f"test.step{seq}", actor_id=None, actor_label=label,
                              at=start + timedelta(minutes=seq, microseconds=seq), payload={"n": seq, "说明": "旧"})
        digest = keyed.plain_hash(row, prev)
        AuditEvent.objects.create(stream=stream, seq=seq, action=row.action, actor_label=label, at=row.at,
                                  payload=row.payload, prev_hash=prev, key_id="", hash=digest)
        prev = digest
    AuditHead.objects.create(stream=stream, seq=length, hash=prev)


@pytest.fixture
def old_history(db):
    _old_chain("test:intact", 4)
    _old_chain("test:edited", 5)
    _old_chain("test:rewound", 3)
    with tampering_allowed():
        AuditEvent.objects.filter(stream="test:edited", seq=3).update(payload={"n": 99})
        AuditHead.objects.filter(stream="test:rewound").update(seq=7)
    return {e.stream: e.hash for e in AuditEvent.objects.filter(seq=3)}


def test_rule_K8_upgrade_rehashes_intact_chains_and_keeps_old_breaks(old_history):
    keyed.upgrade(connection)
    key_id, _key = signing_key()
    assert set(AuditEvent.objects.filter(stream="test:intact").values_list("key_id", flat=True)) == {key_id}
    edited = list(AuditEvent.objects.filter(stream="test:edited").order_by("seq"))
    assert [e.key_id for e in edited] == [key_id, key_id, "", "", ""]  # the break and what follows: untouched
    assert edited[2].hash == old_history["test:edited"]
    _checked, breaks = audit_verify()
    assert sorted((b.stream, b.seq, b.event_id) for b in breaks) == [
        ("test:edited", 3, edited[2].pk), ("test:rewound", 4, None),
    ]
    assert AuditHead.objects.get(stream="test:intact").hash == AuditEvent.objects.get(stream="test:intact", seq=4).hash


def test_rule_K8_downgrade_and_upgrade_again_round_trip(db):
    _old_chain("test:a", 3)
    _old_chain("test:b", 2, label="")
    plain = dict(AuditEvent.objects.values_list("pk", "hash"))
    keyed.upgrade(connection)
    assert audit_verify()[1] == []
    keyed.downgrade(connection)
    assert dict(AuditEvent.objects.values_list("pk", "hash")) == plain
    keyed.upgrade(connection)
    assert audit_verify()[1] == []


def test_rule_K8_upgrade_leaves_keyed_chains_alone(staff, province):
    """A chain already keyed does not verify the old way: it is left exactly as it is, and still verifies."""
    order = repair(staff, province)
    before = list(AuditEvent.objects.values_list("pk", "prev_hash", "key_id", "hash"))
    keyed.upgrade(connection)
    assert list(AuditEvent.objects.values_list("pk", "prev_hash", "key_id", "hash")) == before
    assert history_verify().breaks == [] and stream_of(order)


def test_rule_K8_orders_changed_before_versions_were_recorded_get_their_baseline(staff, province):
    order = crew_steps(repair(staff, province), staff, "crew_accept")
    legacy = repair(staff, province, customer=1)
    WorkOrder.objects.filter(pk=legacy.pk).update(version=5)  # as the workflow did before issue 8
    assert [p.subject for p in history_verify().breaks] == [f"{stream_of(legacy)} (order {legacy.number})"]
    assert baseline.baseline(connection) == 1
    event = AuditEvent.objects.filter(stream=stream_of(legacy)).order_by("-seq").first()
    assert (event.action, event.payload["version"], event.seq) == ("order.version_baseline", 5, 3)
    assert AuditHead.objects.get(stream=stream_of(legacy)).seq == 3
    assert history_verify().breaks == []
    assert baseline.baseline(connection) == 0  # once
    assert not AuditEvent.objects.filter(stream=stream_of(order), action="order.version_baseline").exists()
