"""Encryption at rest of sealed identities (封存身份加密), rule K-7.

A whistleblower's or anonymous complainant's name, phone, contact and account number are
stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256, random IV) under the first key of
`settings.GRIDDESK_SEAL_KEYS`; every key of the ring decrypts, so a key is rotated by putting a
new one in front (`griddesk keys rotate seal`), restarting, and re-encrypting
(`griddesk seal reencrypt`). The database alone, or a backup of it, reveals no identity;
docs/security.md says where the keys live.

Ciphertext carries a prefix, so a value written before encryption existed is recognised
(and re-encrypted by `seal reencrypt`) instead of being mistaken for a broken seal.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "sealed:v1:"
UNREADABLE = "[无法解密：封存密钥缺失或已更换]"


class SealBroken(Exception):
    """A sealed value that none of the ring's keys opens (wrong or missing key file)."""


class Unreadable(str):
    """What a sealed column reads as when no key opens it; refused if anything tries to save it."""


def _fernet_key(key):
    # Any string of the ring works: Fernet wants 32 url-safe base64 bytes, so derive them.
    return base64.urlsafe_b64encode(hashlib.sha256(b"griddesk seal\x00" + key.encode()).digest())


@cache
def _ring(keys):
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def ring(keys=None):
    return _ring(tuple(keys if keys is not None else settings.GRIDDESK_SEAL_KEYS))


def is_sealed(value):
    return bool(value) and value.startswith(PREFIX)


def seal(text, *, keys=None):
    """`text` encrypted under the ring's first key; "" stays "" (nothing to hide)."""
    if not text:
        return ""
    return PREFIX + ring(keys).encrypt(str(text).encode("utf-8")).decode("ascii")


def unseal(value, *, keys=None):
    """The plain text of a sealed value; a legacy plain value is returned as it is."""
    if not is_sealed(value):
        return value or ""
    try:
        return ring(keys).decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SealBroken("no key of GRIDDESK_SEAL_KEYS opens this value") from None


class SealedTextField(models.TextField):
    """A text column stored encrypted. Not searchable (each encryption differs): never filter on it."""

    prepares_values = True  # griddesk.fastsql: always through get_db_prep_save

    def from_db_value(self, value, expression, connection):
        try:
            return unseal(value)
        except SealBroken:
            return Unreadable(UNREADABLE)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if isinstance(value, Unreadable):
            raise SealBroken("an unreadable sealed value cannot be saved back")
        return value if is_sealed(value) else seal(value)
