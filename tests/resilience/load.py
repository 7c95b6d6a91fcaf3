"""Concurrent API traffic that records exactly what the server acknowledged.

Each thread loops until told to stop: it creates an order (a complaint or report, or a repair for
one of the demo customers, each with its own Idempotency-Key) or takes the next workflow step of an order it
knows (forward, contact, findings, reply, visit, archive; crew_accept, arrive, survey, repair,
restore, visit, archive), always with `expected_version`. Every 2xx answer is recorded: a create's
key and number, an action's order, name and the version it answered. A request that got no answer
(the server was killed under it) is recorded as unanswered: its outcome is for the database to tell.
A new connection per request, so a lost answer is never confused with a closed keep-alive.
"""

import http.client
import itertools
import json
import random
import threading
import time
from collections import Counter

COMPLAINT_NEXT = {
    "accepted": "forward", "contacted": "findings", "investigated": "reply", "replied": "visit", "visited": "archive",
}
REPAIR_NEXT = {
    "accepted": "dispatch", "dispatched": "crew_accept", "crew_accepted": "arrive", "on_site": "survey",
    "surveyed": "repair", "repaired": "restore", "resolved": "visit", "visited": "archive",
}
DEPARTMENTS = ("GD-YX", "GD-YJ")  # the province's 营销部 and 运维检修部: forwarded back and forth
BODIES = {
    "forward": lambda order: {"department": DEPARTMENTS[order.get("handling") == DEPARTMENTS[0]], "note": "转派"},
    "contact": lambda order: {"note": "已电话联系客户"},
    "findings": lambda order: {"findings": "经核查属实", "cause": "attitude", "responsibility": "窗口人员"},
    "reply": lambda order: {"reply": "已答复客户处理结果"},
    "visit": lambda order: {"satisfaction": "satisfied", "note": "回访满意"},
    "survey": lambda order: {"note": "低压线路断线"},
}


class Unanswered(Exception):
    """No HTTP answer: the connection failed or was cut (the server died)."""


class Ledger:
    """What the server acknowledged, across every round of one test, and the known orders."""

    def __init__(self):
        self.lock = threading.Lock()
        self.creates = {}  # Idempotency-Key -> order number (acknowledged)
        self.create_bodies = {}  # Idempotency-Key -> body (every create sent)
        self.unanswered_creates = set()  # keys sent whose answer never came
        self.actions = []  # (number, action, version) acknowledged
        self.unanswered_actions = 0
        self.statuses = Counter()
        self.refusals = Counter()  # (status, code) of 4xx/5xx answers
        self.orders = {}  # number -> {"type", "state", "version", "handling"}: what we last saw
        self.keys = itertools.count(1)

    def as_json(self):
        with self.lock:
            return {"creates": dict(self.creates), "actions": list(self.actions)}

    def seen(self, order):
        """Remember an order answer, unless an answer with a newer version was seen already."""
        with self.lock:
            known = self.orders.get(order["number"])
            if known is None or order["version"] >= known["version"]:
                self.orders[order["number"]] = {
                    "type": order["order_type"], "state": order["state"], "version": order["version"],
                    "handling": (order.get("handling_org") or {}).get("code"),
                }

    def pick(self, rng):
        with self.lock:
            open_orders = [n for n, o in self.orders.items() if o["state"] != "archived"]
            if not open_orders:
                return None, None
            number = rng.choice(open_orders[-200:])  # the newest: some contention, every step reached
            return number, dict(self.orders[number])


class Client:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def call(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
                         headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                                  **(headers or {})})
            answer = conn.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as error:
            raise Unanswered(str(error)) from None
        finally:
            conn.close()
        return answer.status, json.loads(data) if data else None


def create_body(rng, accounts, key):
    if rng.random() < 0.4:
        return {"order_type": "repair", "channel": "hotline", "customer": rng.choice(accounts),
                "title": f"停电 {key}", "fault_side": "utility"}
    kind = "report" if rng.random() < 0.2 else "complaint"  # a report's caller is sealed (K-7)
    return {"order_type": kind, "channel": "hotline", "org": "GD", "title": f"投诉 {key}",
            "caller_name": "张先生", "caller_phone": "13800000000"}


def create(client, ledger, key, body):
    """Send one create; record it. Returns the HTTP status (None: unanswered)."""
    with ledger.lock:
        ledger.create_bodies[key] = body
    try:
        status, answer = client.call("POST", "/api/v1/orders", body, {"Idempotency-Key": key})
    except Unanswered:
        with ledger.lock:
            ledger.unanswered_creates.add(key)
        return None
    with ledger.lock:
        ledger.statuses[f"create {status}"] += 1
        if 200 <= status < 300:
            ledger.creates[key] = answer["number"]
            ledger.unanswered_creates.discard(key)
        else:
            ledger.refusals[status, (answer or {}).get("code")] += 1
    if 200 <= status < 300:
        ledger.seen(answer)
    return status


def step(client, ledger, rng):
    """The next workflow step of a known open order."""
    number, order = ledger.pick(rng)
    if number is None:
        return
    table = REPAIR_NEXT if order["type"] == "repair" else COMPLAINT_NEXT
    action = table.get(order["state"])
    if order["state"] == "forwarded":
        action = rng.choice(("forward", "contact", "contact"))
    if action is None:
        return
    body = {"expected_version": order["version"], **BODIES.get(action, lambda o: {})(order)}
    try:
        status, answer = client.call("POST", f"/api/v1/orders/{number}/actions/{action}", body)
    except Unanswered:
        with ledger.lock:
            ledger.unanswered_actions += 1
        raise
    with ledger.lock:
        ledger.statuses[f"action {status}"] += 1
    if status == 200:
        with ledger.lock:
            ledger.actions.append((number, action, answer["version"]))
        ledger.seen(answer)
        return
    with ledger.lock:
        ledger.refusals[status, (answer or {}).get("code")] += 1
    if status == 409:  # someone else moved it first: read it again
        status, answer = client.call("GET", f"/api/v1/orders/{number}")
        if status == 200:
            ledger.seen(answer)


def drive(*, port, token, accounts, ledger, threads, stop, seed, create_share=0.35):
    """Start `threads` threads of traffic; they end once `stop` is set or the server stops answering.
    Returns the threads (join them)."""

    def worker(index):
        rng = random.Random(f"{seed}:{index}")
        client = Client(port, token)
        while not stop.is_set():
            try:
                if rng.random() < create_share or not ledger.orders:
                    key = f"kill9-{seed}-{next(ledger.keys)}"
                    if create(client, ledger, key, create_body(rng, accounts, key)) is None:
                        return
                else:
                    step(client, ledger, rng)
            except Unanswered:
                return

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    return pool


def resend_unanswered(*, port, token, ledger):
    """After a restart: each create that got no answer is sent again with its key and body. The
    server answers the stored order (200, committed before the kill) or creates it (201); counts."""
    client = Client(port, token)
    outcome = Counter()
    for key in sorted(ledger.unanswered_creates):
        status = create(client, ledger, key, ledger.create_bodies[key])
        outcome[status] += 1
    return outcome


def wait(seconds, stop):
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
