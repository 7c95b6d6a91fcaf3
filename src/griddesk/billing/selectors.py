"""Reads of bills (电费账单) for the public bills page (rules B-1, B-2) and the console."""

from dataclasses import dataclass

from griddesk.billing.models import Bill, PayChannel
from griddesk.customers.models import Customer

MONTHS_SHOWN = 24


@dataclass(frozen=True)
class Bar:
    """One month's bar of the consumption chart (drawn on the server as SVG: no script, no CDN)."""

    bill: Bill
    x: int
    y: int
    height: int


def account_of(account_no):
    """The customer of an account number (its pk and number only), or None. One query."""
    return Customer.objects.filter(account_no=account_no).only("pk", "account_no").first()


def bills_of(customer, *, months=MONTHS_SHOWN):
    """The account's latest `months` bills, newest first, each with its channel. One query."""
    return list(Bill.objects.filter(customer=customer).select_related("pay_channel").order_by("-month")[:months])


def pay_channels():
    """The ways to pay offered to the public (rule B-2), in the administrator's order. One query."""
    return list(PayChannel.objects.filter(active=True).order_by("sort", "code"))


CHART_HEIGHT, BAR_WIDTH, BAR_GAP = 120, 18, 6


def consumption_bars(bills):
    """The bars of the consumption chart, oldest month on the left, scaled to the largest month."""
    ordered = sorted(bills, key=lambda bill: bill.month)
    top = max((bill.kwh for bill in ordered), default=0) or 1
    bars = []
    for index, bill in enumerate(ordered):
        height = max(1, round(bill.kwh * CHART_HEIGHT / top)) if bill.kwh else 0
        bars.append(Bar(bill, index * (BAR_WIDTH + BAR_GAP), CHART_HEIGHT - height, height))
    return bars


def bills_summary(bills):
    """What the page says on top: the amount owing and how many bills are unpaid or estimated."""
    owing = [bill for bill in bills if bill.paid_at is None]
    return {"owing_total": sum((bill.amount for bill in owing), start=0), "owing_count": len(owing),
            "estimated_count": sum(1 for bill in bills if bill.estimated)}
