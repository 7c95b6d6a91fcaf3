"""A per-process cache of small configuration tables (calendars here, rule-set deadlines in rules).

- In this process, a change clears it at once (`changed` is a post_save /
  post_delete receiver, and services call it after bulk writes). While the
  changing transaction is open, lookups bypass the cache, so a rolled-back
  change is never cached; the cache is cleared again when the transaction commits.
- In other processes (other gunicorn workers) an entry expires after
  `ttl_seconds`, read from the named setting at each lookup.
"""

import threading
import time

from django.conf import settings
from django.db import transaction


class TableCache:
    def __init__(self, ttl_setting, default_ttl):
        self.ttl_setting, self.default_ttl = ttl_setting, default_ttl
        self._entries = {}  # key -> (loaded at, monotonic seconds; value)
        self._dirty = False
        self._lock = threading.Lock()

    def get(self, key, load, *, cacheable=lambda value: True):
        """The cached value of `key`, else `load()` (cached when `cacheable(value)` and safe)."""
        if self._dirty and not transaction.get_connection().in_atomic_block:
            self.clear()  # the transaction that changed the table has ended
        if not self._dirty:
            hit = self._entries.get(key)
            if hit and time.monotonic() - hit[0] < self._ttl():
                return hit[1]
        value = load()
        if not self._dirty and cacheable(value):
            with self._lock:
                self._entries[key] = (time.monotonic(), value)
        return value

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._dirty = False

    def changed(self, **kwargs):
        """The table changed, maybe inside a transaction that may still roll back."""
        with self._lock:
            self._entries.clear()
            if transaction.get_connection().in_atomic_block:
                self._dirty = True
        transaction.on_commit(self.clear)

    def _ttl(self):
        return getattr(settings, self.ttl_setting, self.default_ttl)
