"""How big the demo province is for a given number of customers, and how counts are shared out."""

import math

CUSTOMERS_PER_TRANSFORMER = 125  # a typical 台区 (100-150 households)
MIN_TRANSFORMERS = 3000  # a realistic network even for a small customer base
MIN_CUSTOMERS_PER_TRANSFORMER = 8
ORDER_RATE = 0.02  # about one work order per 50 customers over the history
HISTORY_DAYS = 90


def transformers_for(customers):
    """Number of transformers (台区).

    125 customers each once the province is large (≥ 375,000 customers); below that
    the network stays at a few thousand 台区 (at least 8 customers each), so a
    small demo still has a network worth analysing outages on.
    """
    if customers <= 0:
        return 0
    by_density = math.ceil(customers / CUSTOMERS_PER_TRANSFORMER)
    floor = min(MIN_TRANSFORMERS, math.ceil(customers / MIN_CUSTOMERS_PER_TRANSFORMER))
    return max(by_density, floor)


def orders_for(customers, rate=ORDER_RATE):
    return round(customers * rate)


BACKLOG_PER_ORDER = 0.9  # open orders at `now` per order of the history: several hundred for 20,000 customers


def backlog_for(orders):
    """Orders still being worked on at `now` (demo.history.plan_backlog), beside the history's."""
    return round(orders * BACKLOG_PER_ORDER)


def apportion(total, weights, minimum=0):
    """Split `total` into integers proportional to `weights` (largest remainder), each ≥ `minimum`.

    The parts always add up to `total`; ties go to the earlier weight, so the
    split is deterministic. `minimum` is lowered as far as needed when the
    total cannot give every part that much.
    """
    n = len(weights)
    if n == 0:
        if total:
            raise ValueError("cannot split a non-zero total into no parts")
        return []
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("total and weights must not be negative")
    minimum = min(minimum, total // n)
    rest = total - minimum * n
    # Integer arithmetic: float shares can round a part up past its due and break the sum.
    scaled = [w if isinstance(w, int) else round(w * 1_000_000) for w in weights]
    weight_sum = sum(scaled)
    if weight_sum == 0:
        scaled, weight_sum = [1] * n, n
    parts = [rest * w // weight_sum for w in scaled]
    remainders = [rest * w % weight_sum for w in scaled]
    short = rest - sum(parts)
    for i in sorted(range(n), key=lambda i: (-remainders[i], i))[:short]:
        parts[i] += 1
    return [p + minimum for p in parts]
