"""Rule K-8, as a property: any edit of any single stored field of any event is detected.

Every stored field but the row id is hashed (the id is only the database's handle: an event's
place in the history is its stream and seq, which are hashed).
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_append, audit_verify
from griddesk.audit.testing import tampering_allowed
from tests.audit.conftest import crew_steps, repair

# Text a PostgreSQL column can hold (no NUL, no lone surrogates).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=6)
EDITS = {
    "stream": TEXT.filter(bool).map(lambda text: f"x:{text}"[:64]),
    "seq": st.integers(1, 50),
    "action": TEXT.filter(bool).map(lambda text: text[:48]),
    "actor_id": st.none() | st.integers(1, 10**6),
    "actor_label": TEXT,
    "at": st.integers(-10**9, 10**9).filter(bool).map(lambda us: timedelta(microseconds=us)),
    "payload": st.dictionaries(TEXT, JSON, max_size=4),
    "prev_hash": HEX64,
    "key_id": st.text("0123456789abcdef", min_size=8, max_size=8),
    "hash": HEX64,
}


@pytest.fixture
def history(staff, province):
    """Two orders' streams and a stream of another kind: 9 events."""
    first = crew_steps(repair(staff, province, customer=0), staff, "crew_accept", "arrive")
    repair(staff, province, customer=2)
    for n in range(3):
        audit_append(stream="import:topology", action="import.topology", payload={"batch": n})
    events = list(AuditEvent.objects.order_by("pk"))
    assert audit_verify()[1] == [] and len(events) == 9 and first.version == 3
    return events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rule_K8_any_single_field_edit_of_any_event_is_detected(history, data):
    event = data.draw(st.sampled_from(history), label="event")
    name = data.draw(st.sampled_from(sorted(EDITS)), label="field")
    value = data.draw(EDITS[name], label="value")
    if name == "at":
        value = event.at + value
    assume(value != getattr(event, name))
    breaks = None
    with transaction.atomic():
        with tampering_allowed():
            try:
                with transaction.atomic():
                    AuditEvent.objects.filter(pk=event.pk).update(**{name: value})
            except IntegrityError:
                pass  # another event already holds that (stream, seq)
            else:
                _checked, breaks = audit_verify()
        transaction.set_rollback(True)
    assume(breaks is not None)
    assert event.stream in {b.stream for b in breaks}, (name, value, breaks)
