"""Group commit (成批提交) of accepted orders, for the national peak.

In a threaded server process (gunicorn's gthread workers, as `griddesk serve` runs), the API's
order creates hand their drafts (`services.order_draft`: every read done, nothing written) to
one writer thread per process, which writes whatever has queued up meanwhile in one
transaction (`intake.intake_write`): one order-number counter update, one INSERT per table
and one commit for the lot. At low load a batch is one draft, written at once: nothing waits
for a batch to fill. Under load a batch grows by itself to the requests that arrived during
the previous commit, so the gapless counter row (rule K-8) is locked once per batch rather
than once per order.

If a batch fails, each of its drafts is written again alone, so a bad draft (say an
idempotency key raced by a retry in another process) fails only its own request.

On with settings.GRIDDESK_GROUP_COMMIT (default). Never inside a transaction: a caller in an
atomic block (tests, a service composing the create) writes in its own transaction instead,
which the writer thread's connection could not see.
"""

import logging
import os
import queue
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from griddesk.orders.intake import intake_write
from griddesk.orders.services import order_draft_commit

log = logging.getLogger(__name__)
MAX_BATCH = 64
WAIT_SECONDS = 30


class IntakeTimeout(Exception):
    """The writer did not answer in time (HTTP 503); the order may or may not be written."""


def intake_commit(draft):
    """Write `draft` (from `services.order_draft`) and return its order: batched when possible."""
    if draft.parent is not None or not settings.GRIDDESK_GROUP_COMMIT or connection.in_atomic_block:
        return order_draft_commit(draft)  # a repeat contact also updates its parent: alone
    return _batcher().submit(draft)


class _Pending:
    __slots__ = ("done", "draft", "error")

    def __init__(self, draft):
        self.draft, self.done, self.error = draft, threading.Event(), None


class IntakeBatcher:
    """One writer thread and its queue, in one process."""

    def __init__(self, max_batch=MAX_BATCH):
        self.max_batch = max_batch
        self._queue = queue.SimpleQueue()
        self.batch_sizes = {}  # size -> batches written (tests, bench)
        self._thread = threading.Thread(target=self._run, name="griddesk-intake", daemon=True)
        self._thread.start()

    def submit(self, draft):
        pending = _Pending(draft)
        self._queue.put(pending)
        if not pending.done.wait(WAIT_SECONDS):
            raise IntakeTimeout(f"order intake writer did not answer within {WAIT_SECONDS} s")
        if pending.error is not None:
            raise pending.error
        return draft.order

    def stop(self):
        """Let the writer finish what is queued, close its connection and end (tests, shutdown)."""
        self._queue.put(None)
        self._thread.join(WAIT_SECONDS)

    def _run(self):
        while (batch := self._take()) is not None:
            try:
                close_old_connections()  # a connection the database dropped is replaced here
                self._write(batch)
            except Exception as error:  # the writer never dies: this batch's requests fail instead
                log.exception("order intake writer failed on a batch of %d", len(batch))
                for pending in batch:
                    if not pending.done.is_set():
                        pending.error = error
                        pending.done.set()
            self.batch_sizes[len(batch)] = self.batch_sizes.get(len(batch), 0) + 1
        connection.close()

    def _take(self):
        """The next batch: the first draft to arrive and every one queued behind it (None: stop)."""
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending is None:
                self._queue.put(None)  # stop after this batch
                break
            batch.append(pending)
        return batch

    def _write(self, batch):
        try:
            intake_write([pending.draft for pending in batch])
        except Exception as error:
            if len(batch) > 1:
                log.info("intake batch of %d failed (%s); writing its drafts one by one", len(batch), error)
                for pending in batch:
                    pending.draft.reset()
                    self._write([pending])
                return
            batch[0].error = error
        for pending in batch:
            pending.done.set()


_state = {"pid": None, "batcher": None}
_state_lock = threading.Lock()


def intake_batcher_stop():
    with _state_lock:
        if _state["batcher"] is not None and _state["pid"] == os.getpid():
            _state["batcher"].stop()
        _state["batcher"] = _state["pid"] = None


def _batcher():
    # One per process: a forked worker starts its own (threads do not survive a fork).
    with _state_lock:
        if _state["pid"] != os.getpid():
            _state["batcher"], _state["pid"] = IntakeBatcher(), os.getpid()
        return _state["batcher"]
