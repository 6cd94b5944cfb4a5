"""Person registry import (ID numbers and names encrypted, found again by the ID number's blind index)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject
from cityloop.kit.crypto import blind_index, decrypt, encrypt
from cityloop.kit.masking import mask_id_number, mask_name
from cityloop.policy.registry import importer
from cityloop.policy.registry.attributes import person_subject_id
from cityloop.policy.registry.importer import Chunk, RegistryImport
from cityloop.policy.registry.models import Person
from cityloop.policy.registry.persons.rows import COLUMNS, parse_row
from cityloop.policy.registry.rows import digest


def import_persons(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False,
                   resume: bool = False, chunk_size: int = importer.CHUNK_SIZE) -> RegistryImport:
    """Import (or update by ID number) persons from CSV/XLSX; nothing is written if any row is bad unless asked."""
    return importer.run(session, subject, KIND, data, filename, keep_good, resume, chunk_size)


def find(session: Session, id_number: str) -> Person | None:
    """The person with this ID number (through its blind index)."""
    return session.scalars(select(Person).where(Person.id_index == blind_index(id_number.strip().upper()))).first()


def display_name(person: Person, subject: Subject) -> str:
    """The person's name, masked unless the caller may read personal data."""
    name = decrypt(person.name) or ""
    return name if subject.sees_pii else mask_name(name) or ""


def display_id_number(person: Person, subject: Subject) -> str:
    """The person's ID number, masked unless the caller may read personal data."""
    value = decrypt(person.id_number) or ""
    return value if subject.sees_pii else mask_id_number(value) or ""


def _write(session: Session, rows: list[dict[str, Any]]) -> Chunk:
    done = Chunk()
    keyed = {blind_index(r["id_number"]) or "": r for r in rows}
    stmt = select(Person).where(Person.id_index.in_(list(keyed)))
    existing = {p.id_index: p for p in session.scalars(stmt)} if keyed else {}
    touched: list[Person] = []
    for index, row in keyed.items():
        found, row_hash = existing.get(index), digest(row)
        if found is not None and found.row_hash == row_hash:
            done.unchanged += 1
            continue
        values = {**row, "id_number": encrypt(row["id_number"]), "name": encrypt(row["name"]), "row_hash": row_hash}
        if found is None:
            found = Person(id_index=index, **values)
            session.add(found)
            done.created += 1
        else:
            for key, value in values.items():
                setattr(found, key, value)
            done.updated += 1
        touched.append(found)
    session.flush()
    done.changed = [person_subject_id(p.id) for p in touched]
    return done


KIND = importer.Kind("person", COLUMNS, parse_row, "id_number", _write)
