"""GB 11643 invariants: generated valid numbers pass, any single-character change fails, masks hide."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from medaid.domain.idnumber import find_problem, make, mask, normalise, parse
from medaid.domain.regions import PROVINCE_PREFIXES

TODAY = dt.date(2026, 11, 24)

regions = st.builds(lambda p, rest: p + f"{rest:04d}", st.sampled_from(sorted(PROVINCE_PREFIXES)),
                    st.integers(0, 9999))
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
valid_ids = st.builds(make, regions, births, st.integers(0, 499), st.sampled_from(["M", "F"]))


@given(valid_ids)
def test_generated_numbers_are_valid(value: str) -> None:
    assert find_problem(value, today=TODAY) is None
    parsed = parse(value, today=TODAY)
    assert parsed.value == value


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_detected(value: str, pos: int, char: str) -> None:
    """MOD 11-2 detects every single substitution, so a changed number is never silently valid."""
    changed = value[:pos] + char + value[pos + 1:]
    if changed == value:
        return
    assert find_problem(changed, today=TODAY) is not None


@given(valid_ids)
def test_spelling_variants_normalise_to_the_same_number(value: str) -> None:
    wide = value.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    assert normalise(f"  {wide} ") == value
    assert find_problem(value.lower(), today=TODAY) is None


@given(valid_ids)
def test_mask_never_shows_the_middle(value: str) -> None:
    shown = mask(value)
    assert shown[:6] == value[:6] and shown[-4:] == value[-4:]
    assert shown[6:14] == "*" * 8
    assert value[6:14] not in shown[6:]


@given(st.text(max_size=30))
def test_mask_never_shows_a_whole_invalid_number(raw: str) -> None:
    shown = mask(raw)
    value = normalise(raw)
    if len(value) == 18:
        assert shown[6:14] == "*" * 8
    elif len(value) > 4:
        assert shown != value
        assert shown[2:-2] == "*" * (len(value) - 4)
    else:
        assert set(shown) <= {"*"}


@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_char_is_the_iso_7064_weighted_sum(first17: str) -> None:
    from medaid.domain.idnumber import check_char

    weights = [pow(2, 17 - i, 11) for i in range(17)]  # the standard's definition: 2^(n-1) mod 11
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    assert check_char(first17) == "10X98765432"[total % 11]
