"""Intake locator: coordinates → grid → division; address text → standardised division (→ point → grid)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from cityloop.areas.addresses.standardizer import Geocoder, standardize
from cityloop.areas.grids import index as grid_index
from cityloop.cases.intake import Placement
from cityloop.cases.schemas import CaseIn
from cityloop.config import get_settings

# Suppliers of the standard-address table (标准地址库) for a session; the address registry registers one.
address_tables: list[Callable[[Session], Geocoder | None]] = []


def division_of(code12: str | None) -> str | None:
    """A 12-digit statistical code trimmed to our division lengths (2/4/6/9/12): 330106005000 → 330106005."""
    if not code12:
        return None
    code = code12.ljust(12, "0")
    for width, tail in ((2, code[2:]), (4, code[4:]), (6, code[6:]), (9, code[9:])):
        if not tail.strip("0"):
            return code[:width] if code[:width].strip("0") else None
    return code


def _geocoder(session: Session) -> Geocoder | None:
    for provide in address_tables:
        table = provide(session)
        if table is not None:
            return table
    return None


def locate(session: Session, data: CaseIn) -> Placement:
    """Division and grid of a new case from its point or, failing that, its address text (then with its point)."""
    loc = data.location
    if loc.lng is not None and loc.lat is not None:
        found = grid_index.lookup(session, loc.lng, loc.lat)
        if found is not None:
            return Placement(found[1], found[0])
    if not loc.address:
        return Placement(None, None)
    city = get_settings().city_code
    address = standardize(loc.address, within=city, table=_geocoder(session))
    division = division_of(address.division_code)
    if division is not None and not division.startswith(city):
        # A place named in another city cannot be filed here; let intake fall back to the city itself.
        division = None
    grid = address.grid_code
    if address.lng is None or address.lat is None:
        return Placement(division, grid)
    found = grid_index.lookup(session, address.lng, address.lat)
    if found is not None:
        return Placement(found[1], found[0], address.lng, address.lat)
    return Placement(division, grid, address.lng, address.lat)


def register() -> None:
    """Add `locate` to the intake locators (idempotent)."""
    from cityloop.cases import intake

    if locate not in intake.locators:
        intake.locators.append(locate)
