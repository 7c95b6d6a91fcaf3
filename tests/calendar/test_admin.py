"""The holiday table is editable in the admin; every edit is audited on the calendar's stream."""

from datetime import date

import pytest
from django.urls import reverse

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.calendar.models import Calendar, CalendarYear, Holiday
from griddesk.calendar.selectors import calendar_coverage_warnings, calendar_oracle
from griddesk.orgs.models import Staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return Staff.objects.create_superuser("root", "root@example.com", "pw-root")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def actions_of(calendar):
    return list(AuditEvent.objects.filter(stream=stream_of(calendar)).order_by("seq").values_list(
        "action", flat=True))


def test_administrator_enters_2027_new_years_day_and_completes_the_year(admin_client, admin_user):
    national = Calendar.objects.get(code="national")
    response = admin_client.post(reverse("admin:calendar_holiday_add"), {
        "calendar": national.pk, "date": "2027-01-01", "kind": "holiday", "name": "元旦",
    })
    assert response.status_code == 302
    assert not calendar_oracle().is_working_day(date(2027, 1, 1))
    response = admin_client.post(reverse("admin:calendar_calendaryear_add"), {
        "calendar": national.pk, "year": "2027", "source": "国务院办公厅通知", "complete": "on",
    })
    assert response.status_code == 302
    assert calendar_coverage_warnings([2027]) == []
    assert actions_of(national) == ["calendar.day_saved", "calendar.year_saved"]
    assert AuditEvent.objects.filter(stream=stream_of(national)).first().actor == admin_user


def test_admin_refuses_a_weekday_make_up_day(admin_client):
    national = Calendar.objects.get(code="national")
    response = admin_client.post(reverse("admin:calendar_holiday_add"), {
        "calendar": national.pk, "date": "2027-01-04", "kind": "workday", "name": "",
    })
    assert response.status_code == 200
    assert "调休上班日应为周六或周日" in response.content.decode()
    assert not Holiday.objects.filter(date=date(2027, 1, 4)).exists()


def test_admin_delete_is_audited(admin_client):
    national = Calendar.objects.get(code="national")
    holiday = Holiday.objects.get(calendar=national, date=date(2026, 10, 7))
    response = admin_client.post(reverse("admin:calendar_holiday_delete", args=[holiday.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert calendar_oracle().is_working_day(date(2026, 10, 7))
    event = AuditEvent.objects.get(stream=stream_of(national))
    assert (event.action, event.payload["date"]) == ("calendar.day_deleted", "2026-10-07")


def test_admin_action_loads_the_package_again(admin_client):
    national = Calendar.objects.get(code="national")
    Holiday.objects.filter(calendar=national, date__year=2025).delete()
    CalendarYear.objects.filter(calendar=national, year=2025).delete()
    response = admin_client.post(reverse("admin:calendar_calendar_changelist"), {
        "action": "seed_from_package", "_selected_action": [national.pk],
    }, follow=True)
    assert "新增 33 天，新增年度 2025（chinese-calendar 1.11.0）" in response.content.decode()
    assert Holiday.objects.filter(calendar=national, date__year=2025).count() == 33
    assert actions_of(national) == ["calendar.seeded"]


def test_calendars_cannot_be_deleted(admin_client):
    national = Calendar.objects.get(code="national")
    response = admin_client.get(reverse("admin:calendar_calendar_delete", args=[national.pk]))
    assert response.status_code == 403
