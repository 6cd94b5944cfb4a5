"""The standard-address table (标准地址库) from the database: a cached matcher for intake and suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas.addresses.standardizer import Geocoder, standardize
from cityloop.areas.addresses.table import AddressRecord, AddressTable
from cityloop.areas.divisions.gazetteer import normalize
from cityloop.areas.elements import repository as repo
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Subject
from cityloop.kit.table_cache import TableCache

SEARCH_LIMIT = 20


@dataclass(frozen=True, slots=True)
class AddressRow:
    """What the element import needs of a matched standard address."""

    id: int
    text: str
    lng: float
    lat: float
    grid_code: str | None
    division_code: str
    building_code: str | None


class DbAddressTable:
    """An `AddressTable` over the database rows plus the rows themselves by text (for ids and building codes)."""

    def __init__(self, rows: list[AddressRow]) -> None:
        """Index every row for matching."""
        self.by_text = {row.text: row for row in rows}
        # Parsing the text again (rather than passing the stored division) keeps record keys and query keys
        # in the same code space: the standardiser's national codes.
        self.table = AddressTable(AddressRecord(r.text, r.lng, r.lat, r.grid_code, None) for r in rows)

    def find(self, text: str) -> AddressRow | None:
        """The standard address that free text matches, or None."""
        exact = self.by_text.get(text)
        if exact is not None:
            return exact
        found = self.table.match(standardize(text, within=get_settings().city_code))
        return self.by_text.get(found.record.text) if found is not None else None


def _build(session: Session) -> DbAddressTable:
    return DbAddressTable([AddressRow(*row) for row in repo.address_rows(session)])


# Imports in this process call invalidate(); other processes' show in the fingerprint within a second.
_cache: TableCache[DbAddressTable] = TableCache(repo.address_fingerprint, _build)
invalidate = _cache.invalidate


def table_for(session: Session) -> DbAddressTable:
    """The matcher over this database's standard addresses, rebuilt when the table changed."""
    return _cache.get(session)


def geocoder(session: Session) -> Geocoder | None:
    """The intake locator's hook: the standard-address table, or None while it is empty."""
    table = table_for(session)
    return table.table if len(table.table) else None


def register() -> None:
    """Offer the standard-address table to the intake locator (idempotent)."""
    from cityloop.areas.addresses import locate

    if geocoder not in locate.address_tables:
        locate.address_tables.append(geocoder)


def unregister() -> None:
    """Withdraw the standard-address table from the intake locator."""
    from cityloop.areas.addresses import locate

    while geocoder in locate.address_tables:
        locate.address_tables.remove(geocoder)


def search(session: Session, subject: Subject | None, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Standard addresses containing every word of `q`: staff see their area with points, others text only."""
    terms = [t for t in (normalize(part) for part in q.split()) if t][:5]
    if not terms or sum(len(t) for t in terms) < 2:
        return []
    limit = max(1, min(limit, SEARCH_LIMIT))
    if subject is not None and subject.is_staff:
        rows = repo.search_addresses(session, subject, terms, limit)
        return [{"id": r.id, "text": r.text, "division_code": r.division_code, "grid_code": r.grid_code,
                 "lng": r.lng, "lat": r.lat, "building_code": r.building_code} for r in rows]
    # Door-plate addresses are public; the portal suggests them city-wide but shows only text and division.
    rows = repo.search_addresses(session, SYSTEM, terms, limit)
    return [{"text": r.text, "division_code": r.division_code} for r in rows]
