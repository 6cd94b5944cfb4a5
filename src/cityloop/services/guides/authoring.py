"""Guide authoring: read and write a guide as YAML or JSON, and save it as a new item version."""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.services.guides import rules
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem


def parse(text: str, filename: str = "guide.json") -> dict[str, Any]:
    """A guide from YAML (.yaml/.yml) or JSON text; unreadable text is a field error."""
    try:
        data = yaml.safe_load(text) if filename.lower().endswith((".yaml", ".yml")) else json.loads(text or "{}")
    except (ValueError, yaml.YAMLError) as exc:
        raise ValidationFailed({"guide": ("无法读取情形引导（YAML 或 JSON）",
                                          f"cannot read the guide: {exc}")}) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"guide": ("情形引导应为对象", "the guide must be an object")})
    return data


def dump(item: ServiceItem, filename: str = "guide.json") -> str:
    """An item's guide as YAML or JSON text."""
    if filename.lower().endswith((".yaml", ".yml")):
        return str(yaml.safe_dump(item.guide, allow_unicode=True, sort_keys=False))
    return json.dumps(item.guide, ensure_ascii=False, indent=2)


def save(session: Session, subject: Subject, code: str, guide: dict[str, Any]) -> ServiceItem:
    """Validate the guide against the item's materials and save it as the item's next version."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以编辑情形引导", "Only administrators may edit guides")
    item = items.get_item(session, code)
    rules.validate(guide, {m["key"] for m in item.materials})
    newer = items.new_version(session, item, guide=guide)
    audit.record(session, subject, "edit_service_guide", "service_item", [newer.id], {"code": code})
    session.commit()
    return newer
