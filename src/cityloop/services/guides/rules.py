"""Guide trees: validation on save (every path ends, nothing unreachable, no dangling material) and resolution.

A guide is `{"start": q, "questions": {q: {"zh", "en", "options": {o: {"zh", "en", "materials": [...],
"next": q2 | null}}}}}`; `next: null` ends the path. Materials are item material keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cityloop.kit.errors import ValidationFailed


@dataclass
class Resolved:
    """What an answer set selects: material keys in guide order and the answered path."""

    materials: list[str] = field(default_factory=list)
    path: list[tuple[str, str]] = field(default_factory=list)


class IncompleteAnswers(ValidationFailed):
    """The answers stop before a path ends; `question` is the next one to ask."""

    def __init__(self, question: str, zh: str, en: str) -> None:
        super().__init__({f"answers.{question}": (f"请回答：{zh}", f"Please answer: {en}")})
        self.details["next_question"] = {"key": question, "zh": zh, "en": en}
        self.question = question


def validate(guide: dict[str, Any], material_keys: set[str]) -> None:
    """Refuse a guide with a dead end, a cycle, an unreachable question or a dangling material (with the path)."""
    if not guide:
        return
    questions: dict[str, Any] = guide.get("questions") or {}
    start = guide.get("start")
    if not isinstance(questions, dict) or start not in questions:
        raise ValidationFailed({"guide.start": ("起始问题不存在", "the start question does not exist")})
    problems: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    _walk(questions, str(start), [], seen, material_keys, problems)
    for key in sorted(set(questions) - seen):
        problems.setdefault(f"guide.questions.{key}", ("该问题从起点无法到达", "this question cannot be reached"))
    if problems:
        raise ValidationFailed(problems)


def _walk(questions: dict[str, Any], key: str, path: list[str], seen: set[str], material_keys: set[str],
          problems: dict[str, tuple[str, str]]) -> None:
    seen.add(key)
    options = (questions[key] or {}).get("options") or {}
    if not options:
        where = " → ".join([*path, key])
        problems[f"guide.path.{where}"] = ("问题没有选项，路径无法结束",
                                           "the question has no options; the path never ends")
    for name, option in options.items():
        here = [*path, f"{key}={name}"]
        where = " → ".join(here)
        for material in option.get("materials") or []:
            if material not in material_keys:
                problems[f"guide.path.{where}"] = (f"引用了不存在的材料：{material}", f"unknown material: {material}")
        nxt = option.get("next")
        if nxt is None:
            continue
        if nxt not in questions:
            problems[f"guide.path.{where}"] = (f"指向不存在的问题：{nxt}，路径无法结束",
                                               f"leads to missing question {nxt}; the path never ends")
        elif any(step.split("=")[0] == nxt for step in here):
            problems[f"guide.path.{where} → {nxt}"] = ("路径成环，无法结束", "the path loops and never ends")
        else:
            _walk(questions, nxt, here, seen, material_keys, problems)


def resolve(guide: dict[str, Any], answers: dict[str, str]) -> Resolved:
    """Follow the answers from the start; raise IncompleteAnswers naming the next unanswered question."""
    found = Resolved()
    if not guide:
        return found
    questions = guide["questions"]
    key: str | None = guide["start"]
    while key is not None:
        question = questions[key]
        answer = answers.get(key)
        if answer is None or answer == "":
            raise IncompleteAnswers(key, question.get("zh", key), question.get("en", key))
        option = question["options"].get(str(answer))
        if option is None:
            choices = ", ".join(question["options"])
            raise ValidationFailed({f"answers.{key}": (f"没有这个选项，可选：{choices}",
                                                       f"no such option; choose {choices}")})
        found.path.append((key, str(answer)))
        found.materials += [m for m in option.get("materials") or [] if m not in found.materials]
        key = option.get("next")
    return found
