"""The demo province's organisation (单位), staff (工作人员) and repair crews (抢修班组), as rows.

Pure: nothing here touches the database. Rows refer to each other by `key`
(their position in the plan); the builder turns keys into primary keys.
"""

import random
from dataclasses import dataclass, field

from griddesk.demo import names, people
from griddesk.grid.models import Zone
from griddesk.orgs.models import OrgKind, RoleCode


@dataclass(frozen=True, slots=True)
class OrgRow:
    key: int
    parent: int | None
    code: str
    name: str
    kind: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class City:
    key: int
    name: str  # 青州
    area_code: str
    digit: int  # account numbers of its customers start with 3<digit>
    mountainous: bool
    departments: dict = field(default_factory=dict)  # suffix (KF, YX, …) -> org key


@dataclass(frozen=True, slots=True)
class County:
    key: int
    city: int  # City.key
    name: str  # 临河县, or 青州市东城区 for a city district
    district: bool


@dataclass(frozen=True, slots=True)
class Station:
    """A supply station (供电所) and the place it serves, which names its network and addresses."""

    key: int
    county: int
    city: int
    name: str
    zone: str
    town: str  # 东关 (a town) or 东城 (an area of a district)
    address_prefix: str  # 临河县东关镇 / 青州市东城区 / 临河县城关镇
    settlement: str  # "urban": streets and compounds; "village": villages


@dataclass(frozen=True, slots=True)
class Province:
    root: int
    orgs: list
    cities: list
    counties: list
    stations: list
    departments: dict  # suffix -> org key (the province's own departments)


def plan_province(seed, *, province_code):
    """Cities (5-8), counties and districts (2-4 per city), stations (2-5 per county), departments."""
    rng = random.Random(f"{seed}:province")
    orgs, cities, counties, stations = [], [], [], []

    def org(parent, code, name, kind, phone="", address=""):
        row = OrgRow(len(orgs), parent, code, name, kind, phone, address)
        orgs.append(row)
        return row.key

    root = org(None, province_code, names.PROVINCE_COMPANY, OrgKind.PROVINCE, "95598",
               f"{names.PROVINCE_NAME}省府路1号")
    province_departments = {
        suffix: org(root, f"{province_code}-{suffix}", name, OrgKind.DEPARTMENT,
                    "95598" if suffix == "KF" else "")
        for suffix, name in names.PROVINCE_DEPARTMENTS
    }
    county_pool = rng.sample(names.COUNTIES, len(names.COUNTIES))
    for c, (city_name, area, mountainous) in enumerate(rng.sample(names.CITIES, rng.randint(5, 8)), 1):
        city_code = f"{province_code}{c:02d}"
        city_key = org(root, city_code, f"{city_name}供电公司", OrgKind.CITY, people.landline(rng, area),
                       f"{city_name}市{rng.choice(names.STREETS)}{rng.randint(1, 200)}号")
        departments = {
            suffix: org(city_key, f"{city_code}-{suffix}", f"{city_name}{name}", OrgKind.DEPARTMENT,
                        people.landline(rng, area))
            for suffix, name in names.CITY_DEPARTMENTS
        }
        cities.append(City(city_key, city_name, area, c % 10, mountainous, departments))
        areas = rng.sample(names.URBAN_AREAS, len(names.URBAN_AREAS))
        for u in range(1, rng.randint(2, 4) + 1):
            district = u == 1
            unit_code = f"{city_code}{u:02d}"
            if district:
                label = f"{city_name}市{areas[0]}区"
                unit = org(city_key, unit_code, f"{label}供电中心", OrgKind.COUNTY,
                           people.landline(rng, area),
                           f"{label}{rng.choice(names.STREETS)}{rng.randint(1, 99)}号")
            else:
                label = f"{county_pool.pop()}县"
                unit = org(city_key, unit_code, f"{label}供电公司", OrgKind.COUNTY,
                           people.landline(rng, area),
                           f"{label}城关镇{rng.choice(names.STREETS)}{rng.randint(1, 99)}号")
            counties.append(County(unit, city_key, label, district))
            places = _station_places(rng, district, mountainous, areas)
            for s, (town, zone, settlement) in enumerate(places, 1):
                name = f"{town}供电所"
                prefix = label if district else f"{label}{town}镇"
                key = org(unit, f"{unit_code}{s:02d}", name, OrgKind.STATION, people.landline(rng, area),
                          f"{prefix}{rng.choice(names.STREETS) if settlement == 'urban' else town + '大街'}"
                          f"{rng.randint(1, 99)}号")
                stations.append(Station(key, unit, city_key, name, zone, town, prefix, settlement))
    return Province(root, orgs, cities, counties, stations, province_departments)


