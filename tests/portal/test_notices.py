"""Public outage notices (停电信息公告), rules C-2 and W-2: searchable by area and place, gone once
restored, an Atom feed per county, cached per county and refreshed by any change."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.utils import timezone

from griddesk.grid.models import Device
from griddesk.orgs.models import Org
from griddesk.outages.models import OutageEvent

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def notices(province):
    """An active fault on the switch (城关), a planned maintenance announced for tomorrow on the rural
    transformer, one restored, one only predicted from calls, and an active one in another county."""
    now = timezone.now()
    other_county = Org.objects.create(code="P0102", name="河西县供电公司", kind="county", parent=province["city"])
    other = Device.objects.create(device_id="F9", kind="feeder", parent=province["sub"], name="10kV河西线",
                                  zone="rural", org=other_county)

    def outage(code, device, state, **extra):
        return OutageEvent.objects.create(code=code, kind=extra.pop("kind", "fault"), device=device,
                                          cause=extra.pop("cause", "线路故障"), starts_at=extra.pop("starts_at", now),
                                          state=state, **extra)

    return {
        "active": outage("GZ1", province["switch"], "active", area="城关镇幸福路、东街",
                         cause="10kV城关线1号开关故障跳闸", expected_restoration_at=now + timedelta(hours=2)),
        "planned": outage("JH1", province["tx2"], "announced", kind="planned", area="东关村3组",
                          cause="台区设备检修", starts_at=now + timedelta(days=1),
                          expected_restoration_at=now + timedelta(days=1, hours=6)),
        "restored": outage("GZ0", province["tx1"], "restored", area="幸福小区", restored_at=now),
        "predicted": outage("YC1", province["feeder"], "predicted", area="城关线沿线"),
        "elsewhere": outage("GZ9", other, "active", area="河西镇"),
        "unpublished": outage("JH2", province["tx1"], "confirmed", kind="planned", source="plan", area="幸福小区",
                              starts_at=now + timedelta(days=9)),
        "other_county": other_county,
    }


def _codes(response):
    html = response.content.decode()
    return {code for code in ("GZ1", "JH1", "GZ0", "YC1", "GZ9", "JH2") if f'id="outage-{code}"' in html}


def test_rule_W2_notices_show_current_and_announced_outages_and_drop_restored_ones(client, notices):
    response = client.get("/outages/")
    assert response.status_code == 200
    # predictions from calls are not published until a dispatcher confirms them, plans until published
    assert _codes(response) == {"GZ1", "JH1", "GZ9"}
    html = response.content.decode()
    assert "10kV城关线1号开关故障跳闸" in html and "临河县供电公司" in html


def test_rule_C2_notices_are_searchable_by_county_and_by_street_or_village(client, notices):
    assert _codes(client.get("/outages/", {"county": "P0101"})) == {"GZ1", "JH1"}
    assert _codes(client.get("/outages/", {"county": "P0102"})) == {"GZ9"}
    assert _codes(client.get("/outages/", {"county": "P0101", "q": "东街"})) == {"GZ1"}
    assert _codes(client.get("/outages/", {"q": "东关村"})) == {"JH1"}
    empty = client.get("/outages/", {"q": "没有这个村"})
    assert _codes(empty) == set() and 'id="no-notices"' in empty.content.decode()


def test_notices_survive_odd_input(client, notices):
    for params in ({"county": "nope"}, {"q": "x" * 5000}, {"county": "'; drop table x"}, {"q": "%_\\"}):
        assert client.get("/outages/", params).status_code == 200
    assert client.post("/outages/").status_code == 405


def test_rule_W2_a_restoration_reaches_the_cached_page_at_once(client, notices):
    assert "GZ1" in _codes(client.get("/outages/", {"county": "P0101"}))
    active = notices["active"]
    active.state, active.restored_at = "restored", timezone.now()
    active.save()
    assert "GZ1" not in _codes(client.get("/outages/", {"county": "P0101"}))


def test_a_change_in_one_county_leaves_the_other_countys_page_cached(client, notices, django_assert_num_queries):
    client.get("/outages/", {"county": "P0102"})
    notices["planned"].expected_restoration_at += timedelta(hours=1)
    notices["planned"].save()  # in 临河县, not 河西县
    with django_assert_num_queries(1):  # the county's generation; counties and the page from the cache
        client.get("/outages/", {"county": "P0102"})


def test_notices_page_queries_do_not_grow_with_outages(client, notices, province, django_assert_max_num_queries):
    now = timezone.now()
    for n in range(30):
        OutageEvent.objects.create(code=f"GZX{n}", kind="fault", device=province["tx1"], cause="故障",
                                   area=f"幸福路{n}号", starts_at=now, state="active")
    with django_assert_max_num_queries(6):
        response = client.get("/outages/")
    assert response.content.decode().count('class="notice ') == 33


def test_rule_C2_county_feed_lists_its_notices_as_atom(client, notices):
    response = client.get("/outages/P0101.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    ids = {entry.findtext(f"{ATOM}id") for entry in feed.iter(f"{ATOM}entry")}
    assert ids == {"urn:griddesk:outage:GZ1", "urn:griddesk:outage:JH1"}
    summaries = " ".join(entry.findtext(f"{ATOM}summary") for entry in feed.iter(f"{ATOM}entry"))
    assert "10kV城关线1号开关故障跳闸" in summaries and "东关村3组" in summaries
    assert client.get("/outages/NOPE.atom").status_code == 404


def test_rule_W1_home_shows_outages_at_a_glance(client, notices):
    html = client.get("/").content.decode()
    assert "供电客户服务" in html and "/outages/#outage-GZ1" in html and "GZ0" not in html


def test_rule_Q3_a_plan_reaches_the_notices_when_it_is_published(client, notices, people):
    from griddesk.outages.services import outage_publish

    assert "JH2" not in _codes(client.get("/outages/", {"county": "P0101"}))
    outage_publish(outage=notices["unpublished"], actor=people["leader"])
    assert "JH2" in _codes(client.get("/outages/", {"county": "P0101"}))
