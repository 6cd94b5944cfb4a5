"""CSRF tokens (signed double-submit): a random value signed with the secret key, sent as cookie and header/field."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from cityloop.config import get_settings

COOKIE = "cityloop_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="cityloop-csrf")


def new_token() -> str:
    """A fresh signed token."""
    return _serializer().dumps(secrets.token_urlsafe(24))


def valid(token: str | None) -> bool:
    """True if `token` was signed by this deployment."""
    if not token:
        return False
    try:
        _serializer().loads(token)
    except BadSignature:
        return False
    return True


def matches(cookie: str | None, sent: str | None) -> bool:
    """True if the token sent back equals the signed cookie (a cross-site page can read neither)."""
    # Bytes: compare_digest raises on str with non-ASCII characters, and a form may send any text.
    return bool(cookie and sent and valid(cookie) and secrets.compare_digest(cookie.encode(), sent.encode()))
