"""What criteria may read about each kind of subject, and how each attribute is typed for matching."""

from __future__ import annotations

# `extra.<name>` reads a key of the row's `extra` JSON; the marker below allows it in validation.
EXTRA = "extra.*"

ENTERPRISE: dict[str, str] = {"uscc": "text", "name": "text", "industry": "text", "scale": "text",
                              "registered_year": "number", "division_code": "text", "employees": "number",
                              "revenue": "number", "tax_credit": "text", "high_tech": "bool", "rnd_ratio": "number"}
# A person's age is derived from the birth date at match time; the name and ID number are never criteria.
PERSON: dict[str, str] = {"age": "number", "sex": "text", "division_code": "text", "disability_level": "number",
                          "low_income": "bool", "veteran": "bool", "elderly_alone": "bool", "employment": "text"}
OBJECTS: dict[str, dict[str, str]] = {"enterprise": ENTERPRISE, "person": PERSON}


def allowed(kind: str) -> frozenset[str]:
    """Attribute names criteria over `kind` may name (plus any `extra.<key>`)."""
    return frozenset(OBJECTS[kind]) | {EXTRA}


def person_subject_id(row_id: int) -> str:
    """The opaque, stable subject id of a person in match output (never the ID number)."""
    return f"P{row_id}"


def person_row_id(subject_id: str) -> int | None:
    """The row id behind a person subject id, or None if it is not one."""
    if subject_id[:1] == "P" and subject_id[1:].isdigit():
        return int(subject_id[1:])
    return None
