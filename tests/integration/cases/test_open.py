"""Opening cases from loaded claims: plans, idempotence, reversals, deadlines (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from medaid.cases.service import OpenSummary, open_cases
from medaid.domain.workdays import add_workdays
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share, fund
from medaid.store.tables import claim

from .conftest import POLICY
from .factory import County

pytestmark = pytest.mark.integration
TODAY = dt.date(2026, 3, 12)


def _open(engine: sa.Engine) -> OpenSummary:
    return open_cases(url=str(engine.url.render_as_string(hide_password=False)), year=2026, policy_path=POLICY,
                      today=TODAY)


def test_opens_one_case_per_paying_claim_with_the_worked_examples(engine: sa.Engine) -> None:
    c = County()
    a, b, none = c.add_person(1, category="dibao"), c.add_person(2, category="tekun"), c.add_person(3, category=None)
    c.add_claim("A", a)  # worked example A: assistance 5,490.10
    c.add_claim("B", b, in_scope_yuan=180_000, total_yuan=200_000, level=3)  # example B: 27,198.00
    c.add_claim("N", none)  # no category: no program pays
    c.add_claim("G", a, visit="general_outpatient", in_scope_yuan=300, total_yuan=300)
    c.insert(engine)
    s = _open(engine)
    assert (s.claims_read, s.eligible, s.opened) == (4, 2, 2)
    with engine.connect() as conn:
        lines = {r.program: r.amount_fen for r in conn.execute(
            sa.select(case_line.c.program, case_line.c.amount_fen, aid_case.c.claim_id)
            .join(aid_case).where(aid_case.c.claim_id == "A"))}
        b_case = conn.execute(sa.select(aid_case).where(aid_case.c.claim_id == "B")).one()
        shares = conn.execute(sa.select(case_share.c.department, case_share.c.status)
                              .where(case_share.c.case_id == b_case.id)).all()
        funds = conn.execute(sa.select(fund.c.program)).scalars().all()
        events = conn.execute(sa.select(sa.func.count()).select_from(case_event)).scalar_one()
    assert lines == {"assistance": 549010}
    assert b_case.payable_fen == 2719800 and b_case.status == "approving"
    assert json.loads(b_case.plan)["layers"][0]["paid_fen"] == 11622000  # basic 116,220.00 in the trace
    assert shares == [("medical_security", "pending")]
    assert sorted(funds) == ["assistance", "reassist"]
    assert events == 2
    assert b_case.due_date == add_workdays(dt.date(2026, 3, 10), 20)


def test_rerun_never_opens_a_second_case_and_picks_up_new_claims(engine: sa.Engine) -> None:
    c = County()
    a = c.add_person(1, category="dibao")
    c.add_claim("A1", a)
    c.insert(engine)
    assert _open(engine).opened == 1
    again = _open(engine)
    assert (again.opened, again.already_open) == (0, 1)
    c.add_claim("A2", a, settle=dt.date(2026, 5, 2))
    c.insert(engine)
    third = _open(engine)
    assert (third.opened, third.already_open) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(aid_case)).scalar_one() == 2


def test_reversed_claim_cancels_its_unpaid_case(engine: sa.Engine) -> None:
    c = County()
    a = c.add_person(1, category="tekun")
    c.add_claim("A1", a)
    c.insert(engine)
    _open(engine)
    c.add_claim("R1", a, settle=dt.date(2026, 3, 20), reverses="A1", in_scope_yuan=0, total_yuan=0)
    c.insert(engine)
    s = _open(engine)
    assert s.cancelled == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(aid_case.c.status)).scalar_one() == "cancelled"
        assert conn.execute(sa.select(sa.func.count()).select_from(claim)).scalar_one() == 2


def test_two_runs_at_once_still_open_each_case_once(engine: sa.Engine) -> None:
    import threading

    c = County()
    for i in range(30):
        c.add_claim(f"K{i}", c.add_person(i, category="tekun"))
    c.insert(engine)
    results: list[OpenSummary] = []
    threads = [threading.Thread(target=lambda: results.append(_open(engine))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and sum(r.opened for r in results) == 30
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(aid_case)).scalar_one() == 30
