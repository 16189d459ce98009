"""The vectorised ID helpers agree with ``medaid.domain.idnumber`` (the one definition of validity)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.domain import idnumber
from medaid.synth.ids import make_ids, valid_mask, wrong_check_char

regions = st.sampled_from(["370830", "370811", "110105", "440305", "650102"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@settings(max_examples=200, deadline=None)
@given(region=regions, born=births, seq=st.integers(0, 499), sex=st.sampled_from("MF"))
def test_make_ids_matches_domain_make(region: str, born: dt.date, seq: int, sex: str) -> None:
    made = make_ids(np.array([region], dtype=object), np.array([born], dtype="datetime64[D]"),
                    np.array([seq]), np.array([sex], dtype=object))[0]
    assert made == idnumber.make(region, born, seq, sex)
    assert idnumber.parse(made).sex == sex


@settings(max_examples=200, deadline=None)
@given(region=regions, born=births, seq=st.integers(0, 499), sex=st.sampled_from("MF"))
def test_wrong_check_char_is_always_invalid(region: str, born: dt.date, seq: int, sex: str) -> None:
    good = idnumber.make(region, born, seq, sex)
    bad = wrong_check_char(good)
    assert bad[:17] == good[:17] and bad != good
    assert idnumber.find_problem(bad) is idnumber.IdProblem.CHECK_DIGIT
    assert not valid_mask(np.array([bad], dtype=object))[0]


@given(st.lists(st.text(alphabet="0123456789X-/ ", min_size=0, max_size=19), max_size=20))
def test_valid_mask_agrees_with_domain_on_arbitrary_text(values: list[str]) -> None:
    mask = valid_mask(np.array(values, dtype=object))
    assert mask.tolist() == [v == v.strip() and idnumber.find_problem(v) is None for v in values]
