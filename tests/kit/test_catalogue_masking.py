"""What a caller sees of a column is decided by the field catalogue and the caller's role, in every module."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.cases.service import reporter_view
from cityloop.kit import catalogue
from cityloop.kit.auth import PII_ROLES, Role, Subject

PERSONAL = [f for f in catalogue.fields() if f.pi and f.mask and f.mask != "point"]
ROLES = st.frozensets(st.sampled_from([r for r in Role if r is not Role.SYSTEM]), min_size=1)


def _subject(roles: frozenset[Role]) -> Subject:
    return Subject(id=7, name="x", roles=roles, scope="3301")


@given(column=st.sampled_from(PERSONAL), roles=ROLES, value=st.text(min_size=8, max_size=20))
def test_personal_columns_are_clear_only_for_roles_with_the_right(column: catalogue.Field, roles: frozenset[Role],
                                                                  value: str) -> None:
    seen = catalogue.shown(_subject(roles), column.table, column.column, value)
    if roles & PII_ROLES:
        assert seen == value
    else:
        assert seen == catalogue.MASKS[str(column.mask)](value)
        assert seen != value
    assert catalogue.shown(_subject(roles), column.table, column.column, value, own=True) == value


@given(roles=ROLES, value=st.text(max_size=20))
def test_columns_without_personal_data_are_clear_to_everyone(roles: frozenset[Role], value: str) -> None:
    general = next(f for f in catalogue.fields() if not f.pi)
    assert catalogue.shown(_subject(roles), general.table, general.column, value) == value


def test_an_undeclared_column_is_treated_as_personal() -> None:
    assert catalogue.may_see(_subject(frozenset({Role.LEADER})), "no_such_table", "secret") is False
    assert catalogue.may_see(_subject(frozenset({Role.DISPATCHER})), "no_such_table", "secret") is True


def test_changing_the_catalogue_changes_what_the_case_view_masks(db: Session, world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    case = file_case(db, world.subjects["agent"])
    supervisor = world.subjects["supervisor"]
    assert reporter_view(supervisor, case)["phone"] == "138****5678"
    index = dict(catalogue._index())
    index[("cases", "reporter_phone")] = replace(index[("cases", "reporter_phone")], mask="hidden")
    monkeypatch.setattr(catalogue, "_index", lambda: index)
    assert reporter_view(supervisor, case)["phone"] == "***"
    assert reporter_view(world.subjects["dispatcher"], case)["phone"] == "13812345678"
