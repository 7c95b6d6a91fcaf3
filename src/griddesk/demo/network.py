"""The demo network (电网拓扑): substation > feeder > switch > fuse > transformer (台区), as rows.

Pure, like `province`: devices refer to their parent by key and are listed
parents first, so the builder can give each its materialised path in one pass.
"""

import math
import random
from dataclasses import dataclass

from griddesk.demo import names
from griddesk.demo.sizes import apportion
from griddesk.grid.models import DeviceKind, Zone


@dataclass(frozen=True, slots=True)
class DeviceRow:
    key: int
    parent: int | None
    device_id: str
    kind: str
    name: str
    zone: str
    org: int
    crew: int | None = None


@dataclass(frozen=True, slots=True)
class Transformer:
    """A 台区 and the place its customers live at."""

    key: int  # its DeviceRow key
    station: int
    zone: str
    place: str  # 幸福小区, 建设路, 东关村
    place_kind: str  # compound, street, village
    address_prefix: str  # 青州市东城区, 临河县东关镇
    weight: float  # its share of the customers


@dataclass(frozen=True, slots=True)
class Network:
    devices: list
    transformers: list


STATION_WEIGHT = {"district": 1.5, Zone.URBAN: 1.2, Zone.RURAL: 1.5, Zone.REMOTE: 0.8}
PLACE_WEIGHT = {"compound": (1.0, 1.6), "street": (0.7, 1.2), Zone.RURAL: (0.7, 1.2), Zone.REMOTE: (0.4, 0.8)}


def plan_network(seed, province, staffing, *, transformers):
    """Substations per county, feeders per station, switches and fuses, and `transformers` 台区."""
    rng = random.Random(f"{seed}:network")
    orgs = {row.key: row for row in province.orgs}
    counties = {c.key: c for c in province.counties}
    cities = {c.key: c for c in province.cities}
    weights = [
        STATION_WEIGHT["district"] if counties[s.county].district else STATION_WEIGHT[s.zone]
        for s in province.stations
    ]
    per_station = dict(zip((s.key for s in province.stations),
                           apportion(transformers, weights, minimum=1), strict=True))
    builder = _Builder(rng)
    for county in province.counties:
        stations = [s for s in province.stations if s.county == county.key]
        city = cities[county.city]
        subs = _substations(builder, county, stations, city, orgs[county.key].code)
        feeder_words = iter(rng.sample(names.FEEDER_WORDS, len(names.FEEDER_WORDS)))
        for station in stations:
            crew = staffing.crews_of_station[station.key][0]
            _station_network(builder, station, county, subs[station.key], feeder_words,
                             per_station[station.key], orgs[station.key].code, orgs[county.key].code, crew)
    return Network(builder.devices, builder.transformers)


class _Builder:
    def __init__(self, rng):
        self.rng = rng
        self.devices = []
        self.transformers = []
        self.feeders_in_county = {}

    def add(self, parent, device_id, kind, name, zone, org, crew=None):
        row = DeviceRow(len(self.devices), parent, device_id, kind, name, zone, org, crew)
        self.devices.append(row)
        return row.key


def _substations(builder, county, stations, city, county_code):
    """The substation feeding each station: a 110kV one per county, 35kV ones for some towns.

    Every county gets at least two: its first village station always has its own 35kV one.
    """
    rng = builder.rng
    directions = rng.sample(names.SUBSTATION_DIRECTIONS, len(names.SUBSTATION_DIRECTIONS))
    short = county.name.removesuffix("县")
    main_name = f"110kV{city.name}{directions[0]}变" if county.district else f"110kV{short}变"
    main = builder.add(None, f"{county_code}S01", DeviceKind.SUBSTATION, main_name, Zone.URBAN, county.key)
    feeding, number = {}, 1
    second = None
    for station in stations:
        if county.district:
            if second is None and len(stations) >= 2:
                number += 1
                second = builder.add(None, f"{county_code}S{number:02d}", DeviceKind.SUBSTATION,
                                     f"110kV{city.name}{directions[1]}变", Zone.URBAN, county.key)
            feeding[station.key] = second if second is not None and station.key % 2 else main
        elif station.settlement == "village" and (number == 1 or rng.random() < 0.6):  # ≥ 2 per county
            number += 1
            feeding[station.key] = builder.add(None, f"{county_code}S{number:02d}", DeviceKind.SUBSTATION,
                                               f"35kV{station.town}变", station.zone, county.key)
        else:
            feeding[station.key] = main
    return feeding


