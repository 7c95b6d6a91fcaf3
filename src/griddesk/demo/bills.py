"""The demo's electricity bills (电费账单), rules B-1 and B-2: the last `MONTHS` full months of every
demo customer up to `BILLED_CUSTOMERS_MAX`, drawn from the seed (the same seed, the same bills).

Consumption follows the supply voltage and the season; about 4% of readings are estimated (估抄, B-1);
the latest month is unpaid for about a fifth of the accounts and older months for a few; paid bills
name one of the seeded payment channels (B-2)."""

import random
from datetime import UTC, date, datetime, time, timedelta
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
    a list of (pk, supply voltage). Built for 240,000 rows a 20,000-customer demo: the payment times
    of each month are made once, amounts are computed in cents and written as text (the column's
    decimal), one random draw per bill decides its variation, estimate and payment."""
    rng = random.Random(f"bills:{seed}")
    zone = ZoneInfo(settings.TIME_ZONE)
    months = bill_months(now)
    seasons = [SEASON[first.month - 1] for first in months]
    paid_times = []  # per month: 20 days x 4 quarter-hours after the 1st of the next month, 10:00 local
    for first in months:
        due = (first + timedelta(days=32)).replace(day=1)
        paid_times.append([datetime.combine(due + timedelta(days=slot // 4), time(10, 15 * (slot % 4)),
                                            tzinfo=zone).astimezone(UTC) for slot in range(80)])
    channel_ids = [channels[code] for code in sorted(channels)] or [None]
    others = len(channel_ids)
    for pk, voltage in customers:
        low, high, price = USAGE.get(voltage, USAGE["220V"])
        base, cents = rng.uniform(low, high), round(Decimal(price) * 10000)  # price in 1/100 cent
        channel = rng.choice(channel_ids)  # most pay the same way every month
        owing_from = len(months) - (1 if rng.random() < 0.2 else 0) - (1 if rng.random() < 0.03 else 0)
        for index, first in enumerate(months):
            draw = rng.random()
            kwh = round(base * seasons[index] * (0.85 + 0.3 * draw))
            amount = (kwh * cents + 50) // 100
            paid_at = paid_times[index][int(draw * 7919) % 80] if index < owing_from else None
            pay = None
            if paid_at is not None:
                pay = channel if (draw * 997) % 1 < 0.9 else channel_ids[int(draw * 104729) % others]
            yield (pk, first, kwh, f"{amount // 100}.{amount % 100:02d}", (draw * 7907) % 1 < 0.04, paid_at, pay)
