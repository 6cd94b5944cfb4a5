"""一件事一次办: one answer set and one merged material list; each item keeps its own decision and time limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject
from cityloop.kit.errors import NotFound
from cityloop.services.applications import service as applications
from cityloop.services.applications.models import Application
from cityloop.services.bundles import repository as repo
from cityloop.services.bundles.models import Bundle
from cityloop.services.guides import service as guides
from cityloop.services.items import repository as items_repo
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem
from cityloop.services.schemas import ApplicationIn


@dataclass
class BundleGuide:
    """The items of a bundle, what each needs, and the merged list (a material two items need is asked once)."""

    bundle: Bundle
    items: list[ServiceItem]
    per_item: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    merged: list[dict[str, Any]] = field(default_factory=list)


def get_bundle(session: Session, code: str) -> Bundle:
    """An active bundle, or NotFound."""
    bundle = repo.by_code(session, code)
    if bundle is None:
        raise NotFound("没有这个一件事", "No such bundle")
    return bundle


def resolve(session: Session, code: str, answers: dict[str, str]) -> BundleGuide:
    """Resolve every item's guide with the shared answers (the same question key is asked once)."""
    bundle = get_bundle(session, code)
    result = BundleGuide(bundle, resolve_items(session, bundle))
    merged: dict[str, dict[str, Any]] = {}
    for item in result.items:
        needed = guides.required_materials(item, answers)
        result.per_item[item.code] = needed
        for m in needed:
            seen = merged.setdefault(m["key"], dict(m))
            seen["copies"] = max(seen["copies"], m["copies"])
    result.merged = list(merged.values())
    return result


def file(session: Session, subject: Subject, code: str, data: ApplicationIn) -> list[Application]:
    """One application per item from one form; nothing is written if any material is missing."""
    applications.check_applicant(subject)
    guide = resolve(session, code, data.answers)
    applications.refuse_missing(guide.merged, set(data.materials))
    made: list[Application] = []
    for item in guide.items:
        ref = made[0].id if made else None
        made.append(applications.create(session, subject, item, data, guide.per_item[item.code], (code, ref)))
    session.commit()
    return made


def resolve_items(session: Session, bundle: Bundle) -> list[ServiceItem]:
    """The live items of a bundle in its order."""
    found = items_repo.active_by_codes(session, bundle.item_codes)
    return [found[c] for c in bundle.item_codes if c in found]


def search(session: Session, q: str) -> list[Bundle]:
    """Bundles for a query in everyday words (the catalogue's terms and synonyms)."""
    if not q.strip():
        return repo.matching(session, [])
    return repo.matching(session, items.search_terms(q, items.synonym_table(session)))
