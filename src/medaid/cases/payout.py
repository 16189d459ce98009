"""Payout batches per program fund (按资金渠道分批支付): idempotent, crash-safe, reconciled with the bank.

A batch is named by its caller (``batch_key``, e.g. ``2026-11-assistance-01``) and filled once, in
one transaction, with a line per approved (case, program) that has no live line yet; each line's
key is ``case:program:attempt``. Issuing is one transaction per line: the line moves queued →
issued, the fund and the person's annual ledger are debited by conditional updates (never above the
budget or cap), the case moves to paying, and the audit event is written — all or nothing, so a
crash leaves every line either issued or still queued and ``run_batch`` with the same key finishes
the rest. The partial unique index on live lines means no retry, rerun or second batch can issue
the same (case, program) twice. The bank's result file marks issued lines paid or failed; a failed
line gives its money back to the fund and the (case, program) returns to the payout queue.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from medaid.audit.log import append_event, record_sensitive_read, reveal_reason
from medaid.cases.faults import crash_point
from medaid.cases.history import now_text, record
from medaid.cases.states import PAYABLE, CaseStatus, ShareStatus
from medaid.domain.money import to_yuan
from medaid.errors import ContractError, IdempotencyConflict, NotFound
from medaid.store.cases_tables import (
    aid_case,
    case_line,
    case_share,
    fund,
    payout_batch,
    payout_line,
    person_ledger,
)
from medaid.store.db import engine_for

BANK_FILE_COLUMNS = ["batch_key", "line_key", "case_id", "program", "payee_name", "id_number", "amount_yuan",
                     "purpose"]
RESULT_FILE_COLUMNS = ["line_key", "result", "bank_ref", "reason"]


@dataclass
class BatchReport:
    batch_key: str
    created: bool
    lines: int
    total_fen: int


@dataclass
class RunReport:
    batch_key: str
    issued: int = 0
    skipped: int = 0  # already issued by an earlier run or another worker
    held: dict[str, int] = field(default_factory=dict)  # reason → lines left queued
    remaining: int = 0


@dataclass
class ImportReport:
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def on_conflict_do_nothing(conn: Connection, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite (any unique constraint)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def create_batch(batch_key: str, *, program: str, year: int, actor: str, url: str | None = None,
                 limit: int | None = None) -> BatchReport:
    """Create and fill batch ``batch_key`` (idempotent: the same key returns the existing batch)."""
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            old = conn.execute(select(payout_batch).where(payout_batch.c.batch_key == batch_key)).first()
            if old is not None:
                if (old.program, old.year) != (program, year):
                    raise IdempotencyConflict(
                        f"batch {batch_key} exists for {old.program}/{old.year}, not {program}/{year}: use a new key",
                        f"批次号 {batch_key} 已用于 {old.program}/{old.year}，请换一个批次号")
                return BatchReport(batch_key, False, old.line_count, old.total_fen)
            batch_id = conn.execute(insert(payout_batch).values(
                batch_key=batch_key, program=program, year=year, status="filled", created_at=now_text(),
                created_by=actor, line_count=0, total_fen=0).returning(payout_batch.c.id)).scalar_one()
            rows = _queue(conn, program, year, limit)
            lines = [{"line_key": f"{r.case_id}:{program}:{r.attempt}", "batch_id": batch_id, "case_id": r.case_id,
                      "program": program, "id_token": r.id_token, "year": year, "amount_fen": r.amount_fen,
                      "attempt": r.attempt, "state": "queued", "updated_at": now_text()} for r in rows]
            if lines:
                conn.execute(on_conflict_do_nothing(conn, payout_line), lines)
            count, total = conn.execute(select(func.count(), func.coalesce(func.sum(payout_line.c.amount_fen), 0))
                                        .where(payout_line.c.batch_id == batch_id)).one()
            conn.execute(update(payout_batch).where(payout_batch.c.id == batch_id)
                         .values(line_count=count, total_fen=total))
            append_event(conn, actor=actor, action="payout.batch", subject=f"batch:{batch_key}",
                         detail={"program": program, "year": year, "lines": count, "total_fen": int(total)})
            return BatchReport(batch_key, True, int(count), int(total))
    except IntegrityError:  # another process created the same key at the same moment
        with engine.connect() as conn:
            old = conn.execute(select(payout_batch).where(payout_batch.c.batch_key == batch_key)).first()
        if old is None:
            raise
        return BatchReport(batch_key, False, old.line_count, old.total_fen)


def _queue(conn: Connection, program: str, year: int, limit: int | None) -> list[Any]:
    """Approved (case, program) lines with money and no live payout line: the payout queue."""
    live = exists().where(and_(payout_line.c.case_id == case_line.c.case_id, payout_line.c.program == program,
                               payout_line.c.state != "failed"))
    failed = (select(func.count()).where(and_(payout_line.c.case_id == case_line.c.case_id,
                                              payout_line.c.program == program, payout_line.c.state == "failed"))
              .scalar_subquery())
    query = (select(case_line.c.case_id, case_line.c.amount_fen, aid_case.c.id_token, (failed + 1).label("attempt"))
             .join(aid_case, aid_case.c.id == case_line.c.case_id)
             .join(case_share, and_(case_share.c.case_id == case_line.c.case_id,
                                    case_share.c.department == case_line.c.department))
             .where(case_line.c.program == program, aid_case.c.year == year,
                    aid_case.c.status.in_([s.value for s in PAYABLE]), case_share.c.status == ShareStatus.APPROVED,
                    case_line.c.amount_fen > 0, ~live)
             .order_by(case_line.c.case_id))
    if limit:
        query = query.limit(limit)
    return list(conn.execute(query))


class _Hold(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def run_batch(batch_key: str, *, actor: str, url: str | None = None, today: dt.date | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> RunReport:
    """Issue every queued line of the batch, one transaction per line; safe to re-run after a crash.

    ``progress(stage, done, total)`` is called after each line (the web runs batches as jobs)."""
    engine = engine_for(url)
    today = today or dt.date.today()
    report = RunReport(batch_key)
    with engine.connect() as conn:
        batch = conn.execute(select(payout_batch).where(payout_batch.c.batch_key == batch_key)).first()
        if batch is None:
            raise NotFound(f"no payout batch {batch_key}", f"没有支付批次 {batch_key}")
        queued = list(conn.execute(select(payout_line.c.id).where(
            and_(payout_line.c.batch_id == batch.id, payout_line.c.state == "queued"))
            .order_by(payout_line.c.id)).scalars())
    for done, line_id in enumerate(queued, start=1):
        if progress:
            progress("issue", done - 1, len(queued))
        try:
            with engine.begin() as conn:
                if issue_line(conn, line_id, actor=actor, today=today):
                    report.issued += 1
                else:
                    report.skipped += 1
        except _Hold as hold:
            report.held[hold.reason] = report.held.get(hold.reason, 0) + 1
            # a case that is no longer payable (cancelled) voids its line; budget/cap holds stay queued
            state = "failed" if hold.reason == "case_not_payable" else "queued"
            with engine.begin() as conn:
                conn.execute(update(payout_line).where(and_(payout_line.c.id == line_id,
                                                            payout_line.c.state == "queued"))
                             .values(state=state, reason=hold.reason, updated_at=now_text()))
    if progress:
        progress("issue", len(queued), len(queued))
    with engine.begin() as conn:
        report.remaining = conn.execute(select(func.count()).where(
            and_(payout_line.c.batch_id == batch.id, payout_line.c.state == "queued"))).scalar_one()
        if report.remaining == 0:
            conn.execute(update(payout_batch).where(payout_batch.c.id == batch.id).values(status="issued"))
    return report


def issue_line(conn: Connection, line_id: int, *, actor: str, today: dt.date) -> bool:
    """Debit fund and ledger and mark one line issued, inside the caller's transaction.

    Returns False when the line was no longer queued (done by someone else); raises ``_Hold`` when
    the fund budget or the person's annual cap would be exceeded, or the case is not payable.
    """
    claimed = conn.execute(update(payout_line).where(and_(payout_line.c.id == line_id,
                                                          payout_line.c.state == "queued"))
                           .values(state="issued", reason=None, updated_at=now_text())).rowcount
    if not claimed:
        return False
    line = conn.execute(select(payout_line).where(payout_line.c.id == line_id)).one()
    case = conn.execute(update(aid_case).where(and_(aid_case.c.id == line.case_id,
                                                    aid_case.c.status.in_([s.value for s in PAYABLE])))
                        .values(status=CaseStatus.PAYING, last_action_on=today, version=aid_case.c.version + 1)
                        .returning(aid_case.c.id)).first()
    if case is None:
        raise _Hold("case_not_payable")
    debited = conn.execute(update(fund).where(and_(
        fund.c.program == line.program, fund.c.year == line.year,
        (fund.c.budget_fen.is_(None)) | (fund.c.issued_fen + line.amount_fen <= fund.c.budget_fen)))
        .values(issued_fen=fund.c.issued_fen + line.amount_fen)).rowcount
    if not debited:
        raise _Hold("fund_exhausted")
    cap = conn.execute(select(case_line.c.cap_fen).where(and_(case_line.c.case_id == line.case_id,
                                                              case_line.c.program == line.program))).scalar()
    conn.execute(on_conflict_do_nothing(conn, person_ledger).values(
        id_token=line.id_token, year=line.year, program=line.program, issued_fen=0, cap_fen=cap))
    cond = and_(person_ledger.c.id_token == line.id_token, person_ledger.c.year == line.year,
                person_ledger.c.program == line.program)
    if cap is not None:
        cond = and_(cond, person_ledger.c.issued_fen + line.amount_fen <= cap)
    if not conn.execute(update(person_ledger).where(cond)
                        .values(issued_fen=person_ledger.c.issued_fen + line.amount_fen)).rowcount:
        raise _Hold("annual_cap")
    crash_point("payout.before_commit")
    record(conn, case_id=line.case_id, actor=actor, action="payout.issued", from_status=None,
           to_status=CaseStatus.PAYING, detail={"line_key": line.line_key, "amount_fen": line.amount_fen,
                                                "program": line.program})
    return True


def export_bank_file(batch_key: str, out: Path, *, actor: str, url: str | None = None,
                     reveal: bool = False, reason: str | None = None) -> int:
    """Write the bank instruction file (issued lines of the batch); layout in docs/cases.md.

    ``reveal`` writes full ID numbers and needs ``reason`` (what the user typed; the CLI's default
    says it is the bank file): one ``sensitive_read`` event with the reason and the line count."""
    from medaid.privacy.vault import reveal as reveal_id

    why = reveal_reason(reason) if reveal else ""
    with engine_for(url).begin() as conn:
        batch = conn.execute(select(payout_batch).where(payout_batch.c.batch_key == batch_key)).first()
        if batch is None:
            raise NotFound(f"no payout batch {batch_key}", f"没有支付批次 {batch_key}")
        rows = list(conn.execute(
            select(payout_line.c.line_key, payout_line.c.case_id, payout_line.c.program, payout_line.c.amount_fen,
                   payout_line.c.id_token, aid_case.c.name, aid_case.c.claim_id)
            .join(aid_case, aid_case.c.id == payout_line.c.case_id)
            .where(payout_line.c.batch_id == batch.id, payout_line.c.state == "issued")
            .order_by(payout_line.c.id)))
        if reveal:
            record_sensitive_read(conn, actor, f"batch:{batch_key}", why,
                                  what=f"银行代发文件 / bank payout file with {len(rows)} ID numbers")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(BANK_FILE_COLUMNS)
            for r in rows:
                id_text = _id_for(conn, r.id_token, reveal, reveal_id)
                w.writerow([batch_key, r.line_key, r.case_id, r.program, r.name, id_text,
                            str(to_yuan(r.amount_fen)), f"医疗救助 claim {r.claim_id}"])
        append_event(conn, actor=actor, action="payout.export", subject=f"batch:{batch_key}",
                     detail={"lines": len(rows), "file": out.name, "revealed": reveal})
    return len(rows)


def _id_for(conn: Connection, token: str, reveal: bool, reveal_id: Any) -> str:
    """The full ID number (audited above) or its masked form; the token when no identity is stored."""
    from medaid.store.tables import identity

    if reveal:
        try:
            return str(reveal_id(conn, token))
        except NotFound:
            return token
    masked = conn.execute(select(identity.c.id_masked).where(identity.c.id_token == token)).scalar()
    return str(masked) if masked else token


def import_bank_result(path: Path, *, actor: str, url: str | None = None, today: dt.date | None = None) -> ImportReport:
    """Apply the bank's result file (line_key, result paid|failed, bank_ref, reason), one line per transaction."""
    report = ImportReport()
    today = today or dt.date.today()
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("line_key", "result") if c not in (reader.fieldnames or [])]
        if missing:
            raise ContractError(f"{path.name}: missing columns {missing}; expected {RESULT_FILE_COLUMNS}",
                                f"{path.name} 缺少列 {missing}", file=path.name)
        for n, row in enumerate(reader, start=2):
            try:
                outcome = mark_result(row["line_key"].strip(), row["result"].strip().lower(),
                                      bank_ref=(row.get("bank_ref") or "").strip() or None,
                                      reason=(row.get("reason") or "").strip() or None,
                                      actor=actor, url=url, today=today)
            except (NotFound, ContractError) as exc:
                report.problems.append(f"{path.name} row {n}: {exc}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def mark_result(line_key: str, result: str, *, bank_ref: str | None, reason: str | None, actor: str,
                url: str | None = None, today: dt.date | None = None) -> str:
    """Mark one issued line paid or failed; returns "paid", "failed" or "unchanged" (a repeat)."""
    if result not in ("paid", "failed"):
        raise ContractError(f"result must be paid or failed, not {result!r}", "结果只能是 paid 或 failed",
                            field="result")
    today = today or dt.date.today()
    with engine_for(url).begin() as conn:
        line = conn.execute(select(payout_line).where(payout_line.c.line_key == line_key)).first()
        if line is None:
            raise NotFound(f"no payout line {line_key}", f"没有支付明细 {line_key}")
        moved = conn.execute(update(payout_line).where(and_(payout_line.c.id == line.id,
                                                            payout_line.c.state == "issued"))
                             .values(state=result, bank_ref=bank_ref, reason=reason, updated_at=now_text(),
                                     paid_on=today if result == "paid" else None)).rowcount
        if not moved:
            if line.state == result:
                return "unchanged"
            raise ContractError(f"line {line_key} is {line.state}; the bank says {result}: check with the bank",
                                f"明细 {line_key} 当前为 {line.state}，银行结果为 {result}，请与银行核对",
                                field="result")
        if result == "failed":
            _refund(conn, line)
        status = _case_after_result(conn, line.case_id, today)
        record(conn, case_id=line.case_id, actor=actor, action=f"payout.{result}", to_status=status,
               reason=reason, detail={"line_key": line_key, "bank_ref": bank_ref, "amount_fen": line.amount_fen})
        if status is CaseStatus.PAID:
            from medaid.cases.notices import store_notice

            store_notice(conn, line.case_id, "grant")
        return result


