"""Item 4 of issue 10: announced planned / temporary outages of the coming days on the caller page of
every customer below the device (rules C-9, Q-3)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from griddesk.customers.lookup import caller_card, customer_for_caller
from griddesk.outages.models import OutageEvent


def _planned(device, code="PLAN-1", days=1, state="announced", kind="planned"):
    start = timezone.now() + timedelta(days=days)
    return OutageEvent.objects.create(code=code, kind=kind, device=device, org=device.org, cause="线路检修",
                                      area="东风路", starts_at=start, state=state,
                                      expected_restoration_at=start + timedelta(hours=6))


def test_tomorrows_maintenance_shows_on_the_caller_page_below_the_device(client, people, grid):
    _planned(grid["switches"][0])
    _planned(grid["switches"][0], code="PLAN-LATER", days=9)  # beyond the 7 days
    _planned(grid["switches"][0], code="PLAN-DRAFT", state="predicted")  # not announced
    client.force_login(people["agent"])
    below = client.get(reverse("console:caller", args=[grid["customers"]["B1"][3].account_no])).content.decode()
    assert 'id="upcoming-outages"' in below and 'data-outage="PLAN-1"' in below and "线路检修" in below
    assert "PLAN-LATER" not in below and "PLAN-DRAFT" not in below
    elsewhere = client.get(reverse("console:caller", args=[grid["customers"]["A2"][0].account_no])).content.decode()
    assert 'id="upcoming-outages"' not in elsewhere


def test_the_card_keeps_its_query_count_with_upcoming_outages(people, grid, django_assert_num_queries):
    _planned(grid["feeder"], kind="temporary")
    customer = customer_for_caller(account_no=grid["customers"]["C2"][0].account_no, user=people["agent"])
    with django_assert_num_queries(2):  # the path with its outages (and the announced ones), the orders
        card = caller_card(customer=customer, user=people["agent"])
    assert [o.code for o in card.upcoming] == ["PLAN-1"] and card.outages == []
