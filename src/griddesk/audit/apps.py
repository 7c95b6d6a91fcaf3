from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "griddesk.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self):
        post_migrate.connect(_triggers_ensure, sender=self)


def _triggers_ensure(*, using, **kwargs):
    """After every migrate: SQLite drops a table's triggers when a migration rebuilds it (rule K-8)."""
    from django.db import connections

    from griddesk.audit.triggers import triggers_install, triggers_installed_by_migrations

    connection = connections[using]
    if triggers_installed_by_migrations(connection):
        triggers_install(connection)
