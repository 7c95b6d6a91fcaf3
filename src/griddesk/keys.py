"""Keys GridDesk holds outside its database (密钥): the session key, the seal key, the audit key.

Each key ring comes from an environment variable when it is set (production: from the operator's
secret store), else from a file under `var/keys/` that the first start writes with fresh random
keys, mode 0600. So the embedded default works with no set-up, yet no two installations share a
key and none is in the repository (issue 8). A ring is a list, newest first: the first key signs or
encrypts, the others only verify or decrypt, which is how a key is rotated (docs/security.md).

This module is read by settings.py, so it imports nothing of Django.
"""

import os
import secrets
import tempfile
from pathlib import Path

KEY_BYTES = 32
# Django's SECRET_KEY: 48 bytes make 64 characters, past the 50 that `check --deploy` asks for.
SECRET_KEY_BYTES = 48


def new_key(nbytes=KEY_BYTES):
    """A fresh random key: `nbytes` random bytes, URL-safe base64 (32 bytes: 43 characters)."""
    return secrets.token_urlsafe(nbytes)


def keyring(*, path, env=None, nbytes=KEY_BYTES):
    """The keys of one ring, newest first: `env` (comma-separated) if set, else the file `path`
    (one key a line), written with one new key of `nbytes` bytes if it does not exist yet."""
    value = os.environ.get(env, "").strip() if env else ""
    if value:
        return [key.strip() for key in value.split(",") if key.strip()]
    return _ring_file(Path(path), nbytes)


def _ring_file(path, nbytes):
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    _write_new(path, [new_key(nbytes)])
    return _read(path)


def _read(path):
    keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not keys:
        raise RuntimeError(f"key file {path} is empty: restore it from the backup, or remove it to start afresh")
    return keys


def _write_new(path, keys):
    """Create `path` holding `keys`, unless another process created it first (then keep theirs)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = _temp_with(path, keys)
    try:
        os.link(temp, path)  # atomic, and fails if it exists: two first starts agree on one key
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def _temp_with(path, keys):
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
        handle.write("".join(f"{key}\n" for key in keys))
    return temp


def keyring_rotate(path, nbytes=KEY_BYTES):
    """Put a new key in front of the ring in the file `path` (the old ones stay, to verify or
    decrypt what they made); returns the new ring. Rings set in the environment are the operator's."""
    path = Path(path)
    ring = [new_key(nbytes), *_read(path)]
    temp = _temp_with(path, ring)
    os.replace(temp, path)
    return ring


def keyring_read(path):
    """The keys of the ring in the file `path`, newest first."""
    return _read(Path(path))


def keyring_retire(path):
    """Keep only the newest key of the ring in the file `path`; returns how many were dropped.
    Only for the secret key: seal and audit keys must stay to decrypt and verify old records."""
    path = Path(path)
    keys = _read(path)
    os.replace(_temp_with(path, keys[:1]), path)
    return len(keys) - 1
