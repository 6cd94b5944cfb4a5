"""Encryption at rest for personal data, and keyed hashes for lookups by phone."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from cityloop.config import get_settings


@lru_cache
def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(("pii:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str | None) -> str | None:
    """Encrypt a personal value (None stays None)."""
    if value is None or value == "":
        return value
    return _fernet(get_settings().secret_key).encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """Decrypt a value stored by `encrypt`; undecryptable data reads as None."""
    if not token:
        return token
    try:
        return _fernet(get_settings().secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def blind_index(value: str | None) -> str | None:
    """Keyed hash so cases can be found by phone without storing it in clear."""
    if not value:
        return None
    digest = hmac.new(get_settings().secret_key.encode(), value.strip().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
