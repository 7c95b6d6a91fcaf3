"""The audit key ring (审计密钥): the keys that make the history's hashes unforgeable (rule K-8).

The ring is `settings.GRIDDESK_AUDIT_KEYS`, newest first (griddesk/keys.py: from the environment
or from var/keys/audit, never from the database). The newest key signs; every key of the ring
still verifies what it signed, which is how a key is rotated. Each event and checkpoint names its
key by a short id derived from the key, so the id reveals nothing of the key itself.
"""

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

KEY_ID_LENGTH = 8


class UnknownKey(LookupError):
    """Something names a key id that is not in the audit key ring (a key removed from the ring?)."""


def key_id_of(key):
    """The short public name of `key`: 8 hex digits of a hash of it."""
    return hashlib.sha256(b"griddesk audit key id\x00" + key.encode("utf-8")).hexdigest()[:KEY_ID_LENGTH]


@lru_cache(maxsize=8)
def _ring(keys):
    return {key_id_of(key): key.encode("utf-8") for key in keys}


def audit_ring():
    """{key id: key bytes} of the ring, newest first. Read at each call: tests and rotations change it."""
    keys = tuple(settings.GRIDDESK_AUDIT_KEYS)
    if not keys:
        raise UnknownKey("the audit key ring is empty (settings.GRIDDESK_AUDIT_KEYS)")
    return _ring(keys)


def signing_key():
    """(key id, key bytes) of the newest key: the one new events and checkpoints are signed with."""
    return next(iter(audit_ring().items()))


def key_for(key_id):
    """The key bytes of `key_id`; UnknownKey if the ring does not hold it."""
    try:
        return audit_ring()[key_id]
    except KeyError:
        raise UnknownKey(f"audit key {key_id!r} is not in the key ring") from None


def sign(key, text):
    """HMAC-SHA256 of `text` under `key`, as 64 hex digits."""
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()