def _refund(conn: Connection, line: Any) -> None:
    conn.execute(update(fund).where(and_(fund.c.program == line.program, fund.c.year == line.year))
                 .values(issued_fen=fund.c.issued_fen - line.amount_fen))
    conn.execute(update(person_ledger).where(and_(
        person_ledger.c.id_token == line.id_token, person_ledger.c.year == line.year,
        person_ledger.c.program == line.program)).values(issued_fen=person_ledger.c.issued_fen - line.amount_fen))


def _case_after_result(conn: Connection, case_id: int, today: dt.date) -> CaseStatus:
    """paid when every approved line with money has a paid payout line; else paying/approved."""
    approved = select(case_line.c.program).join(case_share, and_(
        case_share.c.case_id == case_line.c.case_id, case_share.c.department == case_line.c.department)).where(
        case_line.c.case_id == case_id, case_share.c.status == ShareStatus.APPROVED, case_line.c.amount_fen > 0)
    programs = set(conn.execute(approved).scalars())
    states = list(conn.execute(select(payout_line.c.program, payout_line.c.state)
                               .where(payout_line.c.case_id == case_id)))
    paid = {p for p, s in states if s == "paid"}
    live = any(s in ("issued", "paid") for _, s in states)
    if programs and programs <= paid:
        status, values = CaseStatus.PAID, {"paid_on": today}
    else:
        status, values = (CaseStatus.PAYING if live else CaseStatus.APPROVED), {}
    conn.execute(update(aid_case).where(aid_case.c.id == case_id)
                 .values(status=status, last_action_on=today, version=aid_case.c.version + 1, **values))
    return status



def set_budget(program: str, year: int, budget_fen: int | None, *, actor: str, url: str | None = None) -> None:
    """Set a program fund's annual budget (None = unlimited); refused below what is already issued."""
    with engine_for(url).begin() as conn:
        row = conn.execute(select(fund).where(and_(fund.c.program == program, fund.c.year == year))).first()
        if row is None:
            raise NotFound(f"no fund {program}/{year}: open cases for the year first",
                           f"没有 {year} 年 {program} 资金账户，请先立案")
        if budget_fen is not None and budget_fen < row.issued_fen:
            raise IdempotencyConflict(
                f"budget {to_yuan(budget_fen)} is below the {to_yuan(row.issued_fen)} yuan already issued",
                f"预算低于已支出金额 {to_yuan(row.issued_fen)} 元")
        conn.execute(update(fund).where(and_(fund.c.program == program, fund.c.year == year))
                     .values(budget_fen=budget_fen))
        append_event(conn, actor=actor, action="payout.budget", subject=f"fund:{program}:{year}",
                     detail={"budget_fen": budget_fen, "was_fen": row.budget_fen})
