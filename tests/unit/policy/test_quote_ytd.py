"""Property: quoting claims one by one on the replayed year-to-date state (what POST /api/v1/quote
does) pays exactly what settling the whole person-year at once pays, claim by claim, to the fen —
including after a reversal releases a claim."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.policy import Claim, load_policy, quote, settle_person_year
from medaid.policy.quote_store import ytd_state
from medaid.settings import get_settings

POLICY = load_policy(get_settings().policies_dir / "reference-2026.yaml")

claims = st.lists(st.tuples(st.sampled_from(["inpatient", "chronic_outpatient"]), st.integers(1, 3),
                            st.integers(0, 30_000_000), st.sampled_from(["", "dibao", "tekun", "monitored"])),
                  min_size=1, max_size=8)


def _claims(raw: list[tuple[str, int, int, str]]) -> list[Claim]:
    return [Claim(f"C{i:02d}", dt.date(2026, 1, 1) + dt.timedelta(days=i), visit, "county", level,
                  Decimal(fen) / 100, Decimal(fen) / 100, categories=frozenset({cat} - {""}))
            for i, (visit, level, fen, cat) in enumerate(raw)]


@settings(max_examples=150, deadline=None)
@given(claims)
def test_incremental_quotes_equal_the_person_year(raw: list[tuple[str, int, int, str]]) -> None:
    year = _claims(raw)
    whole = settle_person_year(year, (), POLICY)
    for k, claim in enumerate(year):
        state, _ = ytd_state(year[:k], POLICY)
        one = quote(claim, state, POLICY)
        assert [r.paid for r in one.layers] == [r.paid for r in whole[k].layers]


@settings(max_examples=80, deadline=None)
@given(claims, st.data())
def test_reversal_releases_the_claim(raw: list[tuple[str, int, int, str]], data: st.DataObject) -> None:
    year = _claims(raw)
    gone = data.draw(st.integers(0, len(year) - 1))
    reversal = Claim("R", dt.date(2026, 12, 31), "inpatient", "county", 1, Decimal(0), Decimal(0),
                     reverses_claim_id=year[gone].claim_id)
    with_reversal, _ = ytd_state([*year, reversal], POLICY)
    without, _ = ytd_state([c for i, c in enumerate(year) if i != gone], POLICY)
    assert with_reversal == without
