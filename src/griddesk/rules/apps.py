from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "griddesk.rules"
    label = "rules"
    verbose_name = _("服务规则")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from griddesk.rules.models import Deadline, RuleSet, RuleSetVersion
        from griddesk.rules.selectors import rules_changed

        # Cached deadlines of versions in force are dropped on any write, however it was made.
        for model in (RuleSet, RuleSetVersion, Deadline):
            uid = f"rules-cache-{model.__name__}"
            post_save.connect(rules_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(rules_changed, sender=model, dispatch_uid=uid + "-delete")
