from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "griddesk.kb"
    label = "kb"
    verbose_name = _("标准话术")
