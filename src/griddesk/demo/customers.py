"""The demo customers (用电客户), streamed one row at a time: a million never sit in memory.

Customers are laid out transformer by transformer, so the customers of one
台区 have consecutive indexes: `CustomerLayout` finds a customer's transformer
from its index alone, which lets the order history refer to customers before
any of them is generated.
"""

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import NamedTuple

from griddesk.customers.models import SupplyVoltage
from griddesk.demo import names, people
from griddesk.demo.people import below, between, pick
from griddesk.demo.sizes import apportion


class CustomerRow(NamedTuple):  # a tuple: a million of them are built, frozen dataclasses are slower
    index: int
    account_no: str
    name: str
    phone: str
    address: str
    transformer: int  # device key
    supply_voltage: str
    zone: str
    important: bool
    sensitive: bool
    org: int  # the supply station's key
    created_at: datetime
    contact: tuple | None  # (name, phone, relation)


@dataclass(frozen=True, slots=True)
class CustomerLayout:
    counts: list  # customers of each transformer, aligned with Network.transformers
    starts: list  # index of each transformer's first customer

    @property
    def total(self):
        return self.starts[-1] + self.counts[-1] if self.counts else 0

    def transformer_position(self, index):
        """Position in Network.transformers of the transformer supplying customer `index`."""
        return bisect_right(self.starts, index) - 1


def layout_customers(seed, network, customers):
    """How many customers each transformer supplies (by its weight; at least one while they last)."""
    rng = random.Random(f"{seed}:layout")
    weights = [t.weight * rng.uniform(0.8, 1.2) for t in network.transformers]
    counts = apportion(customers, weights, minimum=1)
    starts = [0, *accumulate(counts)][:-1]
    return CustomerLayout(counts, starts)


# Supply voltage of the customers who are not important: (upper bound of the roll, voltage).
VOLTAGE_ROLLS = (
    (0.880, SupplyVoltage.V220), (0.975, SupplyVoltage.V380), (0.9970, SupplyVoltage.KV10),
    (0.9995, SupplyVoltage.KV35), (1.0, SupplyVoltage.KV110),
)
VOLTAGE_BOUNDS = [bound for bound, _v in VOLTAGE_ROLLS]
VOLTAGES = [v for _bound, v in VOLTAGE_ROLLS]
IMPORTANT_SHARE = 0.005
SENSITIVE_SHARE = 0.003
REGISTERED_FROM = datetime(2005, 1, 1, 1, 0, tzinfo=UTC)  # 建档时间 spread over 18 years from here
REGISTERED_SPAN_DAYS = 18 * 365


def customer_rows(seed, province, network, layout):
    """Every customer, in index order. Same seed, same network, same layout: the same rows."""
    rng = random.Random(f"{seed}:customers")
    offset = random.Random(f"{seed}:accounts").randrange(people.ACCOUNT_SPACE)
    stations = {s.key: s for s in province.stations}
    counties = {c.key: c for c in province.counties}
    cities = {c.key: c for c in province.cities}
    index = 0
    important_names = set()  # about 0.5% of the customers: small enough to keep
    for transformer, count in zip(network.transformers, layout.counts, strict=True):
        station = stations[transformer.station]
        place = _Place(transformer, station, counties[station.county], cities[station.city])
        for _ in range(count):
            yield _customer(rng, index, place, offset, important_names)
            index += 1


@dataclass(frozen=True, slots=True)
class _Place:
    transformer: object
    station: object
    county: object
    city: object


