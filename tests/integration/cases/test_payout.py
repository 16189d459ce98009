"""Payout batches: idempotent keys, budgets under concurrency, bank file round trip, crash safety
with a worker killed by SIGKILL mid-batch (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.cases.approval import decide
from medaid.cases.payout import create_batch, export_bank_file, import_bank_result, run_batch, set_budget
from medaid.cases.service import open_cases
from medaid.errors import IdempotencyConflict
from medaid.store.cases_tables import aid_case, case_notice, fund, payout_line, person_ledger

from .conftest import POLICY, url_of
from .factory import County

pytestmark = pytest.mark.integration


def _approved_cases(engine: sa.Engine, n: int) -> str:
    """``n`` dibao people with worked example A (5,490.10 yuan of assistance each), all approved."""
    url = url_of(engine)
    c = County()
    for i in range(n):
        c.add_claim(f"C{i:03d}", c.add_person(i, category="dibao"))
    c.insert(engine)
    open_cases(url=url, year=2026, policy_path=POLICY, today=dt.date(2026, 3, 12))
    with engine.connect() as conn:
        ids = conn.execute(sa.select(aid_case.c.id).order_by(aid_case.c.id)).scalars().all()
    for case_id in ids:
        decide(case_id, "medical_security", "approve", actor="ms1", url=url)
    return url


def _invariants(engine: sa.Engine) -> dict[str, int]:
    """No (case, program) issued twice; fund and ledgers equal the live lines they were debited for."""
    with engine.connect() as conn:
        live = conn.execute(sa.select(payout_line.c.case_id, payout_line.c.program, payout_line.c.amount_fen)
                            .where(payout_line.c.state.in_(["issued", "paid"]))).all()
        issued = conn.execute(sa.select(fund.c.issued_fen).where(fund.c.program == "assistance")).scalar_one()
        ledger = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(person_ledger.c.issued_fen), 0))).scalar_one()
    assert len({(c, p) for c, p, _ in live}) == len(live), "a (case, program) was paid twice"
    assert issued == ledger == sum(a for _, _, a in live)
    return {"live": len(live), "issued_fen": issued}


def test_batch_key_is_idempotent_and_rerun_pays_nothing_twice(engine: sa.Engine) -> None:
    url = _approved_cases(engine, 3)
    first = create_batch("2026-03-a", program="assistance", year=2026, actor="clerk", url=url)
    again = create_batch("2026-03-a", program="assistance", year=2026, actor="clerk", url=url)
    other = create_batch("2026-03-b", program="assistance", year=2026, actor="clerk", url=url)
    assert (first.created, first.lines, again.created, again.lines, other.lines) == (True, 3, False, 3, 0)
    with pytest.raises(IdempotencyConflict):
        create_batch("2026-03-a", program="reassist", year=2026, actor="clerk", url=url)
    assert run_batch("2026-03-a", actor="clerk", url=url).issued == 3
    assert run_batch("2026-03-a", actor="clerk", url=url).issued == 0
    assert _invariants(engine) == {"live": 3, "issued_fen": 3 * 549010}


def test_budget_holds_under_concurrent_workers(engine: sa.Engine) -> None:
    url = _approved_cases(engine, 8)
    set_budget("assistance", 2026, 3 * 549010 + 100, actor="director", url=url)
    create_batch("b", program="assistance", year=2026, actor="clerk", url=url)
    threads = [threading.Thread(target=run_batch, args=("b",), kwargs={"actor": f"w{i}", "url": url})
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _invariants(engine) == {"live": 3, "issued_fen": 3 * 549010}
    with engine.connect() as conn:
        held = conn.execute(sa.select(payout_line.c.reason).where(payout_line.c.state == "queued")).scalars().all()
    assert held == ["fund_exhausted"] * 5
    set_budget("assistance", 2026, None, actor="director", url=url)
    assert run_batch("b", actor="clerk", url=url).issued == 5


def test_bank_file_round_trip_failed_lines_return_to_the_queue(engine: sa.Engine, tmp_path: Path) -> None:
    url = _approved_cases(engine, 2)
    create_batch("b1", program="assistance", year=2026, actor="clerk", url=url)
    run_batch("b1", actor="clerk", url=url)
    bank = tmp_path / "bank.csv"
    assert export_bank_file("b1", bank, actor="clerk", url=url) == 2
    rows = list(csv.DictReader(bank.open(encoding="utf-8")))
    assert [r["amount_yuan"] for r in rows] == ["5490.10", "5490.10"]
    result = tmp_path / "result.csv"
    result.write_text("line_key,result,bank_ref,reason\n"
                      f"{rows[0]['line_key']},paid,BK1,\n{rows[1]['line_key']},failed,,账户已销户\n", encoding="utf-8")
    r = import_bank_result(result, actor="bank", url=url, today=dt.date(2026, 3, 20))
    assert (r.paid, r.failed, r.problems) == (1, 1, [])
    again = import_bank_result(result, actor="bank", url=url)
    assert again.unchanged == 2
    assert _invariants(engine) == {"live": 1, "issued_fen": 549010}
    retry = create_batch("b2", program="assistance", year=2026, actor="clerk", url=url)
    assert retry.lines == 1
    assert run_batch("b2", actor="clerk", url=url).issued == 1
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(aid_case.c.status).order_by(aid_case.c.id)).scalars().all()
        notice = conn.execute(sa.select(case_notice.c.sms)).scalar_one()
        keys = conn.execute(sa.select(payout_line.c.line_key).order_by(payout_line.c.id)).scalars().all()
    assert statuses == ["paid", "paying"]
    assert "5,490.10" in notice and "免申即享" in notice
    assert keys[-1].endswith(":assistance:2")


@pytest.mark.parametrize("crash_at", [1, 4])
def test_worker_killed_mid_batch_leaves_lines_whole_and_a_rerun_finishes(engine: sa.Engine, tmp_path: Path,
                                                                         crash_at: int) -> None:
    url = _approved_cases(engine, 6)
    create_batch("crash", program="assistance", year=2026, actor="clerk", url=url)
    env = {**os.environ, "MEDAID_DATABASE_URL": url, "MEDAID_DATA_DIR": str(tmp_path),
           "MEDAID_FAULT": f"payout.before_commit:{crash_at}"}
    cmd = [sys.executable, "-c", "from medaid.cli import main; main()", "cases", "batch", "run", "crash", "--actor", "worker"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr  # SIGKILL inside the line's transaction, before commit
    partial = _invariants(engine)
    assert partial["live"] == crash_at - 1
    del env["MEDAID_FAULT"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _invariants(engine) == {"live": 6, "issued_fen": 6 * 549010}


def test_bank_result_problems_are_reported_not_applied(engine: sa.Engine, tmp_path: Path) -> None:
    url = _approved_cases(engine, 1)
    create_batch("b", program="assistance", year=2026, actor="clerk", url=url)
    run_batch("b", actor="clerk", url=url)
    ok = tmp_path / "ok.csv"
    ok.write_text("line_key,result,bank_ref,reason\n1:assistance:1,paid,R,\n", encoding="utf-8")
    import_bank_result(ok, actor="bank", url=url)
    bad = tmp_path / "bad.csv"
    bad.write_text("line_key,result,bank_ref,reason\nnope,paid,,\n1:assistance:1,failed,,迟到的失败\n", encoding="utf-8")
    r = import_bank_result(bad, actor="bank", url=url)
    assert (r.paid, r.failed) == (0, 0) and len(r.problems) == 2 and "row 3" in r.problems[1]
    assert _invariants(engine) == {"live": 1, "issued_fen": 549010}
