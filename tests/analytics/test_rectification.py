"""Rectification items (rule A-3): created from the analysis, deadline in working days, verified with effect."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from griddesk.analytics.models import Rectification, RectificationState
from griddesk.analytics.services import rectification_create, rectification_done, rectification_verify
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of

TZ = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 7, 31, 17, 0, tzinfo=TZ)  # a Friday


@pytest.fixture
def owner(month, make_staff):
    return make_staff("owner", month["station"], "back_office")


def _create(month, supervisor, owner, **changes):
    fields = {"title": "幸福小区1号台区投诉集中整改", "org": month["station"], "owner": owner,
              "measures": "更换配变、加强巡视", "actor": supervisor, "transformer": month["tx1"],
              "working_days": 10, "complaints": month["c"][:2], "source": "投诉热点", "now": CREATED}
    return rectification_create(**{**fields, **changes})


def test_rule_A3_item_has_owner_measures_and_working_day_deadline(month, supervisor, owner):
    item = _create(month, supervisor, owner)
    assert item.number == "ZG202607310001"
    assert item.state == RectificationState.OPEN
    assert set(item.complaints.all()) == set(month["c"][:2])
    # 10 working days after Fri 31 Jul: Aug 3..7, 10..14 -> end of Fri 14 Aug (no holidays then)
    assert item.due_at.astimezone(TZ).date().isoformat() == "2026-08-14"
    assert AuditEvent.objects.filter(stream=stream_of(item), action="rectification.created").count() == 1


def test_rule_A3_bad_fields_are_named_and_nothing_is_written(month, supervisor, owner, make_staff):
    with pytest.raises(ValidationError) as error:
        _create(month, supervisor, owner, title="", measures=" ", working_days=0)
    assert set(error.value.message_dict) == {"title", "measures", "working_days"}
    with pytest.raises(ValidationError) as error:
        _create(month, supervisor, owner, complaints=month["r"][:1])
    assert "complaints" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        _create(month, owner, owner)
    county = make_staff("county_sup", month["county"], "supervisor")
    with pytest.raises(ValidationError) as error:
        _create(month, county, owner, org=month["other_city"], complaints=[])
    assert "org" in error.value.message_dict
    assert Rectification.objects.count() == 0


def test_rule_A3_done_then_verified_records_effect_before_and_after(month, supervisor, owner):
    item = _create(month, supervisor, owner, now=datetime(2026, 7, 10, 9, tzinfo=TZ), complaints=[])
    with pytest.raises(ValidationError):
        rectification_verify(item=item, actor=supervisor, verification="好")  # not done yet
    rectification_done(item=item, actor=owner, note="已更换配变", now=datetime(2026, 7, 20, tzinfo=TZ))
    verified = rectification_verify(item=item, actor=supervisor, verification="投诉下降",
                                     now=datetime(2026, 7, 30, 9, tzinfo=TZ))
    # 20 days before (Jun 20 - Jul 10): c1, c2 on tx1 (Jul 3, 5); while it ran (Jul 10 - 30): c4 (Jul 20)
    assert (verified.complaints_before, verified.complaints_after) == (2, 1)
    assert verified.state == RectificationState.VERIFIED and verified.met
    assert [e.action for e in AuditEvent.objects.filter(stream=stream_of(item)).order_by("seq")] == [
        "rectification.created", "rectification.done", "rectification.verified"]


def test_rule_A3_only_owner_or_supervisor_reports_done(month, supervisor, owner, make_staff):
    item = _create(month, supervisor, owner)
    other = make_staff("other", month["station"], "agent")
    with pytest.raises(PermissionDenied):
        rectification_done(item=item, actor=other, note="x", now=CREATED + timedelta(days=1))
    with pytest.raises(ValidationError):
        rectification_done(item=item, actor=owner, note="", now=CREATED + timedelta(days=1))
    item.refresh_from_db()
    assert item.state == RectificationState.OPEN
