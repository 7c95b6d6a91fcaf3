"""For tests only: lift the K-8 triggers (audit.triggers), as a database owner could, to tamper on purpose."""

from contextlib import contextmanager

from django.db import connection

from griddesk.audit.triggers import triggers_install, triggers_lift


@contextmanager
def tampering_allowed():
    """Events, heads and work orders can be updated and deleted inside; the triggers are back after."""
    triggers_lift(connection)
    try:
        yield
    finally:
        triggers_install(connection)