def _customer(rng, index, place, offset, important_names):
    t, city = place.transformer, place.city
    important = rng.random() < IMPORTANT_SHARE
    if important:
        (name, voltage), business = _important(rng, place), True
        name = _distinct(name, place.transformer.place, important_names)
    else:
        voltage = VOLTAGES[bisect_right(VOLTAGE_BOUNDS, rng.random())]
        name, business = _name_for(rng, voltage, place)
    if business:
        phone = people.landline(rng, city.area_code) if rng.random() < 0.6 else people.mobile(rng)
    else:
        landline_share = 0.25 if t.place_kind == "village" else 0.12
        phone = people.landline(rng, city.area_code) if rng.random() < landline_share else people.mobile(rng)
    contact = None
    if rng.random() < (0.5 if business else 0.08):
        relations = names.BUSINESS_RELATIONS if business else names.RESIDENT_RELATIONS
        contact = (people.person_name(rng), people.mobile(rng), pick(rng, relations))
    sensitive = not important and rng.random() < SENSITIVE_SHARE
    registered = REGISTERED_FROM + timedelta(seconds=below(rng, REGISTERED_SPAN_DAYS) * 86400
                                             + below(rng, 8 * 3600))
    address = _address(rng, t, business, important)
    return CustomerRow(
        index, people.account_no(index, city.digit, offset), name, phone, address,
        t.key, voltage, t.zone, important, sensitive, t.station, registered, contact,
    )


def _important(rng, place):
    """(name, voltage) of a hospital, water works, government office… where the customer is.

    City institutions sit in the city district, county ones in the county town,
    and the town's own (health centre, water plant) in the villages.
    """
    roll = rng.random()
    if place.county.district:
        template = pick(rng, names.IMPORTANT_CITY)
        voltage = SupplyVoltage.KV10 if roll < 0.8 else SupplyVoltage.KV35
    elif place.station.town == "城关":
        template = pick(rng, names.IMPORTANT_COUNTY)
        voltage = SupplyVoltage.KV10
    else:
        template = pick(rng, names.IMPORTANT_TOWN)
        voltage = SupplyVoltage.V380 if roll < 0.6 else SupplyVoltage.KV10
    name = template.format(city=place.city.name, county=place.county.name.removesuffix("县"),
                           town=place.station.town)
    return name, voltage


def _distinct(name, place, used):
    """A second supply point of the same institution is its own account, named after the place."""
    candidate, k = name, 1
    while candidate in used:
        k += 1
        candidate = f"{name}（{place}）" if k == 2 else f"{name}（{place}{k - 1}号户）"
    used.add(candidate)
    return candidate


def _name_for(rng, voltage, place):
    """(account name, is it a business?) for a customer who is not an important one."""
    if voltage == SupplyVoltage.V220:
        return people.person_name(rng), False
    if voltage == SupplyVoltage.V380:
        roll = rng.random()
        if roll < 0.4:
            return people.person_name(rng), False  # a farmer's pump, a family workshop
        if place.transformer.place_kind == "village" and roll < 0.75:
            return place.transformer.place + pick(rng, names.FARMS), True
        if roll < 0.85:
            return f"{people.surname(rng)}记{pick(rng, names.SHOPS)}", True
        return pick(rng, names.COMPANY_WORDS) + pick(rng, names.SHOPS), True
    seat = f"{place.city.name}市" if place.county.district else place.county.name
    word = pick(rng, names.COMPANY_WORDS)
    if voltage == SupplyVoltage.KV110:
        return f"{place.city.name}{word}{pick(rng, names.LARGE_PLANTS)}", True
    return f"{seat}{word}{pick(rng, names.INDUSTRIES)}{pick(rng, names.COMPANY_FORMS)}", True


def _address(rng, t, business, important):
    """An address at the transformer's place.

    E.g. 青州市东城区幸福小区5栋2单元301, 临河县东关镇东关村3组15号.
    """
    if t.place_kind == "village":
        return f"{t.address_prefix}{t.place}{between(rng, 1, 12)}组{between(rng, 1, 80)}号"
    if t.place_kind == "compound":
        if important:
            return f"{t.address_prefix}{t.place}旁{between(rng, 1, 99)}号"  # its own site, not a shop
        building = between(rng, 1, 30)
        if business:
            return f"{t.address_prefix}{t.place}{building}栋{between(rng, 1, 20)}号商铺"
        return (f"{t.address_prefix}{t.place}{building}栋{between(rng, 1, 4)}单元"
                f"{between(rng, 1, 18)}{between(rng, 1, 4):02d}")
    number = between(rng, 1, 300)
    if business or rng.random() < 0.3:
        return f"{t.address_prefix}{t.place}{number}号"
    unit, floor, room = between(rng, 1, 6), between(rng, 1, 7), between(rng, 1, 2)
    return f"{t.address_prefix}{t.place}{number}号{unit}单元{floor}{room:02d}"
