"""Notice texts from the notify templates: near-misses name the missing criterion with the subject's actual value."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.channels.notify import templates
from cityloop.config import get_settings
from cityloop.policy.explain.benefit import benefit, how_to_get
from cityloop.policy.explain.render import explain
from cityloop.policy.matching.hooks import Change
from cityloop.policy.policies.models import Policy

KIND_OF_STATUS = {"eligible": "policy_eligible", "near_miss": "policy_near_miss"}


class Texts:
    """Renders (zh, en, SMS) texts; a match tells thousands at once, so templates and eligible texts are cached."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.url = get_settings().public_base_url.rstrip("/") + "/my/policies"
        self.sms_lang = get_settings().notify_lang
        self.forms: dict[tuple[str, str], str] = {}
        self.eligible: dict[str, tuple[str, str, str]] = {}

    def of(self, policy: Policy, change: Change, values: dict[str, Any] | None) -> tuple[str, str, str]:
        """(zh, en, SMS) texts of one change; `values` are the subject's values the policy's rules read."""
        if change.after == "eligible":
            if policy.id not in self.eligible:
                self.eligible[policy.id] = self._both(policy, "eligible", {})
            return self.eligible[policy.id]
        return self._both(policy, "near_miss", {lang: self._missing(policy, change.failed, values, lang)
                                                for lang in ("zh", "en")})

    def _both(self, policy: Policy, status: str, missing: dict[str, str]) -> tuple[str, str, str]:
        zh, en = (self._render(policy, status, missing.get(lang, ""), lang) for lang in ("zh", "en"))
        return zh, en, en if self.sms_lang == "en" else zh

    def _missing(self, policy: Policy, failed: list[str], values: dict[str, Any] | None, lang: str) -> str:
        rules = {c["label"]: c["rule"] for c in policy.criteria}
        parts = [f"{label}（{explain(rules[label], values, lang)}）" if label in rules and values else label
                 for label in failed]
        return ("; " if lang == "en" else "；").join(parts)

    def _render(self, policy: Policy, status: str, missing: str, lang: str) -> str:
        kind = KIND_OF_STATUS[status]
        if (kind, lang) not in self.forms:
            self.forms[(kind, lang)] = templates.text_of(self.session, kind, lang)
        found = benefit(policy, lang)
        values = {"title": policy.title, "url": self.url, "missing": missing, "how": how_to_get(policy, lang),
                  "benefit": (found + (". " if lang == "en" else "。")) if found else ""}
        # The same filling as templates.render, with the template text read once per match.
        return self.forms[(kind, lang)].format_map({n: values.get(n, "") for n in templates.SEED[kind]["placeholders"]})
