"""The desk as agents live in it (issue 9, desk items): header search, pickers, one keyboard map,
who is told about missing holiday data, where crews land, live lists. Browser journeys:
tests/browser/test_desk_journey.py; the search as a confidentiality channel: tests/disclosure."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from griddesk.console import keymap, pickers
from griddesk.console.search import order_search
from griddesk.orders import services
from griddesk.orders.models import Category, CategoryScheme, OrderState
from griddesk.orgs.models import Org

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "griddesk"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def options(html, name):
    """The labels of the <select name=NAME> options in `html` (indent and blanks stripped)."""
    found = re.search(r'<select[^>]*name="' + re.escape(name) + r'"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    labels = re.findall(r"<option[^>]*>(.*?)</option>", found.group(1), re.S)
    return [label.replace("\u3000", "").strip() for label in labels]


def repeated(labels):
    return sorted({label for label in labels if labels.count(label) > 1})


# ---------------------------------------------------------------- desk item 5: one keyboard map


def test_keymap_has_no_combination_twice_and_no_template_uses_accesskey():
    combos = [row["combo"] for row in keymap.keymap()]
    assert len(combos) == len(set(combos)) > 10
    assert "?" in combos and "alt+f" in combos and "/" in combos
    with_accesskey = [str(path) for path in TEMPLATES.rglob("*.html") if "accesskey" in path.read_text()]
    assert with_accesskey == []


def test_every_console_page_carries_the_map_and_its_help_overlay(people):
    html = client_for(people["agent"]).get(reverse("console:home")).content.decode()
    assert html.count('id="keymap-data"') == 1 and 'id="keymap-help"' in html
    for row in keymap.keymap():
        assert f'data-combo="{row["combo"]}"' in html and row["label"] in html


# ---------------------------------------------------------------- desk item 6: the holiday-data warning


@pytest.fixture
def uncovered_year(settings):
    from griddesk.calendar.selectors import calendar_cache_clear

    settings.GRIDDESK_DEFAULT_CALENDAR = "no-such-calendar"  # no year covered: every year warns
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.mark.parametrize("role, warned", [("administrator", True), ("shift_leader", True), ("agent", False),
                                          ("back_office", False), ("supervisor", False), ("dispatcher", False)])
def test_calendar_warning_only_for_administrators_and_shift_leaders(province, make_staff, uncovered_year, role,
                                                                    warned):
    user = make_staff(f"u_{role}", province["root"], role)
    html = client_for(user).get(reverse("console:home")).content.decode()
    assert ("节假日数据缺失" in html) is warned
    assert (reverse("admin:calendar_calendaryear_changelist") in html) is warned


def test_crews_see_no_calendar_warning_and_land_on_their_task_list(people, uncovered_year):
    client = Client()
    response = client.post(reverse("console:login"), {"username": "lineman", "password": "pw-lineman", "next": ""})
    assert response.status_code == 302 and response["Location"] == reverse("console:crew:list")
    assert client.get(reverse("console:home"))["Location"] == reverse("console:crew:list")
    html = client.get(reverse("console:crew:list")).content.decode()
    assert "节假日数据缺失" not in html and "工单队列" not in html  # the compact crew header
    agent = Client().post(reverse("console:login"), {"username": "agent", "password": "pw-agent", "next": ""})
    assert agent["Location"] == reverse("console:home")


# ---------------------------------------------------------------- desk item 2: header search


@pytest.fixture
def orders(people, province):
    alice, bob, carol = province["customers"]
    agent = people["agent"]
    return {
        "repair": services.order_create(order_type="repair", channel="hotline", actor=agent, customer=alice,
                                        title="家里停电", caller_name=alice.name, caller_phone=alice.phone),
        "query": services.order_create(order_type="query", channel="hotline", actor=agent, customer=bob,
                                       title="查询电费", caller_name=bob.name, caller_phone=bob.phone),
        "report": services.order_create(order_type="report", channel="hotline", actor=agent, customer=carol,
                                        title="举报窃电", identity={"name": "赵六", "phone": "13966667777"}),
    }


def numbers(user, query):
    return [o.number for o in order_search(user=user, query=query).hits]


def test_search_by_whole_number_tail_digits_phone_name_and_address(people, orders):
    agent, repair, query = people["agent"], orders["repair"], orders["query"]
    assert numbers(agent, repair.number) == [repair.number]
    assert numbers(agent, repair.number.lower()) == [repair.number]
    assert numbers(agent, repair.number[-4:]) == [repair.number]
    assert numbers(agent, "0000002") == [query.number]  # the phone's tail: 13800000002 is bob's
    assert numbers(agent, "138-0000-0001") == [repair.number]
    assert numbers(agent, "李娜") == [query.number]
    assert set(numbers(agent, "幸福路")) == {repair.number, query.number}
    hit = order_search(user=agent, query="李娜").hits[0]
    assert hit.listed_person["name"] == "李*" and hit.listed_person["phone"] == "138****0002"


def test_search_refuses_too_short_a_query_without_a_query(people, orders, django_assert_num_queries):
    with django_assert_num_queries(0):
        result = order_search(user=people["agent"], query="张")
    assert result.hits == [] and "至少" in result.message


def test_search_stays_within_scope_and_finds_no_report_through_its_person(people, orders, outsider):
    report = orders["report"]
    assert numbers(outsider, orders["repair"].number) == []  # another city's agent
    assert numbers(outsider, "13800000001") == []
    for secret in ("赵六", "13966667777", "王强", "13800000003", "东关村"):
        assert report.number not in numbers(people["agent"], secret), secret
    assert numbers(people["agent"], report.number) == [report.number]  # a report desk, by its number
    assert numbers(people["lineman"], report.number) == []  # crews never read reports (K-7)
    assert numbers(people["supervisor"], "李娜") == []  # no personal-data need: by number only
    assert numbers(people["supervisor"], orders["query"].number[-5:]) == [orders["query"].number]


def test_search_query_count_does_not_grow_with_hits(people, province, orders, django_assert_max_num_queries):
    for _ in range(6):
        services.order_create(order_type="query", channel="hotline", actor=people["agent"],
                              customer=province["customers"][0], title="查询")
    client = client_for(people["agent"])
    client.get(reverse("console:search_quick"), {"q": "幸福路"})  # warm the session and role caches
    # session, user, org, roles, the orders (+customers), their accusations (complaints, reports), the badge
    with django_assert_max_num_queries(7):
        response = client.get(reverse("console:search"), {"q": "幸福路"})
    assert response.status_code == 200 and response.content.decode().count('class="hit"') == 8


def test_search_pages_answer_and_one_hit_opens_with_open(people, orders):
    client = client_for(people["agent"])
    quick = client.get(reverse("console:search_quick"), {"q": orders["repair"].number[-4:]}).content.decode()
    assert orders["repair"].number in quick and "search-hit" in quick and "<html" not in quick
    opened = client.get(reverse("console:search"), {"q": orders["repair"].number, "open": "1"})
    assert opened["Location"] == reverse("console:order", args=[orders["repair"].number])
    empty = client.get(reverse("console:search"), {"q": "x" * 500})
    assert empty.status_code == 200 and "没有找到" in empty.content.decode()


# ---------------------------------------------------------------- desk item 3: pickers


def test_rule_A1_intake_offers_one_complaint_scheme_parents_before_children(db):
    tree = pickers.category_tree()
    assert not [o for o in tree if o.category.scheme == CategoryScheme.COMPLAINT_2014]
    codes = [o.code for o in tree]
    assert codes.index("F-HV") < codes.index("F-HV-LINE") < codes.index("F-LV")
    assert {o.depth for o in tree if o.category.parent_id} == {1}
    assert repeated([o.label for o in tree]) == []
    assert "A1-SQ" in codes and "C14-PQ" in [o.code for o in pickers.category_tree(include_reporting=True)]


def test_rule_A1_intake_refuses_a_2014_class(people, province):
    from griddesk.console.forms import IntakeForm

    c14 = Category.objects.get(code="C14-SVC")
    form = IntakeForm({"order_type": "complaint", "channel": "hotline", "title": "态度差", "category": c14.pk})
    assert not form.is_valid() and "category" in form.errors


def test_state_choices_list_each_state_once_and_tell_the_two_replies_apart():
    choices = pickers.state_choices()
    assert [code for code, _label in choices] == list(OrderState.values)
    labels = [label for _code, label in choices]
    assert repeated(labels) == []
    assert "已答复（投诉、举报）" in labels


def test_org_labels_tell_same_named_stations_apart(province):
    twin_county = Org.objects.create(code="P0102", name="东河县供电公司", kind="county", parent=province["city"])
    twin = Org.objects.create(code="P010201", name="城关供电所", kind="station", parent=twin_county)
    labels = pickers.org_labels(list(Org.objects.order_by("path")))
    assert labels[province["station"].pk] == "青州供电公司 / 临河县供电公司 / 城关供电所"
    assert labels[twin.pk] == "青州供电公司 / 东河县供电公司 / 城关供电所"
    assert labels[province["root"].pk] == "测试省电力公司"


def test_pickers_of_intake_queue_and_actions_have_no_repeated_label(people, province, orders):
    province_station = province["station"]
    for n in range(3):  # three counties, each with its 城关供电所 (as the demo province has)
        county = Org.objects.create(code=f"P01{n + 2:02d}", name=f"第{n}县供电公司", kind="county",
                                    parent=province["city"])
        Org.objects.create(code=f"P01{n + 2:02d}01", name=province_station.name, kind="station", parent=county)
    client = client_for(people["leader"])
    intake = client.get(reverse("console:order_new") + "?type=complaint").content.decode()
    for name in ("category", "accused"):
        assert repeated(options(intake, name)) == [], name
    queue = client.get(reverse("console:queues:queue")).content.decode()
    for name in ("state", "category", "org", "assignee"):
        assert repeated(options(queue, name)) == [], name
    assert 'data-picker' in queue and "已答复（投诉、举报）" in queue
    storm = client.get(reverse("console:queues:storm")).content.decode()
    assert len(options(storm, "org")) > 2 and repeated(options(storm, "org")) == []
    complaint = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                      customer=province["customers"][0], title="态度差")
    page = client_for(people["agent"]).get(reverse("console:order", args=[complaint.number])).content.decode()
    for name in ("forward-department", "accuse-org"):
        labels = options(page, name)
        assert len(labels) > 3 and repeated(labels) == [], name


# ---------------------------------------------------------------- desk item 1: live lists


def test_queue_table_polls_its_own_filtered_url(people, orders, settings):
    settings.GRIDDESK_QUEUE_POLL_SECONDS = 7
    client = client_for(people["leader"])
    url = reverse("console:queues:queue") + "?f=1&scope=org&state=open&order_type=repair&sort=due_at"
    table = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 7s"' in table and "data-keep-state" in table
    polled = re.search(r'id="queue-table"[^>]*hx-get="([^"]+)"', table).group(1).replace("&amp;", "&")
    again = client.get(polled, HTTP_HX_REQUEST="true").content.decode()
    assert orders["repair"].number in again and orders["query"].number not in again  # the filter holds


def test_home_polls_a_fragment_of_its_counts(people, orders):
    client = client_for(people["agent"])
    page = client.get(reverse("console:home")).content.decode()
    assert 'id="home-live"' in page and "hx-trigger=\"every" in page
    fragment = client.get(reverse("console:home"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="home-live"') and "<html" not in fragment
    assert 'id="open-total">3<' in fragment
