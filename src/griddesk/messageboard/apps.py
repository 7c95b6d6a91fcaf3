from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessageBoardConfig(AppConfig):
    name = "griddesk.messageboard"
    label = "messageboard"
    verbose_name = _("网站留言板")
