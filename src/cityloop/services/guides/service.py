"""Guide resolution for an item: answers → the materials with counts and the link to the 一次性告知单."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from cityloop.services.guides import rules
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem


@dataclass
class GuideResult:
    """The personalised material list of an item for one answer set."""

    item: ServiceItem
    answers: dict[str, str]
    materials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notice_url(self) -> str:
        """The printable 一次性告知单 for exactly these answers."""
        query = urlencode(sorted(self.answers.items()))
        return f"/services/items/{quote(self.item.code)}/notice" + (f"?{query}" if query else "")


def required_materials(item: ServiceItem, answers: dict[str, str]) -> list[dict[str, Any]]:
    """Materials everyone brings plus those the answered path selects, in the item's order."""
    chosen = set(rules.resolve(item.guide, answers).materials)
    return [m for m in item.materials if m.get("required") != "guide" or m["key"] in chosen]


def resolve(session: Session, code: str, answers: dict[str, str]) -> GuideResult:
    """Resolve the guide of a live item; an incomplete answer set raises IncompleteAnswers (the next question)."""
    item = items.get_item(session, code)
    clean = {str(k): str(v) for k, v in answers.items()}
    materials = required_materials(item, clean)
    used = {q for q, _ in rules.resolve(item.guide, clean).path}
    return GuideResult(item, {k: v for k, v in clean.items() if k in used}, materials)


def questions(item: ServiceItem, answers: dict[str, str]) -> list[dict[str, Any]]:
    """The questions on the answered path so far plus the next one, for the item page."""
    guide = item.guide
    if not guide:
        return []
    shown: list[dict[str, Any]] = []
    key = guide.get("start")
    while key is not None:
        question = guide["questions"][key]
        shown.append({"key": key, **question, "answer": answers.get(key)})
        option = question["options"].get(answers.get(key) or "")
        key = option.get("next") if option else None
    return shown
