"""griddesk.abuse: the public site's one rate counter and one challenge, kept in the database so
that every server process counts the same attempts and refuses a challenge another one accepted."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from griddesk.abuse.models import Mark
from griddesk.abuse.services import (
    attempt_counted,
    attempts_made,
    challenge_new,
    challenge_problem,
    marks_purge,
)


def test_a_count_is_one_statement_and_the_limit_holds(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert attempt_counted("form-ip", "10.0.0.1", limit=2, seconds=3600) is True
    assert attempt_counted("form-ip", "10.0.0.1", limit=2, seconds=3600) is True
    assert attempt_counted("form-ip", "10.0.0.1", limit=2, seconds=3600) is False
    assert attempt_counted("form-ip", "10.0.0.2", limit=2, seconds=3600) is True  # another address
    assert attempt_counted("form-phone", "10.0.0.1", limit=2, seconds=3600) is True  # another kind
    assert attempts_made("form-ip", "10.0.0.1", seconds=3600) == 3
    assert attempts_made("form-ip", "10.0.0.9", seconds=3600) == 0


def test_the_window_is_fixed_and_the_next_one_starts_from_nothing(db, monkeypatch):
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(minutes=59))
    assert attempt_counted("board-ip", "10.0.0.1", limit=1, seconds=3600) is True
    assert attempt_counted("board-ip", "10.0.0.1", limit=1, seconds=3600) is False
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(minutes=61))
    assert attempt_counted("board-ip", "10.0.0.1", limit=1, seconds=3600) is True


def test_a_challenge_is_used_once_in_one_statement(db, django_assert_num_queries):
    challenge = challenge_new(a=4, b=5)
    with django_assert_num_queries(1):
        assert challenge_problem(challenge.token, "9") is None
    with django_assert_num_queries(1):
        assert challenge_problem(challenge.token, "9") == "验证题已使用过，请重新作答。"
    with django_assert_num_queries(0):  # refused before the database
        assert challenge_problem(challenge.token, "8") == "验证题答案不正确。"
        assert challenge_problem("forged", "9") == "验证题无效，请重新作答。"
        assert challenge_problem(challenge.token, " ") == "请回答验证题。"


def test_expired_marks_are_purged_by_the_scheduler(db):
    attempt_counted("form-ip", "10.0.0.1", limit=5, seconds=3600)
    attempt_counted("form-ip", "10.0.0.2", limit=5, seconds=3600)
    Mark.objects.filter(key__contains=":").update(expires_at=timezone.now() - timedelta(seconds=1))
    attempt_counted("form-ip", "10.0.0.3", limit=5, seconds=3600)
    assert marks_purge() == 2
    assert Mark.objects.count() == 1
    Mark.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("sla_scheduler", once=True)
    assert not Mark.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_processes_at_once_count_every_attempt_and_accept_a_challenge_once():
    """Eight connections (as the server's processes and threads) count the same address and try the
    same solved challenge at the same moment: every attempt counted once, one answer accepted."""
    threads_count, barrier, found, errors = 8, threading.Barrier(8), [], []
    challenge = challenge_new(a=1, b=2)

    def attempt():
        try:
            barrier.wait(timeout=10)
            counted = attempt_counted("form-ip", "10.0.0.7", limit=100, seconds=3600)
            found.append((counted, challenge_problem(challenge.token, "3")))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert attempts_made("form-ip", "10.0.0.7", seconds=3600) == threads_count
    assert sorted(problem or "" for _counted, problem in found) == [""] + ["验证题已使用过，请重新作答。"] * 7
