"""Guide trees: refused with the failing path on save; answers select materials; incomplete answers name the next."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityloop.kit.errors import ValidationFailed
from cityloop.services.guides import rules

MATERIALS = {"身份证", "委托书", "结婚证"}


def _guide(**questions: Any) -> dict[str, Any]:
    return {"start": "self", "questions": questions}


def _q(**options: Any) -> dict[str, Any]:
    return {"zh": "问", "en": "Q", "options": options}


GOOD = _guide(self=_q(yes={"next": "married"}, no={"materials": ["委托书"], "next": "married"}),
              married=_q(yes={"materials": ["结婚证"], "next": None}, no={"next": None}))


def _refusal(guide: dict[str, Any]) -> dict[str, tuple[str, str]]:
    with pytest.raises(ValidationFailed) as err:
        rules.validate(guide, MATERIALS)
    return err.value.fields


def test_a_good_guide_passes() -> None:
    rules.validate(GOOD, MATERIALS)


def test_a_dead_end_is_refused_with_its_path() -> None:
    fields = _refusal(_guide(self=_q(yes={"next": "gone"}, no={"next": None})))
    assert list(fields) == ["guide.path.self=yes"]
    assert "gone" in fields["guide.path.self=yes"][1]


def test_a_cycle_is_refused_with_its_path() -> None:
    fields = _refusal(_guide(self=_q(yes={"next": "b"}), b=_q(again={"next": "self"}, stop={"next": None})))
    assert list(fields) == ["guide.path.self=yes → b=again → self"]


def test_an_unreachable_question_and_a_dangling_material_are_refused() -> None:
    fields = _refusal(_guide(self=_q(yes={"materials": ["户口簿"], "next": None}), lost=_q(x={"next": None})))
    assert set(fields) == {"guide.path.self=yes", "guide.questions.lost"}
    assert "户口簿" in fields["guide.path.self=yes"][0]


def test_a_question_without_options_never_ends() -> None:
    assert list(_refusal(_guide(self=_q()))) == ["guide.path.self"]


def test_incomplete_answers_name_the_next_question() -> None:
    with pytest.raises(rules.IncompleteAnswers) as err:
        rules.resolve(GOOD, {"self": "no"})
    assert err.value.question == "married"
    assert "answers.married" in err.value.fields


def test_an_unknown_option_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        rules.resolve(GOOD, {"self": "maybe"})
    assert "answers.self" in err.value.fields


@given(st.sampled_from(["yes", "no"]), st.sampled_from(["yes", "no"]))
def test_answers_select_exactly_the_materials_of_their_path(first: str, second: str) -> None:
    found = rules.resolve(GOOD, {"self": first, "married": second, "unrelated": "x"})
    expected = (["委托书"] if first == "no" else []) + (["结婚证"] if second == "yes" else [])
    assert found.materials == expected
    assert found.path == [("self", first), ("married", second)]


def test_yaml_guides_round_trip_and_saving_makes_a_version(db, world) -> None:  # type: ignore[no-untyped-def]
    from cityloop.kit.auth import SYSTEM
    from cityloop.services.demo import seed
    from cityloop.services.guides import authoring
    from cityloop.services.items import service as items

    seed.seed(db)
    item = items.get_item(db, "330100-XK-0101-01")
    text = authoring.dump(item, "g.yaml")
    assert "是否由父母本人办理" in text
    saved = authoring.save(db, SYSTEM, item.code, authoring.parse(text, "g.yaml"))
    assert (saved.version, saved.guide) == (2, item.guide)
    with pytest.raises(ValidationFailed):
        authoring.parse("start: [", "g.yaml")
