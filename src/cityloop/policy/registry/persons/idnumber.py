"""Resident ID numbers (居民身份证号, GB 11643): check digit, and the birth date and sex they carry."""

from __future__ import annotations

from datetime import date

from cityloop.areas.elements.rows import id_number_valid

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(body: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def parse(value: str) -> tuple[date, str] | None:
    """(birth date, sex m/f) of a valid ID number; None if the check digit or the birth date is wrong."""
    value = value.strip().upper()
    if not id_number_valid(value):
        return None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born, "m" if int(value[16]) % 2 else "f"


def age_on(born: date, day: date) -> int:
    """Full years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
