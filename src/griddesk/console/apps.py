from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "griddesk.console"
    label = "console"
    verbose_name = _("坐席工作台")

    def ready(self):
        # Django 6.1's empty choice of every <select> ("- Select an option -") has no zh-hans
        # translation, so Chinese forms showed it in English: ours is Chinese-first and translated.
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("— 请选择 —")
