import pytest

from griddesk.orgs.models import Crew, Org


@pytest.fixture
def people(province, make_staff):
    """Staff of the test province: an agent, a crew, back office, a supervisor, a visitor."""
    station, county = province["station"], province["county"]
    marketing = Org.objects.create(code="P0101-MKT", name="临河县营销部", kind="department", parent=county)
    crew = Crew.objects.create(code="C1", name="城关抢修一班", org=station)
    province["tx1"].crew = crew
    province["tx1"].save()
    lineman = make_staff("lineman", station, "repair_crew")
    crew.members.add(lineman)
    return {
        "agent": make_staff("agent", province["root"], "agent", agent_no="95598001"),
        "leader": make_staff("leader", province["root"], "shift_leader", agent_no="95598900"),
        "dispatcher": make_staff("dispatcher", county, "dispatcher"),
        "lineman": lineman,
        "crew": crew,
        "marketing": marketing,
        "handler": make_staff("handler", marketing, "back_office"),
        "station_handler": make_staff("station_handler", station, "back_office"),
        "supervisor": make_staff("supervisor", province["root"], "supervisor"),
        "county_supervisor": make_staff("county_supervisor", county, "supervisor"),
        "visitor": make_staff("visitor", province["root"], "return_visit"),
        "office": make_staff("office", province["root"], "back_office"),
    }
