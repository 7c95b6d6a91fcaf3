"""For tests only: lift the append-only triggers, as a database owner could, to tamper on purpose."""

from contextlib import contextmanager
from importlib import import_module

from django.db import connection


@contextmanager
def tampering_allowed():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
            else:
                for statement in import_module(
                    "griddesk.audit.migrations.0003_append_only"
                ).SQLITE_UP:
                    cursor.execute(statement)
