"""Keyset cursors for case lists: the last row's order value and id, opaque to callers."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cityloop.cases.models import Case
from cityloop.cases.repository import KEYSET_ORDERS
from cityloop.kit.errors import ValidationFailed

_BAD = {"after": ("翻页游标无效", "Invalid page cursor")}


def keyset(order: str) -> bool:
    """True when lists in this order can be paged by cursor."""
    return order.lstrip("-") in KEYSET_ORDERS


def encode(case: Case, order: str) -> str:
    """The cursor just after `case` in `order`."""
    value = getattr(case, order.lstrip("-"))
    raw = [order, value.isoformat() if isinstance(value, datetime) else value, case.id]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode(cursor: str, order: str) -> tuple[Any, int]:
    """(order value, id) of a cursor made for the same order, or a 422."""
    if not keyset(order):
        raise ValidationFailed({"after": ("该排序不支持游标翻页", "This order cannot be paged by cursor")})
    try:
        made_for, value, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if made_for != order or not isinstance(last_id, int):
            raise ValueError(cursor)
        return (datetime.fromisoformat(value) if order.lstrip("-") != "id" else int(value)), last_id
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_BAD) from exc
