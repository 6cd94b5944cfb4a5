"""Masking of personal data (phone, ID number, name) for readers without the right to see it."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****1234 style; short numbers keep only the last two digits."""
    if not phone:
        return phone
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_id_number(value: str | None) -> str | None:
    """110***********1234 style."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str | None) -> str | None:
    """张* / 欧阳** : keep the first character."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
