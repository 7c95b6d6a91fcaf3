from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    name = "griddesk.calendar"
    label = "calendar"
    verbose_name = _("工作日历")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from griddesk.calendar.models import Calendar, CalendarYear, Holiday
        from griddesk.calendar.selectors import calendar_changed

        # Any write to the table, by a service, the admin or a shell, drops the cached calendars.
        for model in (Calendar, Holiday, CalendarYear):
            uid = f"calendar-cache-{model.__name__}"
            post_save.connect(calendar_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=uid + "-delete")
