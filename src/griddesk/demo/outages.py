"""Planned outages of the demo province around now (计划停电), deterministic for a seed.

The fault outages are not planned here: they are what the trouble-call analysis makes of the
repair calls (demo.storms). So that the caller page shows rules C-9 and Q-3 at work today, a few
planned ones, on feeders the storms leave alone:

- a planned maintenance in progress (started two hours ago, announced eight days before);
- a planned maintenance tomorrow, announced eight days before (Q-3: seven days ahead);
- a temporary repair the day after tomorrow, announced an hour ago (Q-3: 24 hours ahead);
- a planned outage next week.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from griddesk.grid.models import DeviceKind
from griddesk.outages.models import OutageKind, OutageState


@dataclass(frozen=True, slots=True)
class OutageRow:
    code: str
    kind: str
    device: int  # DeviceRow key
    cause: str
    starts_at: object
    expected_restoration_at: object
    restored_at: object
    announced_at: object
    state: str


def plan_planned(seed, network, *, now, avoid=()):
    """The planned outages around `now`, on devices whose feeder is not in `avoid` (feeder keys)."""
    rng = random.Random(f"{seed}:outages")
    parent = {d.key: d.parent for d in network.devices}
    kind = {d.key: d.kind for d in network.devices}

    def feeder_of(key):
        while key is not None and kind[key] != DeviceKind.FEEDER:
            key = parent[key]
        return key

    feeders = [d for d in network.devices if d.kind == DeviceKind.FEEDER and d.key not in avoid]
    switches = [d for d in network.devices if d.kind == DeviceKind.SWITCH and feeder_of(d.key) not in avoid]
    if not feeders:
        return []
    hour = now.replace(minute=0, second=0, microsecond=0)
    picks = rng.sample(feeders, min(3, len(feeders)))
    maintained = rng.choice(switches) if switches else picks[-1]
    rows = [OutageRow(
        code=f"JH{now:%Y%m%d}90002", kind=OutageKind.PLANNED, device=maintained.key,
        cause="计划检修：更换柱上开关及线路消缺", starts_at=hour - timedelta(hours=2),
        expected_restoration_at=hour + timedelta(hours=4), restored_at=None,
        announced_at=hour - timedelta(days=8), state=OutageState.ACTIVE,
    )]
    local = timezone.localtime(now)
    tomorrow = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(9)))
    rows.append(OutageRow(
        code=f"JH{tomorrow:%Y%m%d}90001", kind=OutageKind.PLANNED, device=picks[0].key,
        cause="计划检修：10kV线路绝缘化改造", starts_at=tomorrow,
        expected_restoration_at=tomorrow + timedelta(hours=8), restored_at=None,
        announced_at=tomorrow - timedelta(days=8), state=OutageState.ANNOUNCED,
    ))
    if len(picks) > 1:
        later = hour + timedelta(days=2)
        rows.append(OutageRow(
            code=f"LS{later:%Y%m%d}90003", kind=OutageKind.TEMPORARY, device=picks[1].key,
            cause="临时检修：处理线路发热缺陷", starts_at=later,
            expected_restoration_at=later + timedelta(hours=3), restored_at=None,
            announced_at=now - timedelta(hours=1), state=OutageState.ANNOUNCED,
        ))
    if len(picks) > 2:
        week = hour + timedelta(days=8)
        rows.append(OutageRow(
            code=f"JH{week:%Y%m%d}90004", kind=OutageKind.PLANNED, device=picks[2].key,
            cause="计划检修：配网改造工程接火", starts_at=week,
            expected_restoration_at=week + timedelta(hours=9), restored_at=None,
            announced_at=now - timedelta(hours=2), state=OutageState.ANNOUNCED,
        ))
    return rows
