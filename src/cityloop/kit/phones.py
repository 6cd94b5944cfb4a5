"""The one phone-number rule for every intake (portal, desk, grid, API, imports): mainland mobile or landline."""

from __future__ import annotations

import re

# Separators people type between digit groups; they carry no meaning and are dropped before checking.
_SEPARATORS = re.compile(r"[\s\-()]")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)(?=1\d{10}$)")
# Mobile: 11 digits, 1 then 3–9 (all mainland carriers). Landline: trunk 0, 2–3 digit area code, 7–8 digit number,
# optional extension. Service numbers: 400/800 + 7 digits.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0[1-9]\d{1,2}[2-9]\d{6,7}$")
_SERVICE = re.compile(r"^[48]00\d{7}$")

MESSAGE = ("请填写正确的手机号(11位)或带区号的固定电话", "Enter a mainland mobile number (11 digits) "
           "or a landline with its area code")


def normalize_phone(value: str) -> str | None:
    """The number as digits (extension kept with '-'), or None when it is no mainland mobile or landline."""
    raw = value.strip()
    extension = ""
    if m := re.search(r"(?:转|ext\.?|#)\s*(\d{1,6})$", raw, re.IGNORECASE):
        extension, raw = m.group(1), raw[: m.start()]
    digits = _COUNTRY.sub("", _SEPARATORS.sub("", raw))
    if not digits.isdigit():
        return None
    if _MOBILE.match(digits) and not extension:
        return digits
    if _SERVICE.match(digits):
        return digits + (f"-{extension}" if extension else "")
    if _LANDLINE.match(digits):
        return digits + (f"-{extension}" if extension else "")
    return None


def is_valid_phone(value: str) -> bool:
    """True when the value is a mainland mobile number or a landline with area code."""
    return normalize_phone(value) is not None
