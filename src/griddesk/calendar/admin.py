"""Admin for the working-day calendars: every save goes through the audited services."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.calendar.models import Calendar, CalendarKind, CalendarYear, Holiday
from griddesk.calendar.services import (
    calendar_save,
    calendar_seed_from_package,
    calendar_year_delete,
    calendar_year_save,
    holiday_delete,
    holiday_save,
)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    actions = ["seed_from_package"]

    def save_model(self, request, obj, form, change):
        calendar_save(calendar=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # orders' clocks were computed on it; rename instead

    @admin.action(description=gettext_lazy("从 chinese-calendar 软件包载入法定节假日"))
    def seed_from_package(self, request, queryset):
        for calendar in queryset:
            if calendar.kind != CalendarKind.NATIONAL:
                self.message_user(
                    request, _("%s：营业厅日历无周休日（规则 H-3），不载入法定节假日。") % calendar,
                    messages.WARNING,
                )
                continue
            report = calendar_seed_from_package(code=calendar.code, actor=request.user)
            done = _("%(calendar)s：新增 %(days)d 天，新增年度 %(years)s（%(source)s）。")
            self.message_user(request, done % {
                "calendar": calendar, "days": report.days_added,
                "years": "、".join(map(str, report.years_added + report.years_completed)) or _("无"),
                "source": report.source,
            })
            for day, kept, package in report.days_kept:
                self.message_user(
                    request, _("%(day)s：表中为“%(kept)s”，软件包为“%(package)s”，保留表中数据。")
                    % {"day": day, "kept": kept, "package": package}, messages.WARNING,
                )


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "calendar", "source"]
    list_filter = ["calendar", "kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["-date"]
    readonly_fields = ["source"]

    def save_model(self, request, obj, form, change):
        holiday_save(holiday=obj, actor=request.user)

    def delete_model(self, request, obj):
        holiday_delete(holiday=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for holiday in queryset.select_related("calendar"):
            holiday_delete(holiday=holiday, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "calendar", "complete", "source", "updated_at"]
    list_filter = ["calendar", "complete"]
    ordering = ["-year"]

    def save_model(self, request, obj, form, change):
        calendar_year_save(calendar_year=obj, actor=request.user)

    def delete_model(self, request, obj):
        calendar_year_delete(calendar_year=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for calendar_year in queryset.select_related("calendar"):
            calendar_year_delete(calendar_year=calendar_year, actor=request.user)
