"""Shared fixtures: a small hand-made province for unit tests.

Tests that need the demo province use `demo_province` (tests/grid/conftest.py).
"""

import pytest
from hypothesis import settings as hypothesis_settings

from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from griddesk.orgs.models import Org, Role, Staff

# Property tests assert arithmetic, not speed: hypothesis's per-example time limit is a wall-clock
# assert, and failed under CI's load (speed is measured in bench/).
hypothesis_settings.register_profile("griddesk", deadline=None)
hypothesis_settings.load_profile("griddesk")


@pytest.fixture
def province(db):
    """Province > city > county > station, with a tiny network and three customers."""
    root = Org.objects.create(code="P", name="测试省电力公司", kind="province")
    city = Org.objects.create(code="P01", name="青州供电公司", kind="city", parent=root)
    county = Org.objects.create(code="P0101", name="临河县供电公司", kind="county", parent=city)
    station = Org.objects.create(code="P010101", name="城关供电所", kind="station", parent=county)
    other_city = Org.objects.create(code="P02", name="云岭供电公司", kind="city", parent=root)
    def device(device_id, kind, parent, name, zone, org):
        return Device.objects.create(device_id=device_id, kind=kind, parent=parent, name=name,
                                     zone=zone, org=org)

    sub = device("SUB1", "substation", None, "110kV城关变", "urban", county)
    feeder = device("F1", "feeder", sub, "10kV城关线", "urban", county)
    switch = device("SW1", "switch", feeder, "城关线1号开关", "urban", station)
    tx1 = device("T1", "transformer", switch, "幸福小区1号台区", "urban", station)
    tx2 = device("T2", "transformer", feeder, "东关村台区", "rural", station)
    customers = [
        Customer.objects.create(account_no="1000000001", name="张伟", phone="13800000001",
                                address="临河县城关镇幸福路1号", transformer=tx1,
                                supply_voltage="220V", zone="urban", org=station),
        Customer.objects.create(account_no="1000000002", name="李娜", phone="13800000002",
                                address="临河县城关镇幸福路2号", transformer=tx1,
                                supply_voltage="220V", zone="urban", org=station),
        Customer.objects.create(account_no="1000000003", name="王强", phone="13800000003",
                                address="临河县东关村3组", transformer=tx2,
                                supply_voltage="380V", zone="rural", org=station),
    ]
    return {
        "root": root, "city": city, "county": county, "station": station, "other_city": other_city,
        "sub": sub, "feeder": feeder, "switch": switch, "tx1": tx1, "tx2": tx2,
        "customers": customers,
    }


@pytest.fixture
def make_staff(db):
    def make(username, org, *roles, agent_no=""):
        user = Staff.objects.create_user(username=username, password="pw-" + username, org=org,
                                         agent_no=agent_no)
        user.roles.set(Role.objects.filter(code__in=roles))
        return user

    return make


@pytest.fixture(autouse=True)
def _fresh_rules_cache():
    """Rule-set versions are cached per process; a flushed and re-seeded database gets new rows."""
    from griddesk.rules.selectors import rules_cache_clear

    rules_cache_clear()


@pytest.fixture(autouse=True)
def _no_group_commit(settings):
    """The API writes each order in its own transaction unless a test turns batching on
    (tests/orders/test_batching.py): the writer thread's connection outlives a test."""
    settings.GRIDDESK_GROUP_COMMIT = False


@pytest.fixture(autouse=True)
def _no_repair_visit_sampling(settings):
    """Rule C-12's sampling draws from order numbers, which carry the date: tests that archive repairs
    must not depend on the day they run. Sampling has its own tests (tests/orders/test_issue9_rules.py)."""
    settings.GRIDDESK_REPAIR_VISIT_SHARE = 0.0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many accounts; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sqlite_audit_triggers(request, django_db_blocker):
    """On SQLite a transactional test's closing flush is a DELETE, which the K-8 triggers (audit
    events, stream heads, work orders: griddesk.audit.triggers) refuse: lift them for the flush and
    put them back before the next test. (PostgreSQL flushes with TRUNCATE, which row triggers do
    not see.)
    """
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names or bool(
        marker and marker.kwargs.get("transaction")
    )
    if not (transactional or marker or "db" in names):
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    from griddesk.audit.triggers import triggers_install, triggers_lift

    if transactional:
        with django_db_blocker.unblock():
            _reference_data_ensure()

    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            triggers_install(connection)
    yield
    if transactional and connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            triggers_lift(connection)


SEED_MIGRATIONS = (
    "griddesk.orgs.migrations.0002_seed_roles",
    "griddesk.orders.migrations.0003_seed_categories",
    "griddesk.calendar.migrations.0002_seed_calendars",
    "griddesk.rules.migrations.0002_seed_rulesets",
    "griddesk.kb.migrations.0001_initial",
    "griddesk.billing.migrations.0002_seed_pay_channels",
    "griddesk.kb.migrations.0004_seed_articles",
    "griddesk.business.migrations.0002_seed_catalogue",
)


def _reference_data_ensure():
    """A transactional test's flush also removes the rows the migrations seed (roles, categories,
    calendars, rule sets, the business catalogue). `serialized_rollback` should restore them but does
    not always (seen with a session-scoped live server after another transactional test), so re-run
    the seeds, which are idempotent, whenever they are missing."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    from griddesk.rules.models import RuleSet

    if RuleSet.objects.exists():
        return
    with connection.schema_editor(atomic=False) as editor:
        for name in SEED_MIGRATIONS:
            import_module(name).seed(apps, editor)


@pytest.fixture(autouse=True)
def _chinese_again():
    """A request in English (a cookie, Accept-Language) leaves the thread's language active after the
    test; the next test's services would write their messages in English. Each test starts in the
    project's language."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
