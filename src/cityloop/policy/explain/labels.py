"""Names of attributes and readable values (scales, GB/T 4754 sections, flags, ratios) in zh and en."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "attributes.yaml")
                                      .read_text(encoding="utf-8"))
SCALES: dict[str, list[str]] = DATA["scales"]
SECTIONS: dict[str, list[str]] = DATA["sections"]
# Attributes whose numbers are shares (0.05 reads as 5%).
RATIOS = frozenset({"rnd_ratio"})


def attribute(name: str, lang: str) -> str:
    """The attribute's name in the language (unknown names as they are)."""
    entry = DATA.get(name)
    if not isinstance(entry, dict) or "zh" not in entry:
        return name
    return str(entry["en" if lang == "en" else "zh"])


def value(name: str | None, raw: Any, lang: str) -> str:
    """A value as people read it: flags as 是/否, ratios as percentages, codes with their labels."""
    en = lang == "en"
    if isinstance(raw, bool):
        return ("yes" if raw else "no") if en else ("是" if raw else "否")
    if isinstance(raw, (int, float)):
        if name in RATIOS:
            return f"{raw * 100:.4g}%"
        return f"{raw:g}" if isinstance(raw, float) else str(raw)
    if raw is None:
        return "–"
    text = str(raw)
    if name == "scale" and text in SCALES:
        return SCALES[text][1 if en else 0]
    if name == "industry":
        return industry(text, lang)
    return text


def industry(code: str, lang: str) -> str:
    """An industry code with its GB/T 4754 section name (C39 → C39 制造业)."""
    section = SECTIONS.get(code[:1]) if code else None
    return f"{code} {section[1 if lang == 'en' else 0]}" if section else code
