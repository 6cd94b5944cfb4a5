"""What a policy gives and how to get it, in zh/en (benefit fields arrive with policy versions; read defensively)."""

from __future__ import annotations

from typing import Any

from cityloop.policy.policies.models import Policy


def benefit(policy: Policy, lang: str) -> str:
    """The benefit's description (and amount), or an empty string while policies carry none."""
    raw: Any = getattr(policy, "benefit", None)
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, dict):
        return ""
    text = str(raw.get("description_en") or raw.get("description") or "") if lang == "en" else \
        str(raw.get("description") or "")
    amount = raw.get("amount")
    if amount not in (None, ""):
        text += f" ({amount} yuan)" if lang == "en" else f"（{amount} 元）"
    return text


def how_to_get(policy: Policy, lang: str) -> str:
    """免申即享 (nothing to do) or where to apply."""
    if policy.no_application:
        return "No application needed: paid after checking. " if lang == "en" else \
            "免申即享，无需申请，核验后直接兑付。"
    unit = str(getattr(policy, "issuing_unit", "") or "")
    if lang == "en":
        return f"Apply to {unit}. " if unit else "Apply through the government service portal. "
    return f"请向{unit}申报。" if unit else "请通过一网通办申报。"
