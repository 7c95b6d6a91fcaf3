"""Outage events of the demo province (停电事件), deterministic for a seed.

- every burst of repair calls in the history (`history.Fault`) was a fault on its 台区:
  a fault outage from a few minutes before the first call, restored one to four hours later;
- and, so that the caller page shows rule C-9 at work today, a few outages around now:
  a feeder fault in progress, a planned maintenance in progress, a temporary repair
  announced for tomorrow (Q-3: 24 hours ahead) and a planned outage announced for next week
  (Q-3: 7 days ahead).
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from griddesk.grid.models import DeviceKind
from griddesk.outages.models import OutageKind, OutageState

FAULT_CAUSES = (
    "台区低压线路断线", "配变跌落式熔断器熔断", "大风导致导线搭接短路", "树障碰线跳闸",
    "低压电缆头击穿", "配变低压侧总开关故障", "小动物触碰引起短路",
)


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


def plan_outages(seed, network, faults, *, start, now):
    rng = random.Random(f"{seed}:outages")
    rows = []
    for n, fault in enumerate(faults, start=1):
        device = network.transformers[fault.transformer].key
        begins = start + timedelta(seconds=fault.t) - timedelta(minutes=rng.randint(3, 20))
        restored = begins + timedelta(minutes=rng.randint(60, 240))
        done = restored <= now
        rows.append(OutageRow(
            code=f"GZ{begins:%Y%m%d}{n:05d}", kind=OutageKind.FAULT, device=device,
            cause=rng.choice(FAULT_CAUSES), starts_at=begins, expected_restoration_at=restored,
            restored_at=restored if done else None, announced_at=begins + timedelta(minutes=10),
            state=OutageState.RESTORED if done else OutageState.ACTIVE,
        ))
    return rows + _around_now(rng, network, now)


def _around_now(rng, network, now):
    feeders = [d for d in network.devices if d.kind == DeviceKind.FEEDER]
    switches = [d for d in network.devices if d.kind == DeviceKind.SWITCH]
    if not feeders:
        return []
    hour = now.replace(minute=0, second=0, microsecond=0)
    picks = rng.sample(feeders, min(3, len(feeders)))
    rows = [OutageRow(
        code=f"GZ{now:%Y%m%d}90001", kind=OutageKind.FAULT, device=picks[0].key,
        cause="10kV线路遭外力破坏（施工挖断电缆），正在全力抢修", starts_at=now - timedelta(minutes=35),
        expected_restoration_at=hour + timedelta(hours=3), restored_at=None,
        announced_at=now - timedelta(minutes=25), state=OutageState.ACTIVE,
    )]
    maintained = rng.choice(switches) if switches else picks[-1]
    rows.append(OutageRow(
        code=f"JH{now:%Y%m%d}90002", kind=OutageKind.PLANNED, device=maintained.key,
        cause="计划检修：更换柱上开关及线路消缺", starts_at=hour - timedelta(hours=2),
        expected_restoration_at=hour + timedelta(hours=4), restored_at=None,
        announced_at=hour - timedelta(days=8), state=OutageState.ACTIVE,
    ))
    if len(picks) > 1:
        tomorrow = hour + timedelta(days=1)
        rows.append(OutageRow(
            code=f"LS{tomorrow:%Y%m%d}90003", kind=OutageKind.TEMPORARY, device=picks[1].key,
            cause="临时检修：处理线路发热缺陷", starts_at=tomorrow,
            expected_restoration_at=tomorrow + timedelta(hours=3), restored_at=None,
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
