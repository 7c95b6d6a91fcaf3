"""Outages on the shared hand-made province (tests/conftest.py: SW1 > T1 with two urban customers,
F1 > T2 with one rural customer; three customers served)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from griddesk.outages.models import OutageEvent, OutageState

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def make_outage(db):
    counter = iter(range(1, 10**6))

    def make(device, kind, start, end, *, state=OutageState.RESTORED, **fields):
        return OutageEvent.objects.create(code=f"T{next(counter):06d}", kind=kind, device=device, cause="测试",
                                          starts_at=start, restored_at=end, state=state, **fields)

    return make
