from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "griddesk.console"
    label = "console"
    verbose_name = _("坐席工作台")