def _station_network(builder, station, county, substation, feeder_words, count, station_code,
                     county_code, crew):
    rng = builder.rng
    places = _Places(rng, station)
    n_feeders = max(1, min(12, math.ceil(count / 25)))
    for f, share in enumerate(apportion(count, [1] * n_feeders), 0):
        number = builder.feeders_in_county.get(county.key, 0) + 1
        builder.feeders_in_county[county.key] = number
        if station.settlement == "urban":
            word = next(feeder_words, None) or f"{station.town}{names.ROMAN[f % len(names.ROMAN)]}"
            line = f"{word}线"
        else:
            line = f"{station.town}{names.ROMAN[f % len(names.ROMAN)]}线"
        feeder_id = f"{county_code}F{number:03d}"
        feeder = builder.add(substation, feeder_id, DeviceKind.FEEDER, f"10kV{line}", station.zone,
                             county.key)
        switches = [
            builder.add(feeder, f"{feeder_id}K{k}", DeviceKind.SWITCH, f"{line}{k}号分段开关", station.zone,
                        station.key)
            for k in range(1, min(4, 1 + share // 12) + 1)
        ]
        fuses = []
        if station.settlement == "village":
            for m, switch in enumerate(switches * 2, 1):
                if m > len(switches) and rng.random() < 0.5:
                    continue
                fuses.append(builder.add(switch, f"{feeder_id}R{m}", DeviceKind.FUSE,
                                         f"{line}{m}号支线熔断器", station.zone, station.key))
        for _ in range(share):
            parent = _transformer_parent(rng, feeder, switches, fuses)
            place, kind, n = places.next()
            key = builder.add(parent, f"{station_code}T{places.count:04d}", DeviceKind.TRANSFORMER,
                              f"{place}{n}号台区", station.zone, station.key, crew)
            low, high = PLACE_WEIGHT[kind if kind != "village" else station.zone]
            builder.transformers.append(Transformer(key, station.key, station.zone, place, kind,
                                                    station.address_prefix, rng.uniform(low, high)))


def _transformer_parent(rng, feeder, switches, fuses):
    roll = rng.random()
    if fuses and roll < 0.6:
        return rng.choice(fuses)
    if roll < 0.85:
        return rng.choice(switches)
    return feeder


class _Places:
    """Hands out the place of each next transformer: a compound or street in town, a village outside.

    A place gets one to four transformers, numbered 1号台区, 2号台区, …
    """

    def __init__(self, rng, station):
        self.rng = rng
        self.station = station
        self.count = 0  # transformers of the station so far
        self.used = set()
        self.current, self.kind, self.left, self.n = None, None, 0, 0

    def next(self):
        if self.left == 0:
            self.current, self.kind = self._new_place()
            self.left, self.n = self.rng.randint(1, 4 if self.kind != "village" else 3), 0
        self.left -= 1
        self.n += 1
        self.count += 1
        return self.current, self.kind, self.n

    def _new_place(self):
        rng = self.rng
        urban = self.station.settlement == "urban"
        for _ in range(20):
            if urban:
                kind = "compound" if rng.random() < 0.6 else "street"
                name = rng.choice(names.COMPOUNDS if kind == "compound" else names.STREETS)
            else:
                kind = "village"
                name = f"{self.station.town}村" if not self.used else _village(rng)
            if name not in self.used:
                self.used.add(name)
                return name, kind
        # A big station has used up the common names: new phases of compounds, new village groups.
        kind = "compound" if urban else "village"
        for phase in range(2, 10_000):
            for base in (names.COMPOUNDS if urban else [f"{self.station.town}村"]):
                name = f"{base}{phase}期" if urban else f"{base}{phase}片"
                if name not in self.used:
                    self.used.add(name)
                    return name, kind
        raise AssertionError("no free place name")  # unreachable for any realistic size


def _village(rng):
    tail = rng.choice(names.VILLAGE_TAILS)
    return rng.choice(names.VILLAGE_HEADS) + tail + ("" if tail == "村" else "村")
