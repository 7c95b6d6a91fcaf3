"""Crash safety proven by kill -9 (issue 8, rule K-8 "nothing unrecorded"), on the database the tests
run on (DATABASE_URL: a SQLite file of its own, or a scratch PostgreSQL database).

A small province (migrate, a 200-customer demo without history), `griddesk serve` as in production
(gunicorn's threaded workers with group commit, the task worker, the SLA scheduler), then ROUNDS
times: 24 threads create orders with Idempotency-Keys and take workflow steps with
`expected_version`; once the server has acknowledged some of both, SIGKILL goes to its whole
process group at a random moment 0.5 – 2.5 s later; the server is started again and the creates
that got no answer are sent again with their keys. After the last kill the database is read as
the crash left it (tests/resilience/probe.py): every acknowledged create exists, every
acknowledged action is in the order's version and history, every order's events carry exactly
the versions 2 … order.version, numbers are gapless per day, and `griddesk audit verify` exits 0.
Round 1 also takes `griddesk backup` under the load; it is restored into a fresh site and holds
to the same rules.

GRIDDESK_KILL_ROUNDS, GRIDDESK_KILL_THREADS and GRIDDESK_KILL_SEED make a longer soak of it;
figures in docs/operations.md. Run with -s to see them.
"""

import json
import os
import random
import threading
import time
from collections import Counter

import pytest

from tests.resilience import load
from tests.resilience.site import Site

ROUNDS = int(os.environ.get("GRIDDESK_KILL_ROUNDS", "3"))
THREADS = int(os.environ.get("GRIDDESK_KILL_THREADS", "24"))
READY = "/api/v1/orders?limit=1"
FAULTS = ("missing_creates", "wrong_keys", "unrecorded_actions", "version_mismatches", "number_gaps")


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", tag="kill")
    yield site
    site.close()


@pytest.fixture
def restored_site(tmp_path):
    site = Site(tmp_path / "restored", tag="kill")
    yield site
    site.close()


def _faults(report):
    return {name: report[name][:10] for name in FAULTS if report[name]}


def _fault_count(report):
    return sum(len(report[name]) for name in FAULTS)


def _wait_for_work(ledger, before, least=10, timeout=120):
    """Until this round's server has acknowledged `least` creates and `least` actions: the kill
    then comes mid-load, however slowly a shared machine starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(ledger.creates) - before[0] >= least and len(ledger.actions) - before[1] >= least:
            return
        time.sleep(0.05)


def test_kill9_under_load_loses_no_acknowledged_write_and_leaves_no_change_unrecorded(site, restored_site, tmp_path):
    seed = int(os.environ.get("GRIDDESK_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    site.run("migrate", "--noinput")
    site.run("demo", "--customers", "200", "--orders", "0", "--days", "1")
    facts = site.probe("prepare")
    ledger = load.Ledger()
    backup = tmp_path / "under-load.tar"
    rounds, resent = [], Counter()
    for number in range(ROUNDS):
        began = time.monotonic()
        port = site.serve(ready_path=READY, token=facts["token"])
        started = time.monotonic()
        resent.update(load.resend_unanswered(port=port, token=facts["token"], ledger=ledger))
        before = (len(ledger.creates), len(ledger.actions))
        loaded = time.monotonic()
        stop = threading.Event()
        threads = load.drive(port=port, token=facts["token"], accounts=facts["accounts"], ledger=ledger,
                             threads=THREADS, stop=stop, seed=f"{seed}-{number}")
        _wait_for_work(ledger, before)
        if number == 0:
            backup_run = site.run("backup", str(backup))
        load.wait(rng.uniform(0.5, 2.5), stop)
        site.kill9()
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        rounds.append({"creates": len(ledger.creates) - before[0], "actions": len(ledger.actions) - before[1],
                       "unanswered_creates": len(ledger.unanswered_creates),
                       "seconds": f"start {started - began:.1f}, resend {loaded - started:.1f}, "
                                  f"load {time.monotonic() - loaded:.1f}"})
        # The kill came mid-load: this round's server had acknowledged work.
        assert rounds[-1]["creates"] > 0 and rounds[-1]["actions"] > 0, rounds

    acks = tmp_path / "acks.json"
    acks.write_text(json.dumps(ledger.as_json()))
    report = site.probe("reconcile", str(acks))
    verify = site.run("audit", "verify", check=False)

    restored_site.run("restore", str(backup))
    restored = restored_site.probe("reconcile")
    restored_verify = restored_site.run("audit", "verify", check=False)

    print(f"\nkill -9 ({site.url.split(':')[0]}, seed {seed}): {ROUNDS} kills, {THREADS} threads; rounds {rounds}; "
          f"acknowledged {len(ledger.creates)} creates, {len(ledger.actions)} actions; unanswered at the kills "
          f"{len(ledger.unanswered_creates)} creates (left after the last), {ledger.unanswered_actions} actions; "
          f"resent after restart {dict(resent)}; answers {dict(ledger.statuses)}; refusals {dict(ledger.refusals)}; "
          f"database: {report['orders']} orders, {report['order_events']} order events "
          f"({report['versioned_events']} with a version), {report['days']} day(s); "
          f"mismatches {_fault_count(report)} {_faults(report)}; "
          f"backup under load: {backup_run.stdout.strip().splitlines()[0]}; "
          f"restored {restored['orders']} orders, mismatches {_fault_count(restored)} {_faults(restored)}")

    assert len(ledger.creates) > 0 and len(ledger.actions) > 0
    # Resent creates were answered: stored before the kill (200) or created now (201), never refused.
    assert set(resent) <= {200, 201}, resent
    assert _faults(report) == {}, report
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert report["orders"] >= len(ledger.creates)
    # Every acknowledged action's event is there, and every order's history matches its version.
    assert report["versioned_events"] >= len(ledger.actions)

    # The backup taken under load is a consistent database by the same rules.
    assert restored["orders"] > 0
    assert _faults(restored) == {}, restored
    assert restored_verify.returncode == 0, restored_verify.stdout + restored_verify.stderr
