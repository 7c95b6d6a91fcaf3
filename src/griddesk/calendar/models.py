"""Working-day calendars (工作日历): the national holiday table and the rule H-3 hall calendar."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

NATIONAL = "national"
"""Code of the default calendar (settings.GRIDDESK_DEFAULT_CALENDAR overrides it)."""


class CalendarKind(models.TextChoices):
    NATIONAL = "national", _("国家法定工作日（周一至周五，按节假日和调休调整）")
    HALL_NO_REST_DAY = "hall", _("营业厅（无周休日，规则 H-3）")


class Calendar(models.Model):
    """A working-day calendar (工作日历).

    national: Monday to Friday, minus statutory holidays, plus make-up working
    days, from the holiday table. hall (rule H-3, 县以上营业场所无周休日): every
    day is a working day, holidays included, except days an administrator
    enters in the table as closed.
    """

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarKind.choices)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["code"]

    def __str__(self):
        return self.name


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班日")


class Holiday(models.Model):
    """One day that departs from the calendar's weekly pattern (节假日或调休上班日).

    One row per calendar and date. National calendar: a holiday (法定节假日) is
    a day off even on a weekday; a make-up working day (调休上班日) is a
    Saturday or Sunday that is worked. Hall calendar: only closures (holiday).
    """

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("日历"), on_delete=models.PROTECT, related_name="days"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("如：国庆节"))
    source = models.CharField(
        _("来源"), max_length=40, blank=True, help_text=_("如 chinese-calendar 1.11.0；后台录入为空。")
    )

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_holiday_date"),
            models.CheckConstraint(
                condition=models.Q(kind__in=HolidayKind.values), name="calendar_holiday_kind"
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    def clean(self):
        if self.calendar_id is None or self.date is None:
            return
        if self.kind == HolidayKind.WORKDAY:
            if self.calendar.kind == CalendarKind.HALL_NO_REST_DAY:
                raise ValidationError(
                    {"kind": _("营业厅日历每天都是工作日（规则 H-3），无需录入调休上班日。")}
                )
            if self.date.weekday() < 5:
                raise ValidationError({"kind": _("调休上班日应为周六或周日；周一至周五本来就是工作日。")})


class CalendarYear(models.Model):
    """A year whose holiday data a calendar holds (节假日数据年度).

    A year without a row (or with complete unticked) still counts working
    days, Monday to Friday plus whatever rows exist, and is flagged so that
    staff see the warning and enter the year.
    """

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("日历"), on_delete=models.PROTECT, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("来源"), max_length=40, blank=True)
    complete = models.BooleanField(
        _("数据完整"), default=True, help_text=_("该年度的节假日和调休上班日已全部录入。")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日数据年度")
        verbose_name_plural = _("节假日数据年度")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="calendar_year_unique"),
        ]

    def __str__(self):
        return f"{self.calendar} {self.year}"
