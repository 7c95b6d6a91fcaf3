"""The database triggers behind rule K-8, on PostgreSQL and SQLite (docs/audit.md).

- audit events: no UPDATE, no DELETE (append-only; first installed by migration 0003);
- stream heads: no DELETE, and an UPDATE only moves a head forward (a higher seq) onto an event
  of its stream that exists with that seq and hash, which is what audit_append,
  audit_append_many and order intake do (events first, then the head);
- work orders: no DELETE (WorkOrder.delete refuses in Python; this holds for raw SQL too).

They stop the application, its bugs and anyone without the database owner's rights. An owner
can lift them: the keyed chains, the order reconciliation and the checkpoints catch what follows.

`triggers_install` is idempotent. Migration 0005 calls it, and so does every `migrate`
(apps.py, post_migrate), because SQLite drops a table's triggers whenever a migration rebuilds
the table (Django's way to alter a column there).
"""

from django.db.migrations.recorder import MigrationRecorder

INSTALLED_BY = ("audit", "0005_keyed_chain")

PG_REFUSE_CHANGE = """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit history is append-only (rule K-8)';
END;
$$ LANGUAGE plpgsql"""
PG_HEAD_FORWARD_ONLY = """CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit stream heads are never deleted (rule K-8)';
  END IF;
  IF NEW.stream <> OLD.stream OR NEW.seq <= OLD.seq OR NOT EXISTS (
      SELECT 1 FROM audit_auditevent e WHERE e.stream = NEW.stream AND e.seq = NEW.seq AND e.hash = NEW.hash
  ) THEN
    RAISE EXCEPTION 'audit stream head % only moves forward, onto an event of its stream (rule K-8)', OLD.stream;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""
PG_REFUSE_DELETE = """CREATE OR REPLACE FUNCTION orders_refuse_delete() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'work orders are never deleted (rule K-8)';
END;
$$ LANGUAGE plpgsql"""
# (table, trigger, events, function, the function's definition); the first is migration 0003's.
PG_TRIGGERS = [
    ("audit_auditevent", "audit_event_append_only", "UPDATE OR DELETE", "audit_refuse_change", PG_REFUSE_CHANGE),
    ("audit_audithead", "audit_head_forward_only", "UPDATE OR DELETE", "audit_head_forward_only",
     PG_HEAD_FORWARD_ONLY),
    ("orders_workorder", "workorder_no_delete", "DELETE", "orders_refuse_delete", PG_REFUSE_DELETE),
]

# (trigger, statement); the first two are migration 0003's.
SQLITE_TRIGGERS = [
    ("audit_event_no_update", """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit history is append-only (rule K-8)'); END;"""),
    ("audit_event_no_delete", """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit history is append-only (rule K-8)'); END;"""),
    ("audit_head_no_delete", """CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_audithead
       BEGIN SELECT RAISE(ABORT, 'audit stream heads are never deleted (rule K-8)'); END;"""),
    ("audit_head_forward_only", """CREATE TRIGGER IF NOT EXISTS audit_head_forward_only BEFORE UPDATE ON audit_audithead
       WHEN NEW.stream <> OLD.stream OR NEW.seq <= OLD.seq OR NOT EXISTS (
         SELECT 1 FROM audit_auditevent WHERE stream = NEW.stream AND seq = NEW.seq AND hash = NEW.hash)
       BEGIN SELECT RAISE(ABORT, 'audit stream heads only move forward, onto an event of their stream (rule K-8)');
       END;"""),
    ("workorder_no_delete", """CREATE TRIGGER IF NOT EXISTS workorder_no_delete BEFORE DELETE ON orders_workorder
       BEGIN SELECT RAISE(ABORT, 'work orders are never deleted (rule K-8)'); END;"""),
]


def triggers_install(connection, tables=None):
    """Create (or, on PostgreSQL, re-enable) the K-8 triggers of `tables` (default: all) that are
    missing or disabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in triggers_lift
            for table, name, events, function, definition in _pg(tables):
                cursor.execute(definition)
                state = _pg_state(cursor, table, name)
                if state == "D":  # disabled: ALTER TABLE only then (it locks the table)
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
                elif state is None:
                    cursor.execute(f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            for _name, statement in _sqlite(tables):
                cursor.execute(statement)


def triggers_lift(connection, tables=None):
    """Lift the triggers of `tables` (default: all), as a database owner can: tests, migrations."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending deferred foreign-key checks forbid ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name, *_rest in _pg(tables):
                if _pg_state(cursor, table, name) not in (None, "D"):  # a migration lifts them before they exist
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            for name, _statement in _sqlite(tables):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _pg_state(cursor, table, name):
    """pg_trigger.tgenabled of the trigger ("O": enabled, "D": disabled), None if there is none."""
    cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s", [table, name])
    row = cursor.fetchone()
    return None if row is None else str(row[0])


def _pg(tables):
    return [trigger for trigger in PG_TRIGGERS if tables is None or trigger[0] in tables]


def _sqlite(tables):
    return [(name, statement) for name, statement in SQLITE_TRIGGERS
            if tables is None or _sqlite_table(statement) in tables]


def _sqlite_table(statement):
    return statement.split(" ON ", 1)[1].split()[0]


def triggers_installed_by_migrations(connection):
    """Whether the migration that installs the triggers is applied (else: migrated back, or not yet)."""
    return INSTALLED_BY in MigrationRecorder(connection).applied_migrations()


def triggers_uninstall(connection):
    """Drop the triggers migration 0005 added (migrating back); 0003's event triggers stay."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, name, _events, function, _definition in PG_TRIGGERS[1:]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        elif connection.vendor == "sqlite":
            for name, _statement in SQLITE_TRIGGERS[2:]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
