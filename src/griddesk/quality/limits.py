"""Voltage deviation limits (电压偏差限值) by supply voltage: rules V-1 to V-5, in one function.

`deviation_limits(supply_voltage)` gives the allowed band as percentages of nominal;
`classify(volts, limits)` says whether a reading lies above it, below it or within it. Both are
exact (Decimal): a reading exactly on a limit is within it.

- V-1, 35 kV and above: the absolute positive and negative deviations together at most 10% of
  nominal. GridDesk splits the 10% evenly, +5% / −5% (the sum of the two limits is 10%).
- V-2, 10 kV and below, three-phase (10 kV, 380 V): ±7%.
- V-3, 220 V single-phase: +7% / −10%.
- V-4, abnormal system conditions: ±10%, whatever the supply voltage.
- V-5, a customer whose power factor misses the required value is exempt: no limits (None).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from griddesk.customers.models import SupplyVoltage

NOMINAL_VOLTS = {
    SupplyVoltage.V220: Decimal(220),
    SupplyVoltage.V380: Decimal(380),
    SupplyVoltage.KV10: Decimal(10_000),
    SupplyVoltage.KV35: Decimal(35_000),
    SupplyVoltage.KV110: Decimal(110_000),
}


@dataclass(frozen=True)
class Limits:
    """The allowed band: from nominal × (1 − lower_percent/100) to nominal × (1 + upper_percent/100)."""

    rule: str
    nominal: Decimal
    upper_percent: Decimal
    lower_percent: Decimal

    @property
    def upper_volts(self):
        return self.nominal * (100 + self.upper_percent) / 100

    @property
    def lower_volts(self):
        return self.nominal * (100 - self.lower_percent) / 100


def deviation_limits(supply_voltage, *, abnormal=False, exempt=False):
    """The limits a point supplied at `supply_voltage` ("220V", "10kV", …) is held to; None when
    exempt (rule V-5). Raises ValueError for a supply voltage GridDesk does not know."""
    if supply_voltage not in NOMINAL_VOLTS:
        raise ValueError(f"unknown supply voltage {supply_voltage!r}")
    nominal = NOMINAL_VOLTS[supply_voltage]
    if exempt:
        return None  # rule V-5
    if abnormal:
        return Limits("V-4", nominal, Decimal(10), Decimal(10))
    if supply_voltage in (SupplyVoltage.KV35, SupplyVoltage.KV110):
        return Limits("V-1", nominal, Decimal(5), Decimal(5))
    if supply_voltage == SupplyVoltage.V220:
        return Limits("V-3", nominal, Decimal(7), Decimal(10))
    return Limits("V-2", nominal, Decimal(7), Decimal(7))


OVER, UNDER = "over", "under"


def classify(volts, limits):
    """OVER when `volts` is above the upper limit, UNDER when below the lower one, None within
    (a limit itself is within) or when there are no limits (an exempt point)."""
    if limits is None:
        return None
    volts = volts if isinstance(volts, Decimal) else Decimal(str(volts))
    if volts * 100 > limits.nominal * (100 + limits.upper_percent):
        return OVER
    if volts * 100 < limits.nominal * (100 - limits.lower_percent):
        return UNDER
    return None


def parse_volts(text):
    """A reading's volts as a Decimal, or None when the text is not a finite positive number."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0:
        return None
    return value
