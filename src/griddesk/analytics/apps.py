from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "griddesk.analytics"
    label = "analytics"
    verbose_name = _("服务分析")

    def ready(self):
        # The monthly report's own sections (analytics/report.py); other apps register theirs the same way.
        from griddesk.analytics import report

        report.register_builtin_sections()
