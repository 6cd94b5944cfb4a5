"""Signed patrol tags: a QR code carries a token naming its point, never a bare id that anyone could print."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cityloop.config import get_settings
from cityloop.kit.errors import ValidationFailed

_SALT = "cityloop.patrol-tag"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=_SALT)


def token_for(point_code: str) -> str:
    """The token to print on a point's tag."""
    return str(_serializer().dumps(point_code))


def point_of(token: str) -> str:
    """The point a tag's token names; a forged or expired token is a field error."""
    max_age = get_settings().checkin_tag_max_age_days * 86400
    try:
        return str(_serializer().loads(token, max_age=max_age))
    except SignatureExpired:
        raise ValidationFailed({"token": ("点位标签已过期，请重新打印", "This tag has expired; ask for a new one")
                                }) from None
    except BadSignature:
        raise ValidationFailed({"token": ("点位标签无效（可能是伪造的）", "This tag is not valid (it may be forged)")
                                }) from None