def _station_places(rng, district, mountainous, areas):
    """(town, zone, settlement) of each station of one county or district."""
    count = rng.randint(2, 5)
    if district:
        return [(area, Zone.URBAN, "urban") for area in areas[:count]]
    places = [("城关", Zone.URBAN, "urban")]
    towns = rng.sample(names.TOWNS, count - 1)
    mountain_share = 0.5 if mountainous else 0.12
    for town in towns:
        if rng.random() < mountain_share:
            places.append((rng.choice(names.MOUNTAIN_TOWNS), Zone.REMOTE, "village"))
        else:
            places.append((town, Zone.RURAL, "village"))
    # Two mountain stations may draw the same name; a county has one station per town.
    seen, unique = set(), []
    for place in places:
        if place[0] not in seen:
            seen.add(place[0])
            unique.append(place)
    return unique


# ---------------------------------------------------------------- staff and crews


DEMO_PASSWORD = "griddesk"


@dataclass(frozen=True, slots=True)
class StaffRow:
    key: int
    username: str
    name: str
    org: int
    roles: tuple
    agent_no: str = ""
    phone: str = ""
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def label(self):
        """What `staff.record_label` gives (Staff.record_label), kept on audit events as actor_label."""
        return f"{self.name}（{self.agent_no}）" if self.agent_no else self.name


@dataclass(frozen=True, slots=True)
class CrewRow:
    key: int
    code: str
    name: str
    org: int  # the station
    phone: str
    members: tuple  # staff keys


@dataclass(frozen=True, slots=True)
class Staffing:
    staff: list
    crews: list
    by_role: dict  # role code -> [staff keys]
    by_org_role: dict  # (org key, role code) -> [staff keys]
    crews_of_station: dict  # station key -> [crew keys]


def agents_for(customers):
    """Hotline agents (座席) for a province of `customers`: one per 500, between 20 and 200."""
    return max(20, min(200, customers // 500))


def plan_staff(seed, province, *, customers):
    """Every role of RoleCode gets people; every station gets one or two crews of 3-5."""
    rng = random.Random(f"{seed}:staff")
    staff, crews = [], []
    counters = {}

    def person(prefix, org, *roles, agent_no="", is_staff=False, is_superuser=False, username=None):
        counters[prefix] = counters.get(prefix, 0) + 1
        row = StaffRow(len(staff), username or f"{prefix}{counters[prefix]}", people.person_name(rng), org,
                       tuple(roles), agent_no, people.mobile(rng), is_staff, is_superuser)
        staff.append(row)
        return row.key

    dept = province.departments
    person("admin", province.root, RoleCode.ADMINISTRATOR, is_staff=True, is_superuser=True, username="admin")
    n_agents = agents_for(customers)
    for i in range(1, n_agents + 1):
        person("agent", dept["KF"], RoleCode.AGENT, agent_no=f"A{1000 + i}")
    for i in range(1, max(2, n_agents // 10) + 1):
        person("leader", dept["KF"], RoleCode.SHIFT_LEADER, agent_no=f"Z{100 + i}")
    for _ in range(max(2, n_agents // 8)):
        person("visit", dept["KF"], RoleCode.RETURN_VISIT)
    person("dispatcher", dept["DK"], RoleCode.DISPATCHER)
    person("supervisor", dept["KF"], RoleCode.SUPERVISOR)
    person("supervisor", dept["YX"], RoleCode.SUPERVISOR)
    person("manager", province.root, RoleCode.MANAGER)
    person("manager", dept["YX"], RoleCode.MANAGER)
    person("auditor", dept["SJ"], RoleCode.AUDITOR)
    person("auditor", dept["AJ"], RoleCode.AUDITOR)
    for city in province.cities:
        person("dispatcher", city.departments["DK"], RoleCode.DISPATCHER)
        person("dispatcher", city.departments["DK"], RoleCode.DISPATCHER)
        person("backoffice", city.departments["YX"], RoleCode.BACK_OFFICE)
        person("backoffice", city.departments["YX"], RoleCode.BACK_OFFICE)
        person("backoffice", city.departments["YJ"], RoleCode.BACK_OFFICE)
        person("backoffice", city.departments["AJ"], RoleCode.BACK_OFFICE)
        person("supervisor", city.departments["YX"], RoleCode.SUPERVISOR)
        person("manager", city.key, RoleCode.MANAGER)
    for county in province.counties:
        person("backoffice", county.key, RoleCode.BACK_OFFICE)
    crews_of_station = {}
    orgs = {row.key: row for row in province.orgs}
    for station in province.stations:
        station_code = orgs[station.key].code
        area = next(c.area_code for c in province.cities if c.key == station.city)
        for n in range(1, (2 if station.zone == Zone.URBAN and rng.random() < 0.5 else 1) + 1):
            size = rng.randint(3, 5)
            members = tuple(person("crew", station.key, RoleCode.REPAIR_CREW) for _ in range(size))
            crew = CrewRow(len(crews), f"{station_code}-Q{n}", f"{station.name}抢修{'一二'[n - 1]}班",
                           station.key, people.landline(rng, area), members)
            crews.append(crew)
            crews_of_station.setdefault(station.key, []).append(crew.key)
    by_role, by_org_role = {}, {}
    for row in staff:
        for role in row.roles:
            by_role.setdefault(role, []).append(row.key)
            by_org_role.setdefault((row.org, role), []).append(row.key)
    return Staffing(staff, crews, by_role, by_org_role, crews_of_station)
