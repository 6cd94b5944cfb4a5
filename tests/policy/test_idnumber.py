"""GB 11643 ID numbers: the check digit catches any single changed digit; birth date and sex are read from it."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from policy_data import id_number

from cityloop.policy.matching.columns import ages
from cityloop.policy.registry.persons import idnumber

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@given(born=births, seq=st.integers(0, 999), position=st.integers(0, 17), shift=st.integers(1, 10))
def test_a_valid_id_with_any_one_character_changed_is_refused(born: date, seq: int, position: int,
                                                              shift: int) -> None:
    valid = id_number(born, seq)
    assert idnumber.parse(valid) == (born, "m" if seq % 2 else "f")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    changed = alphabet[(alphabet.index(valid[position]) + shift) % len(alphabet)]
    if changed == valid[position]:
        return
    assert idnumber.parse(valid[:position] + changed + valid[position + 1:]) is None


def test_an_impossible_birth_date_is_refused_even_with_a_right_check_digit() -> None:
    body = "33010619990230001"  # 30 February
    assert idnumber.parse(body + idnumber.check_char(body)) is None


@given(born=st.lists(births, min_size=1, max_size=20),
       day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)))
def test_vectorised_ages_agree_with_full_years(born: list[date], day: date) -> None:
    assert ages(np.asarray(born, dtype="datetime64[D]"), day).tolist() == [idnumber.age_on(b, day) for b in born]


def test_age_turns_on_the_birthday() -> None:
    assert idnumber.age_on(date(1940, 6, 15), date(2020, 6, 14)) == 79
    assert idnumber.age_on(date(1940, 6, 15), date(2020, 6, 15)) == 80
