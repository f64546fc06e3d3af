"""Pseudonyms for the people who write posts: a keyed hash (HMAC-SHA256) of the author's
name, so that a warehouse, an export or a notebook tells one author from another but not
who they are, and nobody without the key can test a name against it.

The keys live outside the warehouse: in the data folder (`privacy/keys`, readable by its
owner only) or in VEILLE_PRIVACY_KEYS. They form a chain, oldest first: a pseudonym is the
name hashed with the first key, that result hashed with the next, and so on. Rotating
the key (`veille privacy rotate-key`) appends a key and re-hashes every stored pseudonym
with it, so old and new posts of one author keep one pseudonym, and whoever holds an
older key alone can no longer link a name to the warehouse. docs/privacy.md says more.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

from veille.core.settings import settings

PREFIX = "author-"
KEY_BYTES = 32


class PrivacyKeyError(RuntimeError):
    """The keys cannot be read (a damaged file, a bad VEILLE_PRIVACY_KEYS), or are not the
    ones the warehouse's pseudonyms were made with. The message says what to do."""


def keys_path(home: Path) -> Path:
    return home / "privacy" / "keys"


def normal_name(name: str) -> str:
    """An author's name as it is hashed: Unicode NFC, outer spaces removed (the site's
    own spelling otherwise, as the clear warehouse keeps it)."""
    return unicodedata.normalize("NFC", name).strip()


def hash_step(key: bytes, value: str) -> str:
    """One link of the chain: `author-` and 16 hex digits (64 bits) of the HMAC."""
    return PREFIX + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def fingerprint(key: bytes) -> str:
    """What the warehouse records of a key (to notice a lost or swapped key file): a
    hash that says nothing of the key."""
    return hmac.new(key, b"veille key fingerprint", hashlib.sha256).hexdigest()[:16]


class Pseudonyms:
    """Names to pseudonyms with a chain of keys (oldest first)."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ValueError("pseudonyms need at least one key")
        self.keys = list(keys)

    def of(self, name: str) -> str:
        value = normal_name(name)
        for key in self.keys:
            value = hash_step(key, value)
        return value

    @property
    def fingerprints(self) -> list[str]:
        return [fingerprint(k) for k in self.keys]


def _parse(text: str, where: str) -> list[bytes]:
    keys = []
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    for number, part in enumerate(",".join(lines).split(","), 1):
        part = part.strip()
        if not part:
            continue
        try:
            key = bytes.fromhex(part)
        except ValueError:
            raise PrivacyKeyError(f"{where}: key {number} is not hexadecimal") from None
        if len(key) < 16:
            raise PrivacyKeyError(f"{where}: key {number} is shorter than 16 bytes")
        keys.append(key)
    return keys


def read_keys(home: Path) -> list[bytes] | None:
    """The key chain: VEILLE_PRIVACY_KEYS (hex keys, comma-separated, oldest first) when
    set, else the data folder's file; None when neither has one."""
    given = settings().privacy_keys
    if given:
        return _parse(given, "VEILLE_PRIVACY_KEYS") or None
    path = keys_path(home)
    if not path.exists():
        return None
    return _parse(path.read_text(encoding="ascii"), str(path)) or None


def write_keys(home: Path, keys: list[bytes]) -> Path:
    """The chain written to the data folder's key file, readable by its owner only
    (written beside, then moved over, so a crash leaves the old file whole)."""
    path = keys_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write("# Veille's pseudonym keys, oldest first: keep them secret, back them up\n")
        out.writelines(key.hex() + "\n" for key in keys)
    os.replace(partial, path)
    return path


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def pseudonyms(home: Path, *, create: bool) -> Pseudonyms | None:
    """The data folder's pseudonyms; with `create`, a first key is made when there is
    none (never when VEILLE_PRIVACY_KEYS is set: the operator keeps that one)."""
    keys = read_keys(home)
    if keys is None and create:
        if settings().privacy_keys:
            raise PrivacyKeyError("VEILLE_PRIVACY_KEYS holds no key: give a hex key, or unset it")
        keys = [new_key()]
        write_keys(home, keys)
    return Pseudonyms(keys) if keys else None
