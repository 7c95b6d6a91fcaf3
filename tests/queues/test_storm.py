"""Storm-mode page (恶劣天气模式), rule R-3: declaring pauses running R-2 clocks; lifting restores them."""

from datetime import timedelta

from django.utils import timezone

from griddesk.orders.models import ClockPause, SlaClock
from griddesk.outages.models import StormDeclaration

URL = "/console/queues/storm/"


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_rule_R3_storm_declaration_pauses_a_running_R2_clock(client, people, repair):
    order = repair()
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    before = clock.due_at
    now = timezone.localtime().replace(second=0, microsecond=0)
    starts, ends = now - timedelta(minutes=30), now + timedelta(hours=2)  # starts before the clock did
    client.force_login(people["dispatcher"])
    response = client.post(URL, {"org": "P0101", "starts_at": local(starts), "ends_at": local(ends),
                                 "reason": "台风“海葵”过境，线路多处受损"}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "已宣布恶劣天气模式：临河县供电公司，1 个到达时限（R-2）已暂停计时。"]
    clock.refresh_from_db()
    overlap = ends - max(starts, clock.started_at)
    assert clock.due_at - before == overlap
    storm = StormDeclaration.objects.get()
    assert ClockPause.objects.get(clock=clock).storm == storm
    assert "台风“海葵”过境" in response.content.decode()


def test_rule_R3_storm_starting_later_pauses_only_the_overlap(client, people, repair):
    order = repair()
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    before = clock.due_at
    now = timezone.localtime().replace(second=0, microsecond=0)
    starts, ends = now + timedelta(minutes=10), now + timedelta(minutes=70)
    client.force_login(people["dispatcher"])
    client.post(URL, {"org": "P0101", "starts_at": local(starts), "ends_at": local(ends), "reason": "暴雨"})
    clock.refresh_from_db()
    assert clock.due_at - before == timedelta(minutes=60)


def test_rule_R3_lifting_early_moves_the_due_time_back(client, people, repair):
    order = repair()
    clock = SlaClock.objects.get(order=order, key="R-2/urban")
    original = clock.due_at
    now = timezone.localtime().replace(second=0, microsecond=0)
    client.force_login(people["dispatcher"])
    client.post(URL, {"org": "P0101", "starts_at": local(now - timedelta(hours=1)),
                      "ends_at": local(now + timedelta(hours=5)), "reason": "冰冻"}, follow=True)
    storm = StormDeclaration.objects.get()
    response = client.post(f"{URL}{storm.pk}/lift/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "已解除：临河县供电公司，受影响的时限已按实际时长重新计算。"]
    clock.refresh_from_db()
    storm.refresh_from_db()
    assert storm.lifted_at is not None
    pause = ClockPause.objects.get(clock=clock)
    assert clock.due_at == original + (pause.ended_at - pause.started_at)
    assert clock.due_at - original < timedelta(minutes=1)


def test_storm_outside_scope_cannot_be_declared_or_lifted(client, people, province, make_staff):
    other_dispatcher = make_staff("other_dispatcher", province["other_city"], "dispatcher")
    now = timezone.now()
    client.force_login(people["dispatcher"])
    response = client.post(URL, {"org": "P02", "starts_at": local(now), "ends_at": local(now + timedelta(hours=1)),
                                 "reason": "暴雨"})
    assert response.status_code == 400
    assert "请选择您管辖范围内的单位。" in response.content.decode()
    storm = StormDeclaration.objects.create(org=province["other_city"], starts_at=now,
                                            ends_at=now + timedelta(hours=1), reason="暴雨",
                                            declared_by=other_dispatcher)
    assert client.post(f"{URL}{storm.pk}/lift/").status_code == 404
    assert StormDeclaration.objects.get(pk=storm.pk).lifted_at is None
    assert "暴雨" not in client.get(URL).content.decode()  # not shown either


def test_bad_storm_input_changes_nothing(client, people):
    now = timezone.now()
    client.force_login(people["dispatcher"])
    for data, message in [
        ({"org": "P0101", "starts_at": local(now), "ends_at": local(now - timedelta(hours=1)), "reason": "雪"},
         "结束时间必须晚于开始时间。"),
        ({"org": "P0101", "starts_at": local(now), "ends_at": local(now + timedelta(hours=1)), "reason": " "},
         "请填写原因（规则 R-3）。"),
        ({"org": "P0101", "starts_at": "tomorrow", "ends_at": local(now), "reason": "雪"},
         "开始时间格式不正确：tomorrow"),
    ]:
        response = client.post(URL, data)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not StormDeclaration.objects.exists()


def test_agent_sees_storms_but_cannot_declare(client, people, province):
    now = timezone.now()
    StormDeclaration.objects.create(org=province["county"], starts_at=now, ends_at=now + timedelta(hours=1),
                                    reason="雷暴", declared_by=people["dispatcher"])
    client.force_login(people["agent"])
    body = client.get(URL).content.decode()
    assert "雷暴" in body and 'id="storm-form"' not in body
    response = client.post(URL, {"org": "P0101", "starts_at": local(now),
                                 "ends_at": local(now + timedelta(hours=1)), "reason": "雪"})
    assert response.status_code == 403
    assert StormDeclaration.objects.count() == 1
