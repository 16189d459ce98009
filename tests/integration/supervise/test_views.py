"""Supervision views on a small county built to contain one of each finding (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.cases.approval import decide
from medaid.cases.payout import create_batch, mark_result, run_batch, set_budget
from medaid.cases.service import open_cases
from medaid.store.cases_tables import aid_case, payout_line
from medaid.store.tables import enrolment, roster
from medaid.supervise import views
from medaid.supervise.export import write_rows
from medaid.supervise.indicators import indicators
from tests.integration.cases.factory import County

from .conftest import POLICY, url_of

pytestmark = pytest.mark.integration
OPENED = dt.date(2026, 3, 12)
LATER = dt.date(2026, 6, 1)


def _county(engine: sa.Engine) -> dict[str, int]:
    url = url_of(engine)
    c = County()
    toks = [c.add_person(i, category="dibao", village="三村" if i < 4 else "一村", household="hh" if i < 2 else None)
            for i in range(6)]
    for i, t in enumerate(toks):
        c.add_claim(f"C{i}", t)
    c.add_claim("D1", toks[5], settle=dt.date(2026, 4, 1))  # a second record of the same stay as D2
    c.add_claim("D2", toks[5], settle=dt.date(2026, 4, 1))
    c.insert(engine)
    with engine.begin() as conn:
        conn.execute(enrolment.insert(), [{"id_token": t, "name": "x", "year": 2026, "scheme": "resident",
                                           "region_code": "370830", "status": "active", "premium_waived": i != 0,
                                           "paid_by_self_fen": None, "load_id": 4, "source_row": i + 2}
                                          for i, t in enumerate(toks[:5])])
    open_cases(url=url, year=2026, policy_path=POLICY, today=OPENED)
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.select(aid_case.c.claim_id, aid_case.c.id)).all())
    for claim_id in ("C0", "C1", "C2", "C3", "D1", "D2"):
        over = {"assistance": 900000} if claim_id in ("C0", "C1", "C2") else None
        decide(ids[claim_id], "medical_security", "approve", actor="ms_wang" if over else "ms_li",
               amounts=over, reason="领导交办" if over else None, url=url, today=OPENED)
    set_budget("assistance", 2026, 10_000_000, actor="director", url=url)
    create_batch("b1", program="assistance", year=2026, actor="clerk", url=url)
    run_batch("b1", actor="clerk", url=url, today=OPENED)
    with engine.connect() as conn:
        keys = dict(conn.execute(sa.select(payout_line.c.case_id, payout_line.c.line_key)).all())
    for claim_id, day in (("C0", dt.date(2026, 3, 20)), ("C1", LATER), ("D1", OPENED), ("D2", OPENED)):
        mark_result(keys[ids[claim_id]], "paid", bank_ref="b", reason=None, actor="bank", url=url, today=day)
    mark_result(keys[ids["C2"]], "failed", bank_ref=None, reason="账户冻结", actor="bank", url=url, today=OPENED)
    with engine.begin() as conn:  # C0's roster row was wrong and is corrected after payment
        conn.execute(roster.delete().where(roster.c.id_token == toks[0]))
    return ids


def test_every_view_finds_its_case(engine: sa.Engine, tmp_path: Path) -> None:
    ids = _county(engine)
    with engine.connect() as conn:
        untouched = views.untouched(conn, today=LATER, idle_workdays=5)
        overdue = views.overdue(conn, today=LATER)
        short = views.shortfall(conn, today=LATER)
        fav = views.favouritism(conn, min_overrides=3)
        dups = views.duplicates(conn)
        funds = views.fund_balance(conn, year=2026)
        funnel = views.funnel(conn, year=2026)
        inds = indicators(conn, year=2026, today=LATER)
    assert {r["case_id"] for r in untouched} == {ids["C4"], ids["C5"]}
    late = {r["case_id"]: r["status"] for r in overdue}
    assert late[ids["C1"]] == "paid" and ids["C0"] not in late and late[ids["C2"]] == "approved"
    assert {r["case_id"]: r["problem"] for r in short}[ids["C2"]] == "unpaid_past_due"
    kinds = {(r["kind"], r["key"]) for r in fav}
    assert ("overrides_by_approver", "ms_wang") in kinds and ("overrides_by_village", "三村") in kinds
    assert ("no_valid_category", f"case {ids['C0']}") in kinds
    assert {r["kind"] for r in dups} >= {"same_stay_paid_twice", "over_in_scope"}
    assert funds[0]["program"] == "assistance" and funds[0]["budget_yuan"] is not None
    assert [(r["month"], r["pulled"], r["eligible"], r["completed"]) for r in funnel] == [
        ("2026-03", 6, 6, 2), ("2026-04", 2, 2, 2)]
    by = {i.code: i for i in inds}
    assert len(inds) == 12
    assert by["enrolment_coverage"].value == 0.8  # C0 left the roster; 4 of the 5 left are enrolled
    assert by["premium_waiver_rate"].value == 1.0
    assert by["on_time_rate"].value == 0.75 and by["burden_ratio"].value is not None
    assert write_rows(short, tmp_path / "s.xlsx") == len(short) and write_rows(fav, tmp_path / "f.csv") == len(fav)
