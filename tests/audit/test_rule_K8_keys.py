"""Rule K-8: the chains are keyed with the audit key ring; a rotated key keeps verifying what it signed."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify, stream_of
from griddesk.audit.signing import key_id_of
from griddesk.audit.verify import history_verify
from griddesk.keys import keyring
from tests.audit.conftest import crew_steps, repair


@pytest.fixture
def ring_file(settings, tmp_path, monkeypatch):
    """The audit key ring in a file of its own (as under var/keys/), holding the keys in force."""
    monkeypatch.delenv("GRIDDESK_AUDIT_KEYS", raising=False)
    settings.KEYS_DIR = tmp_path
    path = tmp_path / "audit"
    path.write_text("".join(f"{key}\n" for key in settings.GRIDDESK_AUDIT_KEYS))
    return path


def test_rule_K8_every_event_names_the_key_that_signed_it(staff, province, settings):
    order = repair(staff, province)
    assert set(AuditEvent.objects.filter(stream=stream_of(order)).values_list("key_id", flat=True)) == {
        key_id_of(settings.GRIDDESK_AUDIT_KEYS[0])
    }


def test_rule_K8_a_rotated_key_still_verifies_old_events_and_signs_new_ones(staff, province, settings, ring_file):
    old_ring = list(settings.GRIDDESK_AUDIT_KEYS)
    old_id = key_id_of(old_ring[0])
    order = crew_steps(repair(staff, province), staff, "crew_accept")
    out = io.StringIO()
    call_command("audit", "rotate-key", stdout=out)
    ring = keyring(path=ring_file)
    assert ring[1:] == old_ring and ring[0] not in old_ring
    new_id = key_id_of(ring[0])
    assert f"new key {new_id}" in out.getvalue() and "Restart" in out.getvalue()
    settings.GRIDDESK_AUDIT_KEYS = ring  # what the restarted server reads
    order = crew_steps(order, staff, "arrive")
    ids = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("key_id", flat=True))
    assert ids == [old_id, old_id, old_id, new_id]
    assert history_verify().breaks == []
    settings.GRIDDESK_AUDIT_KEYS = ring[:1]  # the old key dropped from the ring: its events cannot be vouched for
    _checked, breaks = audit_verify()
    assert [(b.seq, b.reason) for b in breaks] == [
        (1, f"signed with audit key {old_id!r}, which is not in the key ring")
    ]


def test_rule_K8_rotate_key_leaves_a_ring_from_the_environment_to_its_operator(ring_file, monkeypatch):
    monkeypatch.setenv("GRIDDESK_AUDIT_KEYS", "key-b,key-a")
    before = ring_file.read_text()
    with pytest.raises(CommandError, match="GRIDDESK_AUDIT_KEYS=NEW,OLD"):
        call_command("audit", "rotate-key")
    assert ring_file.read_text() == before
