"""Text formatting of money/dates and the loader-acceptance rules used to compute expected problems."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from medaid.domain.idnumber import make
from medaid.domain.money import parse_yuan
from medaid.synth.acceptance import accepted, date_ok
from medaid.synth.faults import _mangle_date, _split
from medaid.synth.tables import dates, ints, yuan


@given(st.lists(st.integers(0, 10**12), max_size=50))
def test_yuan_text_round_trips_through_the_domain_parser(fen: list[int]) -> None:
    text = yuan(np.array(fen, dtype=np.int64))
    assert [parse_yuan(t) for t in text] == fen
    assert all(len(t.split(".")[1]) == 2 for t in text)


def test_negative_fen_is_the_blank_marker() -> None:
    assert yuan(np.array([-1, 0, 5], dtype=np.int64)).tolist() == ["", "0.00", "0.05"]
    assert ints(np.array([-1, 3]), blank=-1).tolist() == ["", "3"]


def test_dates_are_iso_and_nat_is_blank() -> None:
    values = np.array(["2026-02-28", "NaT", "1931-12-01"], dtype="datetime64[D]")
    assert dates(values).tolist() == ["2026-02-28", "", "1931-12-01"]


@given(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(0, 3))
def test_mangled_dates_are_never_accepted(day: object, style: int) -> None:
    text = str(day)
    assert date_ok(pd.Series([text]))[0]
    assert not date_ok(pd.Series([_mangle_date(text, style)]))[0]


@given(st.integers(0, 100_000))
def test_fault_split_uses_the_whole_budget(total: int) -> None:
    plan = (("a", 3), ("b", 1), ("c", 2))
    counts = _split(total, plan)
    assert sum(k for _, k in counts) == total
    assert [n for n, _ in counts] == ["a", "b", "c"]


def _enrolment(**overrides: str) -> pd.DataFrame:
    row = {"id_number": make("370830", dt.date(1960, 5, 1), 12, "F"), "name": "王芳",
           "year": "2026", "scheme": "resident", "region_code": "370830", "status": "active",
           "premium_waived": "Y", "paid_by_self_yuan": "0.00"} | overrides
    return pd.DataFrame([row])


def test_acceptance_rules_for_enrolment() -> None:
    assert accepted("enrolment", _enrolment())[0]
    assert accepted("enrolment", _enrolment(paid_by_self_yuan=""))[0]  # optional column
    for bad in ({"scheme": "城乡居民"}, {"status": ""}, {"paid_by_self_yuan": "-400.00"},
                {"paid_by_self_yuan": "1.234"}, {"id_number": "37083019600501024X"}, {"premium_waived": "y"}):
        assert not accepted("enrolment", _enrolment(**bad))[0], bad


def test_first_row_wins_on_a_repeated_key() -> None:
    twice = pd.concat([_enrolment(), _enrolment(name="王方")], ignore_index=True)
    assert accepted("enrolment", twice).tolist() == [True, False]


def test_claims_with_in_scope_above_total_are_rejected() -> None:
    base = {"claim_id": "JS1", "id_number": make("370830", dt.date(1950, 1, 1), 3, "M"),
            "name": "李强", "hospital_code": "H370830100", "hospital_level": "1", "location": "county",
            "visit_type": "general_outpatient", "admit_date": "", "discharge_date": "", "settle_date": "2026-03-01",
            "diagnosis_code": "J06.9", "total_yuan": "100.00", "in_scope_yuan": "80.00", "basic_paid_yuan": "",
            "critical_paid_yuan": "", "reverses_claim_id": ""}
    frame = pd.DataFrame([base, base | {"claim_id": "JS2", "in_scope_yuan": "100.01"}])
    assert accepted("claims", frame).tolist() == [True, False]
