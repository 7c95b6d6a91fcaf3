"""Loading the holiday table from the chinese-calendar package.

Shared by the data migration (historical models) and the service
`calendar_seed_from_package` (real models, audited), so takes the model
classes as arguments.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import chinese_calendar

HOLIDAY, WORKDAY = "holiday", "workday"


def package_source():
    return f"chinese-calendar {chinese_calendar.__version__}"


def package_days():
    """{year: {date: (kind, Chinese name)}} for every year the installed package covers."""
    names = {member.value: member.chinese for member in chinese_calendar.Holiday}
    by_year = defaultdict(dict)
    for kind, table in ((HOLIDAY, chinese_calendar.holidays), (WORKDAY, chinese_calendar.workdays)):
        for day, english in table.items():
            by_year[day.year][day] = (kind, names.get(english, english))
    return dict(by_year)


@dataclass
class SeedReport:
    source: str
    years_added: list = field(default_factory=list)  # years that got their CalendarYear row
    years_completed: list = field(default_factory=list)  # rows that were marked incomplete before
    days_added: int = 0
    days_kept: list = field(default_factory=list)  # table rows that differ from the package: left alone

    @property
    def changed(self):
        return bool(self.years_added or self.years_completed or self.days_added)


def load_package(*, holiday_model, year_model, calendar):
    """Add what the package has and the table lacks. Idempotent: a second run adds nothing.

    Existing rows are never overwritten or deleted: an administrator's edit of
    a day wins over the package (reported in `days_kept`). A year's
    CalendarYear row is created, or marked complete, once the package covers it.
    """
    report = SeedReport(source=package_source())
    existing = {
        row.date: row for row in holiday_model.objects.filter(calendar=calendar)
    }
    years = {row.year: row for row in year_model.objects.filter(calendar=calendar)}
    new_rows = []
    for year, days in sorted(package_days().items()):
        for day, (kind, name) in sorted(days.items()):
            row = existing.get(day)
            if row is None:
                new_rows.append(holiday_model(calendar=calendar, date=day, kind=kind, name=name,
                                              source=report.source))
            elif row.kind != kind:
                report.days_kept.append((day, row.kind, kind))
        year_row = years.get(year)
        if year_row is None:
            year_model.objects.create(calendar=calendar, year=year, source=report.source, complete=True)
            report.years_added.append(year)
        elif not year_row.complete:
            year_row.complete, year_row.source = True, report.source
            year_row.save(update_fields=["complete", "source", "updated_at"])
            report.years_completed.append(year)
    holiday_model.objects.bulk_create(new_rows, batch_size=500)
    report.days_added = len(new_rows)
    return report
