"""The reconciliation rules on small frames, plus invariants over generated counties."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.reconcile.detect import ReconInputs, detect
from medaid.reconcile.problems import ACTIONS, LABELS_ZH, Problem

C = "370830"


def inputs(persons: list[dict], roster: list[dict] = (), enrol: list[dict] = (), deaths: list[dict] = (),
           claims: list[str] = ()) -> ReconInputs:  # type: ignore[assignment]
    def frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
        return pd.DataFrame(list(rows), columns=cols)

    p = frame(persons, ["id_token", "name", "name_norm", "township_code", "address", "phone"])
    return ReconInputs(
        year=2026, county_code=C, persons=p,
        deaths=frame(deaths, ["id_token", "name", "name_norm", "death_date"]),
        roster=frame(roster, ["id_token", "name", "name_norm", "category", "valid_from", "valid_to", "township_code"]),
        enrolment=frame(enrol, ["id_token", "name", "name_norm", "scheme", "region_code", "status", "premium_waived",
                                "paid_by_self_fen"]),
        claims=pd.DataFrame({"id_token": list(claims), "n_claims": [1] * len(claims)}),
        claims_after_death=pd.DataFrame(columns=["id_token", "n_after_death"]),
        id_rejects=pd.DataFrame(columns=["load_id", "row_number", "kind", "name", "township_code", "reason"]),
    )


def person(tok: str, *, address: str | None = "村1号") -> dict:
    return {"id_token": tok, "name": "甲", "name_norm": "甲", "township_code": C + "100", "address": address,
            "phone": None}


def ros(tok: str, valid_to: dt.date | None = None, valid_from: dt.date = dt.date(2020, 1, 1)) -> dict:
    return {"id_token": tok, "name": "甲", "name_norm": "甲", "category": "dibao", "valid_from": valid_from,
            "valid_to": valid_to, "township_code": C + "100"}


def en(tok: str, *, waived: bool = True, paid: int = 0, scheme: str = "resident", region: str = C,
       status: str = "active") -> dict:
    return {"id_token": tok, "name": "甲", "name_norm": "甲", "scheme": scheme, "region_code": region,
            "status": status, "premium_waived": waived, "paid_by_self_fen": paid}


def codes(inp: ReconInputs) -> set[tuple[str, str]]:
    return {(r.subject_key, r.problem) for r in detect(inp).itertuples()}


def test_every_code_has_label_and_action() -> None:
    assert set(LABELS_ZH) == set(ACTIONS) == set(Problem)


def test_roster_that_ended_last_year_is_not_assisted() -> None:
    assert codes(inputs([person("a")], [ros("a", dt.date(2025, 12, 31))])) == set()


def test_delisted_this_year_keeps_waiver_and_dead_are_not_delisted() -> None:
    found = codes(inputs([person("a"), person("b")], [ros("a", dt.date(2026, 5, 1)), ros("b", dt.date(2026, 5, 1))],
                         [en("a"), en("b", status="stopped")],
                         deaths=[{"id_token": "b", "name": "甲", "name_norm": "甲", "death_date": dt.date(2026, 5, 1)}]))
    assert found == {("a", "delisted_keep_waiver")}


def test_lost_contact_needs_no_address_no_phone_and_no_claim() -> None:
    base = dict(roster=[ros("a")], enrol=[en("a")])
    assert codes(inputs([person("a", address=None)], **base)) == {("a", "lost_contact")}
    assert codes(inputs([person("a", address=None)], claims=["a"], **base)) == set()


def test_premium_charged_reports_refund_in_yuan() -> None:
    out = detect(inputs([person("a")], [ros("a")], [en("a", paid=40050)]))
    assert list(out["problem"]) == ["premium_charged"]
    assert "400.50" in out["detail"].iloc[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.integers(0, 2), st.booleans()),
                min_size=1, max_size=12))
def test_invariants(people: list[tuple[bool, bool, bool, int, bool]]) -> None:
    """One row per (person, code); enrolling every assisted person clears not_enrolled and nothing else."""
    persons, roster, enrol = [], [], []
    for i, (assisted, enrolled, waived, paid, local) in enumerate(people):
        tok = f"t{i}"
        persons.append(person(tok))
        if assisted:
            roster.append(ros(tok))
        if enrolled:
            enrol.append(en(tok, waived=waived, paid=paid * 20000, region=C if local else "110101"))
    out = detect(inputs(persons, roster, enrol))
    assert not out.duplicated(["subject_key", "problem"]).any()
    assert set(out["problem"]) <= {p.value for p in Problem}
    missing = [r["id_token"] for r in roster if r["id_token"] not in {e["id_token"] for e in enrol}]
    assert {r.subject_key for r in out.itertuples() if r.problem == "not_enrolled"} == set(missing)
    fixed = detect(inputs(persons, roster, enrol + [en(t) for t in missing]))
    before = {(r.subject_key, r.problem) for r in out.itertuples() if r.problem != "not_enrolled"}
    assert {(r.subject_key, r.problem) for r in fixed.itertuples()} == before
