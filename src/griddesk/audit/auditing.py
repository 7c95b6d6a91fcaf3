"""The auditor's work from the screen (console/auditor.py): who may audit, exports recorded in the
history, and "verify the whole audit" as a background task with its progress and result kept
(rule K-8; docs/audit.md)."""

import logging
import threading
import time
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.models import AuditEvent, VerifyRun, VerifyStatus
from griddesk.audit.services import audit_append, stream_of

AUDITOR_ROLE = "auditor"
SUPERVISOR_ROLE = "supervisor"
TRAIL_PERMISSION = "audit.view_audit_trail"
PROBLEMS_KEPT = 200  # a run keeps the first 200 problems as text; problem_count says how many in all
PROGRESS_SECONDS = 1.0  # how often a running verify writes its progress
STALE_AFTER = timedelta(hours=6)  # a run queued or running this long is taken as dead (worker killed)
EXPORT_FORMATS = ("csv", "json")
logger = logging.getLogger(__name__)


def may_audit(user):
    """The auditor screen is for the auditor role, and for supervisors granted the permission
    "可查阅审计历史" (audit.view_audit_trail); superusers pass both."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(AUDITOR_ROLE):
        return True
    return user.has_role(SUPERVISOR_ROLE) and user.has_perm(TRAIL_PERMISSION)


def audit_require(user):
    if not may_audit(user):
        raise PermissionDenied(_("只有审计人员和获授权的督办人员可以查阅审计历史。"))


def trail_exported(*, actor, stream, subject, fmt, events):
    """Record an export of an audit history (an order's or a user's) in the history itself: an
    `audit.exported` event on the stream of what was exported (the order, the staff member)."""
    audit_require(actor)
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": _("导出格式只能是 CSV 或 JSON，收到的是：%s") % fmt})
    return audit_append(stream=stream, action="audit.exported", actor=actor,
                        payload={"subject": subject, "format": fmt, "events": events})


# ---------------------------------------------------------------- verify the whole audit, in the background


def verify_run_active():
    """The run queued or running now, if any (one that has been at it longer than STALE_AFTER is not)."""
    since = timezone.now() - STALE_AFTER
    return (VerifyRun.objects.filter(status__in=[VerifyStatus.QUEUED, VerifyStatus.RUNNING], created_at__gte=since)
            .select_related("started_by").first())


def verify_run_start(*, actor):
    """Start "verify the whole audit" (`griddesk audit verify`'s checks, no checkpoint) as a background
    task; audited. One at a time: while one is queued or running, starting another is refused."""
    audit_require(actor)
    with transaction.atomic():
        _stale_runs_end()
        active = verify_run_active()
        if active is not None:
            raise ValidationError(_("已有一次完整校验在进行中（%(who)s 于 %(at)s 发起），请等待其完成。") % {
                "who": active.started_by, "at": timezone.localtime(active.created_at).strftime("%m-%d %H:%M")})
        run = VerifyRun.objects.create(started_by=actor)
        audit_append(stream=stream_of(run), action="audit.verify_started", actor=actor, new_stream=True)
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _stale_runs_end():
    """Runs queued or running for longer than STALE_AFTER never finished (no task worker, or it was
    killed): they end as 未能完成, saying so."""
    since = timezone.now() - STALE_AFTER
    stale = VerifyRun.objects.filter(status__in=[VerifyStatus.QUEUED, VerifyStatus.RUNNING], created_at__lt=since)
    stale.update(status=VerifyStatus.FAILED, finished_at=timezone.now(),
                 error=_("%d 小时内未完成：后台任务进程（griddesk db_worker）未运行或被中断。")
                 % (STALE_AFTER.total_seconds() // 3600))


def _enqueue(run_id):
    from griddesk.audit.tasks import audit_verify_run

    audit_verify_run.enqueue(run_id)


class _ProgressWriter:
    """Writes a running verify's progress where the screen can read it while the verify holds its
    snapshot open: from a thread of its own (its own database connection), every PROGRESS_SECONDS.
    Inside a transaction that is the snapshot itself (tests), it writes directly."""

    def __init__(self, run_id):
        self.run_id, self.checked, self.written = run_id, 0, 0
        self.direct = connection.in_atomic_block
        self.stopping = threading.Event()
        self.thread = None if self.direct else threading.Thread(target=self._loop, name="audit-verify-progress",
                                                                  daemon=True)
        if self.thread is not None:
            self.thread.start()

    def __call__(self, checked):
        self.checked = checked
        if self.direct:
            self._write()

    def _write(self):
        if self.checked != self.written:
            VerifyRun.objects.filter(pk=self.run_id).update(checked=self.checked)
            self.written = self.checked

    def _loop(self):
        try:
            while not self.stopping.wait(PROGRESS_SECONDS):
                try:
                    self._write()
                except DatabaseError as error:  # progress is a courtesy: the verify goes on regardless
                    logger.warning("audit verify run %s: progress not written: %s", self.run_id, error)
        finally:
            connection.close()

    def stop(self):
        if self.thread is not None:
            self.stopping.set()
            self.thread.join()


def verify_run_execute(*, run_id):
    """The background task's work: verify the whole history, writing progress as it goes, and keep
    the result on the run (OK, or the problems found); the end is recorded in the history too."""
    from griddesk.audit.verify import history_verify

    claimed = VerifyRun.objects.filter(pk=run_id, status=VerifyStatus.QUEUED).update(
        status=VerifyStatus.RUNNING, started_at=timezone.now(), total=AuditEvent.objects.count())
    if not claimed:
        return None  # already run, or not queued (a second worker picked the same task)
    writer = _ProgressWriter(run_id)
    started = time.perf_counter()
    try:
        report = history_verify(progress=writer)
    except Exception as error:  # the run must end, whatever broke; the worker logs the traceback
        writer.stop()
        close_old_connections()
        _finish(run_id, status=VerifyStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    writer.stop()
    problems = [str(item) for item in report.breaks]
    status = VerifyStatus.OK if report.ok else VerifyStatus.BROKEN
    return _finish(run_id, status=status, checked=report.events, streams=report.streams,
                   problem_count=len(problems), problems=problems[:PROBLEMS_KEPT],
                   seconds=time.perf_counter() - started)


def _finish(run_id, *, status, seconds=None, **fields):
    with transaction.atomic():
        VerifyRun.objects.filter(pk=run_id).update(status=status, finished_at=timezone.now(), **fields)
        run = VerifyRun.objects.get(pk=run_id)
        payload = {"status": status, "events": run.checked, "streams": run.streams, "problems": run.problem_count}
        if run.problems:
            payload["first"] = run.problems[0]
        if run.error:
            payload["error"] = run.error[:500]
        if seconds is not None:
            payload["seconds"] = round(seconds, 1)
        audit_append(stream=stream_of(run), action="audit.verify_finished", payload=payload)
    return run


def verify_runs(limit=10):
    """The newest runs, with who started them (one query)."""
    return list(VerifyRun.objects.select_related("started_by").order_by("-created_at", "-pk")[:limit])
