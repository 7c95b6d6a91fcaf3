"""The demo's electricity bills (电费账单), rules B-1 and B-2: the last `MONTHS` full months of every
demo customer up to `BILLED_CUSTOMERS_MAX`, drawn from the seed (the same seed, the same bills).

Consumption follows the supply voltage and the season; about 4% of readings are estimated (估抄, B-1);
the latest month is unpaid for about a fifth of the accounts and older months for a few; paid bills
name one of the seeded payment channels (B-2)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

MONTHS = 12
BILLED_CUSTOMERS_MAX = 50_000
# kWh a month (low, high) and yuan per kWh by supply voltage
USAGE = {"220V": (60, 420, "0.5653"), "380V": (300, 2400, "0.7420"), "10kV": (15_000, 160_000, "0.6630"),
         "35kV": (120_000, 900_000, "0.6410"), "110kV": (600_000, 3_000_000, "0.6150")}
SEASON = (1.25, 1.15, 0.95, 0.85, 0.9, 1.1, 1.35, 1.4, 1.1, 0.9, 0.95, 1.15)  # Jan..Dec
CENT = Decimal("0.01")


def bill_months(now, months=MONTHS):
    """The first days of the last `months` full months before `now` (local), oldest first."""
    today = timezone.localtime(now).date()
    year, month = today.year, today.month
    firsts = []
    for _i in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        firsts.append(date(year, month, 1))
    return firsts[::-1]


def bill_rows(seed, customers, *, now, channels):
    """Rows (customer_id, month, kwh, amount, estimated, paid_at, pay_channel_id) for `customers`,
    a list of (pk, supply voltage)."""
    rng = random.Random(f"bills:{seed}")
    zone = ZoneInfo(settings.TIME_ZONE)
    months = bill_months(now)
    channel_ids = [channels[code] for code in sorted(channels)] or [None]
    for pk, voltage in customers:
        low, high, price = USAGE.get(voltage, USAGE["220V"])
        base, price = rng.uniform(low, high), Decimal(price)
        channel = rng.choice(channel_ids)  # most pay the same way every month
        owing_from = len(months) - (1 if rng.random() < 0.2 else 0) - (1 if rng.random() < 0.03 else 0)
        for index, first in enumerate(months):
            kwh = max(0, round(base * SEASON[first.month - 1] * rng.uniform(0.85, 1.15)))
            amount = (Decimal(kwh) * price).quantize(CENT)
            paid_at = None
            if index < owing_from:
                due = (first + timedelta(days=32)).replace(day=1)
                paid_at = datetime.combine(due + timedelta(days=rng.randint(0, 19)), time(10, rng.randint(0, 59)),
                                           tzinfo=zone)
            yield (pk, first, kwh, amount, rng.random() < 0.04, paid_at,
                   (channel if rng.random() < 0.9 else rng.choice(channel_ids)) if paid_at else None)
