"""The one phone rule: mainland mobiles and landlines with area code pass, short or foreign numbers do not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityloop.kit.phones import is_valid_phone, normalize_phone


@pytest.mark.parametrize(("raw", "normal"), [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("0571-87654321", "057187654321"), ("010 6512 3456", "01065123456"), ("(0571)8765432", "05718765432"),
    ("0571-87654321转123", "057187654321-123"), ("400-800-1234", "4008001234"),
])
def test_mainland_numbers_pass_and_are_kept_as_digits(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "110", "not a phone!", "12812345678", "1381234567", "138123456789",
                                 "87654321", "0571-1234567", "+1 415 555 0100", "", "１３８１２３４５６７８"])
def test_short_foreign_and_garbled_numbers_fail(raw: str) -> None:
    assert not is_valid_phone(raw)


@given(st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
def test_every_mobile_number_with_a_carrier_prefix_passes(second: str, rest: str) -> None:
    assert normalize_phone(f"1{second}{rest}") == f"1{second}{rest}"


@given(st.text("0123456789", min_size=0, max_size=6))
def test_no_number_of_hotline_length_or_shorter_passes(digits: str) -> None:
    assert not is_valid_phone(digits)
