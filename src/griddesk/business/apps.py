from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "griddesk.business"
    label = "business"
    verbose_name = _("办电业务目录")
