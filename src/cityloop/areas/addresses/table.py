"""In-memory standard-address table (标准地址库): match a parsed address to a record for a point and grid."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from cityloop.areas.addresses.standardizer import StandardAddress, standardize
from cityloop.areas.divisions.gazetteer import normalize

# Division-code widths to narrow candidates by, most specific first: town, district, city.
_SCOPES = (9, 6, 4)
_DETAIL_FIELDS = ("community", "road", "number", "poi", "building", "unit", "room")


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """One row of the standard-address table, as any store (DB, CSV) provides it."""

    text: str
    lng: float
    lat: float
    grid_code: str | None = None
    division_code: str | None = None


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """The record a parsed address matched and the rapidfuzz score (0–100)."""

    record: AddressRecord
    score: float


def detail_key(address: StandardAddress) -> str:
    """Comparable key of the below-division part (road, number, POI, building, unit, room)."""
    return "".join(getattr(address, name) or "" for name in _DETAIL_FIELDS)


class AddressTable:
    """Standard addresses indexed by division-code prefix, matched by rapidfuzz on their detail keys."""

    def __init__(self, records: Iterable[AddressRecord], *, min_score: float = 85.0) -> None:
        """Parse every record once and index it under its town, district and city code prefixes."""
        self.min_score = min_score
        self._records: list[AddressRecord] = []
        self._keys: list[str] = []
        self._scopes: dict[str, list[int]] = {}
        for record in records:
            self.add(record)

    def add(self, record: AddressRecord) -> None:
        """Index one record (the division code comes from the record, else from parsing its text)."""
        parsed = standardize(record.text)
        code = (record.division_code or parsed.division_code or "").ljust(12, "0")
        index = len(self._records)
        self._records.append(record)
        self._keys.append(detail_key(parsed) or normalize(record.text))
        for width in _SCOPES:
            if code[:width].strip("0"):
                self._scopes.setdefault(code[:width], []).append(index)
        self._scopes.setdefault("", []).append(index)

    def __len__(self) -> int:
        """Number of records."""
        return len(self._records)

    def _candidates(self, division_code: str | None) -> list[int]:
        """Record indexes in the narrowest scope that has any, from the parsed division code."""
        code = (division_code or "").ljust(12, "0")
        for width in _SCOPES:
            found = self._scopes.get(code[:width])
            if found and code[:width].strip("0"):
                return found
        return self._scopes.get("", []) if not division_code else []

    def match(self, address: StandardAddress) -> AddressMatch | None:
        """Best record for a parsed address within its division, or None below the score threshold."""
        key = detail_key(address)
        candidates = self._candidates(address.division_code)
        if not key or not candidates:
            return None
        found = process.extractOne(
            key, [self._keys[i] for i in candidates], scorer=fuzz.ratio, score_cutoff=self.min_score
        )
        if found is None:
            return None
        return AddressMatch(self._records[candidates[found[2]]], float(found[1]))

    def geocode(self, address: StandardAddress) -> StandardAddress:
        """The address with lng/lat/grid_code filled from the matched record (unchanged when none matches)."""
        found = self.match(address)
        if found is None:
            return address
        record = found.record
        return replace(address, lng=record.lng, lat=record.lat, grid_code=record.grid_code)
