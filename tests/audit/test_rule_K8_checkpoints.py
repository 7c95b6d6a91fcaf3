"""Rule K-8: a signed checkpoint, kept elsewhere, proves the history only grew since it was taken."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from griddesk.audit.models import AuditEvent, AuditHead
from griddesk.audit.services import audit_append, audit_verify, event_hash, stream_of
from griddesk.audit.signing import key_for
from griddesk.audit.testing import tampering_allowed
from tests.audit.conftest import crew_steps, order_erased, repair, sql


@pytest.fixture
def orders(staff, province):
    """Three repairs of one day; the first has moved on twice."""
    first = crew_steps(repair(staff, province, customer=0), staff, "crew_accept", "arrive")
    return [first, repair(staff, province, customer=1), repair(staff, province, customer=2)]


@pytest.fixture
def checkpoint(orders, tmp_path):
    path = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "--out", str(path), stdout=io.StringIO())
    return path


def _verify_against(path, capsys):
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--checkpoint", str(path))
    return capsys.readouterr().err


def test_rule_K8_a_checkpoint_states_what_the_history_held(orders, capsys, settings):
    call_command("audit", "checkpoint")
    statement = json.loads(capsys.readouterr().out)
    day = timezone.localdate(orders[0].accepted_at).isoformat()  # order numbers go by the local day
    assert statement["events"] == AuditEvent.objects.count() == 4 + 2 + 2
    assert statement["streams"] == AuditHead.objects.count() == 3
    assert statement["order_numbers"] == {day: 3}
    assert statement["province"] == settings.GRIDDESK_PROVINCE_CODE
    assert len(statement["heads_digest"]) == len(statement["signature"]) == 64
    assert {"at", "heads", "key_id"} <= statement.keys()


def test_rule_K8_history_that_only_grew_passes_its_checkpoint(orders, checkpoint, staff, province, capsys):
    crew_steps(orders[1], staff, "crew_accept")
    repair(staff, province, customer=0)  # a repeat contact: a child order, events on its parent
    audit_append(stream="import:customers", action="import.customers", payload={"rows": 3})
    call_command("audit", "verify", "--checkpoint", str(checkpoint))
    assert "OK, 13 events in intact chains, 5 streams, unchanged since 1 checkpoint(s)" in capsys.readouterr().out


def test_rule_K8_a_checkpoint_detects_the_newest_order_deleted_its_counter_rewound_and_stream_deleted(
    orders, checkpoint, capsys
):
    newest = orders[-1]
    with tampering_allowed():
        order_erased(newest)
        sql("UPDATE orders_ordernumbercounter SET last = last - 1")
    call_command("audit", "verify", stdout=io.StringIO())  # without the checkpoint, nothing shows
    err = _verify_against(checkpoint, capsys)
    day = timezone.localdate(newest.accepted_at).isoformat()
    assert f"{stream_of(newest)}: the checkpoint saw #2; the stream is gone" in err
    assert f"order numbers of {day}: the checkpoint saw 3 taken; the counter now says 2 (counter rewound)" in err
    assert f"number {newest.number}, which the checkpoint saw, is missing (order deleted)" in err


def test_rule_K8_a_checkpoint_detects_a_chain_rewritten_with_the_audit_key(orders, checkpoint, capsys):
    """Someone holding the database and the key rewrites a chain so that it verifies: not the checkpoint."""
    events = list(AuditEvent.objects.filter(stream=stream_of(orders[0])).order_by("seq"))
    events[1].payload = {**events[1].payload, "crew": "C9"}
    prev = events[0].hash
    with tampering_allowed():
        for event in events[1:]:
            digest = event_hash(key=key_for(event.key_id), key_id=event.key_id, prev_hash=prev, stream=event.stream,
                                seq=event.seq, action=event.action, actor_id=event.actor_id,
                                actor_label=event.actor_label, at=event.at, payload=event.payload)
            AuditEvent.objects.filter(pk=event.pk).update(payload=event.payload, prev_hash=prev, hash=digest)
            prev = digest
        AuditHead.objects.filter(stream=stream_of(orders[0])).update(hash=prev)
    assert audit_verify()[1] == []
    err = _verify_against(checkpoint, capsys)
    assert f"{stream_of(orders[0])}#4: differs from the event the checkpoint saw" in err


def test_rule_K8_a_checkpoint_detects_the_newest_events_of_any_stream_deleted(orders, tmp_path, capsys):
    for n in (1, 2, 3):
        audit_append(stream="import:topology", action="import.topology", payload={"batch": n})
    path = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "--out", str(path), stdout=io.StringIO())
    second = AuditEvent.objects.get(stream="import:topology", seq=2)
    with tampering_allowed():
        sql("DELETE FROM audit_auditevent WHERE stream = %s AND seq = 3", ["import:topology"])
        sql("UPDATE audit_audithead SET seq = 2, hash = %s WHERE stream = %s", [second.hash, "import:topology"])
    assert audit_verify()[1] == []
    err = _verify_against(path, capsys)
    assert "import:topology#2: the checkpoint saw the stream up to #3; it now ends at #2" in err


def test_rule_K8_an_edited_checkpoint_is_not_vouched_for(checkpoint, capsys):
    statement = json.loads(checkpoint.read_text())
    statement["order_numbers"] = {day: last - 1 for day, last in statement["order_numbers"].items()}
    checkpoint.write_text(json.dumps(statement))
    err = _verify_against(checkpoint, capsys)
    assert f"checkpoint {checkpoint}: signature does not match" in err


def test_rule_K8_verify_refuses_a_file_that_is_no_checkpoint(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a GridDesk audit checkpoint"):
        call_command("audit", "verify", "--checkpoint", str(path))


def test_rule_K8_no_checkpoint_vouches_for_a_broken_history(orders, tmp_path):
    with tampering_allowed():
        sql("UPDATE audit_auditevent SET actor_label = '' WHERE stream = %s AND seq = 1", [stream_of(orders[1])])
    path = tmp_path / "checkpoint.json"
    with pytest.raises(CommandError, match="refused, the history is broken"):
        call_command("audit", "checkpoint", "--out", str(path), stderr=io.StringIO())
    assert not path.exists()
