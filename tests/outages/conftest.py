"""A feeder with two switches and six transformers of ten customers each, a crew per station."""

import pytest

from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from griddesk.orgs.models import Crew
from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)


@pytest.fixture
def grid(province, people):  # noqa: F811
    station = province["station"]
    feeder = Device.objects.create(device_id="F9", kind="feeder", parent=province["sub"], name="10kV东风线",
                                   zone="urban", org=station)
    switches, transformers, customers = [], {}, {}
    for s in (1, 2):
        switch = Device.objects.create(device_id=f"S9{s}", kind="switch", parent=feeder, name=f"东风线{s}号开关",
                                       zone="urban", org=station)
        switches.append(switch)
        for t in "ABC":
            code = f"{t}{s}"
            tx = Device.objects.create(device_id=f"T9{code}", kind="transformer", parent=switch,
                                       name=f"东风{code}台区", zone="urban", org=station)
            transformers[code] = tx
            customers[code] = [
                Customer.objects.create(account_no=f"77{s}{'ABC'.index(t)}{n:04d}", name=f"客户{code}{n}",
                                        phone=f"1390{s}{'ABC'.index(t)}{n:05d}", address=f"东风路{code}-{n}号",
                                        transformer=tx, supply_voltage="220V", zone="urban", org=station)
                for n in range(10)
            ]
    crew = Crew.objects.create(code="C9", name="东风抢修班", org=station)
    feeder.crew = crew
    feeder.save()
    return {"feeder": feeder, "switches": switches, "transformers": transformers, "customers": customers,
            "crew": crew}
