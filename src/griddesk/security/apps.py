from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Logins, sessions, second factor, keys and the deploy checks (docs/security.md)."""

    default = True
    name = "griddesk.security"
    label = "security"
    verbose_name = _("安全")

    def ready(self):
        from griddesk.security import checks  # noqa: F401  (registers the deploy checks)
