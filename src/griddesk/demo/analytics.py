"""The demo's year of hotline call-detail records (rule C-4) and hall counter tickets (rule H-5).

Deterministic from the seed, on their own random streams (the rest of the province is unchanged):
one business hall (营业厅) per county; calls offered through the day (busiest mid-morning and early
afternoon), answered by the 95598 centre's agents mostly within 4 rings, a few percent abandoned;
counter tickets of resident payment (mostly under 5 minutes) and other business (mostly under 20).
Volume grows with the province and is capped (bench/RESULTS.md, demo build times).
"""

import random
from dataclasses import dataclass
from datetime import timedelta

YEAR_DAYS = 365
# calls offered in each local hour, relative (0..23)
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 9, 12, 14, 13, 11, 9, 8, 7, 5, 4, 2, 1]
ABANDON = 0.05
TICKETS_PER_HALL_DAY = 6


def calls_per_day(customers):
    return min(1500, max(30, customers // 500))


@dataclass(frozen=True, slots=True)
class CallRow:
    call_id: str
    phone: str
    agent_no: str
    agent_key: int | None
    offered_at: object
    answered_at: object
    ended_at: object
    wait_seconds: int


def plan_calls(seed, *, agents, start, days, customers):
    """Call rows for `days` days from `start` (local midnight); `agents`: [(staff key, agent_no)]."""
    rng = random.Random(f"{seed}:cti")
    per_day = calls_per_day(customers)
    hours = list(range(24))
    number = 0
    for day in range(days):
        midnight = start + timedelta(days=day)
        busy = 1.3 if midnight.weekday() == 0 else 1.0  # Mondays are busier
        for hour in rng.choices(hours, weights=HOURLY, k=int(per_day * busy)):
            number += 1
            offered = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
            phone = f"13{rng.randrange(10**9):09d}"
            wait = int(rng.expovariate(1 / (14 if 9 <= hour <= 15 else 7)))
            if rng.random() < ABANDON:
                yield CallRow(f"CTI{number:09d}", phone, "", None, offered, None,
                              offered + timedelta(seconds=wait + 5), wait + 5)
                continue
            key, agent_no = rng.choice(agents)
            answered = offered + timedelta(seconds=wait)
            yield CallRow(f"CTI{number:09d}", phone, agent_no, key, offered, answered,
                          answered + timedelta(seconds=60 + int(rng.expovariate(1 / 180))), wait)


def plan_tickets(seed, *, halls, start, days):
    """(ticket_id, hall index, business, called_at, finished_at, seconds) for working hours of each day."""
    rng = random.Random(f"{seed}:counter")
    number = 0
    for day in range(days):
        midnight = start + timedelta(days=day)
        if midnight.weekday() == 6:
            continue  # halls close on Sundays
        for hall in range(halls):
            for _ in range(TICKETS_PER_HALL_DAY + rng.randrange(-2, 3)):
                number += 1
                payment = rng.random() < 0.6
                called = midnight + timedelta(hours=9, seconds=rng.randrange(8 * 3600))
                mean = 150 if payment else 600
                seconds = 30 + int(rng.expovariate(1 / mean))
                yield (f"Q{number:09d}", hall, "payment" if payment else rng.choice(["new_install", "name_change",
                                                                                  "capacity", "meter_check"]),
                       called, called + timedelta(seconds=seconds), seconds)
