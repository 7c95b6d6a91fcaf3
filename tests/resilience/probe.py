"""What the resilience tests ask a site's database, run in a subprocess against that site
(`python -m tests.resilience.probe COMMAND …` with its GRIDDESK_HOME and DATABASE_URL); prints JSON.

    prepare             an API token of `admin`, some customers' account numbers
    reconcile [ACKS]    the crash-safety reconciliation (below), ACKS: the JSON file of what the
                        server acknowledged
    rows                the row count of every table

The reconciliation, rule K-8 "nothing unrecorded", read from the database alone:
- every acknowledged create (2xx) exists, under the number it was given, and its Idempotency-Key
  leads to that order;
- every acknowledged action's version is at most the order's, and the order's history has the
  event of that action with that version;
- every order's versioned events are exactly versions 2 … order.version, once each: the highest
  is the order's version (no change without its event) and none claims a version the order does
  not have (no event without its change);
- order numbers are gapless per day, 1 … the day's counter.
"""

import json
import os
import sys
from collections import defaultdict


def prepare():
    from griddesk.api.services import api_token_issue
    from griddesk.customers.models import Customer
    from griddesk.orgs.models import Staff

    _token, plaintext = api_token_issue(user=Staff.objects.get(username="admin"), name="resilience", actor=None)
    accounts = list(Customer.objects.order_by("pk").values_list("account_no", flat=True)[:500])
    return {"token": plaintext, "accounts": accounts}


def reconcile(acks):
    from django.conf import settings

    from griddesk.api.models import IdempotencyRecord
    from griddesk.audit.models import AuditEvent
    from griddesk.orders.models import OrderNumberCounter, WorkOrder

    orders = {number: (pk, version) for pk, number, version in WorkOrder.objects.values_list("pk", "number", "version")}
    by_pk = {pk: number for number, (pk, _version) in orders.items()}
    versions = defaultdict(list)  # order number -> versions its events claim
    claimed = {}  # (number, version) -> action
    events = 0
    for stream, action, payload in AuditEvent.objects.filter(stream__startswith="orders.workorder:").values_list(
            "stream", "action", "payload").iterator(chunk_size=5000):
        events += 1
        number = by_pk.get(int(stream.rsplit(":", 1)[1]))
        if isinstance(payload, dict) and "version" in payload and number is not None:
            versions[number].append(payload["version"])
            claimed[number, payload["version"]] = action

    report = {"orders": len(orders), "order_events": events,
              "versioned_events": sum(len(v) for v in versions.values()),
              "missing_creates": [], "wrong_keys": [], "unrecorded_actions": [], "version_mismatches": [],
              "number_gaps": []}

    keys = dict(IdempotencyRecord.objects.filter(key__in=list(acks.get("creates", {}))).values_list(
        "key", "order__number"))
    for key, number in acks.get("creates", {}).items():
        if number not in orders:
            report["missing_creates"].append(number)
        elif keys.get(key) != number:
            report["wrong_keys"].append({"key": key, "acknowledged": number, "stored": keys.get(key)})

    for number, action, version in acks.get("actions", []):
        current = orders.get(number, (None, 0))[1]
        if current < version or claimed.get((number, version)) != f"order.{action}":
            report["unrecorded_actions"].append({"number": number, "action": action, "version": version,
                                                 "order_version": current,
                                                 "event": claimed.get((number, version))})

    for number, (_pk, version) in orders.items():
        if sorted(versions.get(number, [])) != list(range(2, version + 1)):
            report["version_mismatches"].append({"number": number, "order_version": version,
                                                 "event_versions": sorted(versions.get(number, []))})

    province = settings.GRIDDESK_PROVINCE_CODE
    by_day = defaultdict(list)
    for number in orders:
        by_day[number[len(province):len(province) + 8]].append(int(number[len(province) + 8:]))
    counters = {f"{day:%Y%m%d}": last for day, last in OrderNumberCounter.objects.values_list("day", "last")}
    for day, sequence in sorted(by_day.items()):
        sequence.sort()
        if sequence != list(range(1, len(sequence) + 1)) or counters.get(day) != len(sequence):
            missing = sorted(set(range(1, max(sequence) + 1)) - set(sequence))
            report["number_gaps"].append({"day": day, "orders": len(sequence), "counter": counters.get(day),
                                          "missing": missing[:20]})
    report["days"] = len(by_day)
    return report


def rows():
    from griddesk.ops.services import database_rows

    return database_rows()


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()
    command, *args = argv
    if command == "prepare":
        answer = prepare()
    elif command == "reconcile":
        acks = {}
        if args:
            with open(args[0]) as handle:
                acks = json.load(handle)
        answer = reconcile(acks)
    elif command == "rows":
        answer = rows()
    else:
        raise SystemExit(f"unknown probe command {command}")
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
