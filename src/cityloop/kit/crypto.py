"""Encryption at rest for personal data, and keyed hashes for lookups by phone.

Every function takes an explicit `secret` for key rotation; without one it uses the configured secret key.
Columns holding what these functions produce are flagged in their `info` (see kit/keys/columns.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from cityloop.config import get_settings

_CHECK_LABEL = b"cityloop key check v1"
# Column flags read by key rotation: re-encrypt, recompute from another column, or forget (kit/keys/columns.py).
ENCRYPTED = {"encrypted": True}
KEYED_DIGEST = {"keyed_digest": True}


def blind_index_of(column: str) -> dict[str, str]:
    """Column flag: holds `blind_index` of the decrypted value of `column` in the same row."""
    return {"blind_index_of": column}


def _data_key(secret: str) -> bytes:
    return hashlib.sha256(("pii:" + secret).encode()).digest()


@lru_cache
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_data_key(secret)))


def _secret(secret: str | None) -> str:
    return get_settings().secret_key if secret is None else secret


def encrypt(value: str | None, secret: str | None = None) -> str | None:
    """Encrypt a personal value (None stays None)."""
    if value is None or value == "":
        return value
    return _fernet(_secret(secret)).encrypt(value.encode()).decode()


def decrypt(token: str | None, secret: str | None = None) -> str | None:
    """Decrypt a value stored by `encrypt`; undecryptable data reads as None."""
    if not token:
        return token
    try:
        return _fernet(_secret(secret)).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def readable(token: str, secret: str | None = None) -> bool:
    """True if `token` was encrypted under this secret."""
    try:
        _fernet(_secret(secret)).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str | None, secret: str | None = None) -> str | None:
    """Keyed hash so cases can be found by phone without storing it in clear."""
    if not value:
        return None
    digest = hmac.new(_secret(secret).encode(), value.strip().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def keyed_digest(label: str, data: bytes, secret: str | None = None) -> str:
    """HMAC-SHA256 of `data` under a key derived for `label` (hashes that must not be brute-forced offline)."""
    key = hmac.new(_data_key(_secret(secret)), label.encode(), hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def check_value(secret: str | None = None) -> str:
    """A value that identifies the data key without revealing it (stored to detect a changed secret key)."""
    return hmac.new(_data_key(_secret(secret)), _CHECK_LABEL, hashlib.sha256).hexdigest()
