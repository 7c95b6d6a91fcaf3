"""griddesk.fastsql: hand-built statements give the ORM's values and write what the ORM would."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from griddesk import fastsql
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify
from griddesk.outages.models import StormDeclaration


def _select_all(model, pk):
    sql = f"SELECT {fastsql.columns(model, 'x')} FROM {fastsql.qn(model._meta.db_table)} x WHERE x.id = %s"
    return fastsql.instance(model, fastsql.fetch(sql, [pk])[0])


def test_rows_come_back_with_the_orms_python_values(province, make_staff):
    """Aware datetimes, booleans, None and text as the ORM gives them (SQLite stores them as text)."""
    storm = StormDeclaration.objects.create(
        org=province["city"], starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=3),
        reason="台风", declared_by=make_staff("dispatcher", province["city"], "dispatcher"))
    by_orm, by_text = StormDeclaration.objects.get(pk=storm.pk), _select_all(StormDeclaration, storm.pk)
    for field in StormDeclaration._meta.concrete_fields:
        assert getattr(by_text, field.attname) == getattr(by_orm, field.attname), field.name
    assert timezone.is_aware(by_text.starts_at) and by_text.lifted_at is None
    assert by_text._state.adding is False and by_text._state.db == "default"


def test_insert_sets_keys_and_writes_what_the_orm_reads_back(db):
    at = timezone.now()
    events = [AuditEvent(stream=f"t:{i}", seq=1, action="x", actor_label="", at=at, payload={"n": i, "名": "张"},
                         prev_hash="0" * 64, hash=f"{i:064d}") for i in range(3)]
    with CaptureQueriesContext(connection) as captured:
        fastsql.insert(AuditEvent, events)
    assert len(captured) == 1
    assert [e.pk for e in events] == sorted(e.pk for e in events) and all(events)
    stored = {e.pk: e for e in AuditEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert [stored[e.pk].payload for e in events] == [{"n": i, "名": "张"} for i in range(3)]
    assert stored[events[0].pk].at == at


def test_a_big_batch_is_one_unchanging_statement_on_postgresql_and_chunks_on_sqlite(db):
    at = timezone.now()
    texts = []
    for size in (250, 7):
        events = [AuditEvent(stream=f"chunk{size}:{i}", seq=1, action="x", at=at, payload={"i": i},
                             prev_hash="0" * 64, hash="1" * 64) for i in range(size)]
        with CaptureQueriesContext(connection) as captured:
            fastsql.insert(AuditEvent, events)
        texts.append(captured[0]["sql"].split(" SELECT ")[0] if connection.vendor == "postgresql" else "")
        if connection.vendor == "postgresql":
            # column arrays: the same text for any batch, so psycopg converts it once and it is prepared
            assert len(captured) == 1 and "unnest(" in captured[0]["sql"]
        elif size == 250:
            assert len(captured) == 3  # 104 rows a statement: under psycopg's 4 KiB cache (and SQLite's)
        stored = {e.pk: e for e in AuditEvent.objects.filter(stream__startswith=f"chunk{size}:")}
        assert len(stored) == size
        # RETURNING gives the keys in the order of the rows
        assert all(stored[e.pk].stream == e.stream and stored[e.pk].payload == {"i": i} for i, e in enumerate(events))
    assert texts[0] == texts[1]


def test_statement_text_is_built_once_per_key():
    calls = []

    @fastsql.statement
    def build(n):
        calls.append(n)
        return f"SELECT {n}"

    assert build(1) == build(1) == "SELECT 1" and build(2) == "SELECT 2"
    assert calls == [1, 2]


def test_audit_rows_written_by_insert_verify(db):
    from griddesk.audit.models import AuditHead
    from griddesk.audit.services import audit_new_stream_rows

    rows, head = audit_new_stream_rows(stream="orders.workorder:999", events=[("a", {"x": 1}), ("b", {})])
    fastsql.insert(AuditEvent, rows)
    fastsql.insert(AuditHead, [head])
    assert audit_verify()[1] == []
