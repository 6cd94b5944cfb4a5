"""Notice texts: seeded from data/templates.yaml, edited by administrators, rendered with checked placeholders."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.channels.notify import repository as repo
from cityloop.channels.notify.models import Template
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.kit.table_cache import TableCache

LANGS = ("zh", "en")
SEED: dict[str, dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "data" / "templates.yaml")
                                                 .read_text(encoding="utf-8"))


def placeholders_of(text: str) -> list[str] | None:
    """The fields in braces as written (with any format spec), or None when a brace is unbalanced."""
    try:
        return [name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return None


def problem(kind: str, text: str) -> tuple[str, str] | None:
    """Why `text` cannot be the template of `kind` (zh, en), or None."""
    allowed = SEED[kind]["placeholders"]
    names = placeholders_of(text)
    if names is None:
        return ("花括号不成对；字面花括号请写成 {{ 或 }}", "Unbalanced braces; write a literal brace as {{ or }}")
    # Only bare names: "{number.__class__}" or "{title:>99999}" would reach into objects or bloat the text.
    unknown = sorted({n for n in names if n not in allowed})
    if unknown:
        return (f"未知占位符 {', '.join('{' + n + '}' for n in unknown)}；可用：{', '.join(allowed)}",
                f"Unknown placeholder {', '.join('{' + n + '}' for n in unknown)}; allowed: {', '.join(allowed)}")
    return None


def _stored(session: Session) -> dict[tuple[str, str], str]:
    return {(t.kind, t.lang): t.text for t in repo.templates(session)}


# (kind, lang) → the administrators' text: intake renders a notice per case without a query; another node's edit
# shows within a second through the table fingerprint, this node's at once (`update` invalidates).
_texts: TableCache[dict[tuple[str, str], str]] = TableCache(repo.templates_fingerprint, _stored)


def text_of(session: Session, kind: str, lang: str) -> str:
    """The template in force (the administrators' text, else the seed)."""
    with session.no_autoflush:  # a read of settings must not flush the caller's half-built case
        stored = _texts.get(session).get((kind, lang))
    return stored if stored is not None else str(SEED[kind][lang])


def render(session: Session, kind: str, lang: str, values: dict[str, str]) -> str:
    """The notice text with the placeholders filled (a placeholder without a value stays empty)."""
    fields = {name: values.get(name, "") for name in SEED[kind]["placeholders"]}
    return text_of(session, kind, lang).format_map(fields)


def listing(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Every kind and language with its text in force, audience and allowed placeholders (administrators)."""
    _admin(subject)
    stored = {(t.kind, t.lang): t for t in repo.templates(session)}
    out = []
    for kind, seed in SEED.items():
        for lang in LANGS:
            row = stored.get((kind, lang))
            out.append({"kind": kind, "lang": lang, "audience": seed["audience"],
                        "placeholders": list(seed["placeholders"]), "text": row.text if row else seed[lang],
                        "edited": row is not None and row.text != seed[lang],
                        "updated_by": row.updated_by if row else "", "updated_at": row.updated_at if row else None})
    return out


def update(session: Session, subject: Subject, kind: str, lang: str, text: str) -> dict[str, Any]:
    """Replace one template's text after checking its placeholders (administrators)."""
    _admin(subject)
    if kind not in SEED:
        raise NotFound(f"没有事件类型 {kind} 的模板", f"No template for event kind {kind}")
    wrong = problem(kind, text)
    if wrong is not None:
        raise ValidationFailed({"text": wrong})
    row = repo.template(session, kind, lang) or Template(kind=kind, lang=lang)
    before = row.text
    row.text, row.updated_by = text, subject.name
    session.add(row)
    session.flush()
    audit.record(session, subject, "update_notify_template", "notify_template", [row.id],
                 {"kind": kind, "lang": lang, "before": before, "after": text})
    session.commit()
    _texts.invalidate()
    return next(t for t in listing(session, subject) if t["kind"] == kind and t["lang"] == lang)


def _admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以管理通知模板", "Only administrators manage notice templates")
