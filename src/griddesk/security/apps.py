from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Logins, sessions, second factor, keys and the deploy checks (docs/security.md)."""

    default = True
    name = "griddesk.security"
    label = "security"
    verbose_name = _("安全")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from griddesk.security import checks  # noqa: F401  (registers the deploy checks)
        from griddesk.security.sessions import session_clock_start

        user_logged_in.connect(session_clock_start, dispatch_uid="griddesk.security.session_clock_start")


class GridDeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with GridDesk's admin site as `admin.site` (the second factor)."""

    default = False
    default_site = "griddesk.security.admin_site.GridDeskAdminSite"
