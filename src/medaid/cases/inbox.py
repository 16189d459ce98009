"""Read side of cases for the clerk's daily tool: the inbox per department, one case with its plan,
shares, lines, payout lines and history, payout batches and their lines, and today's work counts.

Read-only queries shared by the web pages and the JSON API (so both show the same thing). Scope is
the caller's: ``department`` limits to cases with a share of that department, ``township`` to one
township. ID numbers only ever leave here masked (``identity.id_masked``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from medaid.cases.states import DECIDABLE, CaseStatus, case_zh
from medaid.domain.money import to_yuan
from medaid.domain.workdays import workdays_between
from medaid.errors import NotFound
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share, payout_batch, payout_line
from medaid.store.tables import identity

Row = dict[str, Any]
OPEN = (CaseStatus.APPROVING, CaseStatus.RETURNED, CaseStatus.APPROVED, CaseStatus.PAYING)


@dataclass(frozen=True)
class Scope:
    """Which cases a caller may see: None = no limit on that axis."""

    department: str | None = None
    township: str | None = None


def _scoped(query: Any, scope: Scope) -> Any:
    if scope.department:
        query = query.where(exists().where(and_(case_share.c.case_id == aid_case.c.id,
                                                case_share.c.department == scope.department)))
    if scope.township:
        query = query.where(aid_case.c.township_code == scope.township)
    return query


def _deadline(status: str, due: dt.date, paid_on: dt.date | None, today: dt.date) -> tuple[bool, int]:
    """(overdue, working days left — negative when late) for an open case; paid cases compare paid_on."""
    end = paid_on if status == CaseStatus.PAID else today
    if status in (CaseStatus.DENIED, CaseStatus.CANCELLED) or end is None:
        return False, 0
    if end > due:
        return True, -workdays_between(due, end)
    return False, workdays_between(end, due)


def _case_row(c: Any, today: dt.date) -> Row:
    late, left = _deadline(c.status, c.due_date, c.paid_on, today)
    return {"case_id": c.id, "claim_id": c.claim_id, "name": c.name, "township_code": c.township_code,
            "village": c.village, "categories": c.categories, "visit_type": c.visit_type,
            "settle_date": c.settle_date, "discharge_date": c.discharge_date, "due_date": c.due_date,
            "status": c.status, "status_zh": case_zh(c.status), "payable_yuan": to_yuan(c.payable_fen),
            "total_yuan": to_yuan(c.total_fen), "opened_on": c.opened_on, "last_action_on": c.last_action_on,
            "paid_on": c.paid_on, "overdue": late, "workdays_left": left}


def list_cases(conn: Connection, scope: Scope, *, today: dt.date, status: str | None = None,
               share_status: str | None = None, overdue_only: bool = False, limit: int = 100,
               offset: int = 0) -> tuple[int, list[Row]]:
    """(total, rows) of cases in scope, oldest due date first. ``share_status`` filters on the
    scope's department share (the approver's inbox is ``share_status="pending"``)."""
    query = _scoped(select(aid_case), scope)
    if status:
        query = query.where(aid_case.c.status == status)
    if share_status and scope.department:
        query = query.where(exists().where(and_(case_share.c.case_id == aid_case.c.id,
                                                case_share.c.department == scope.department,
                                                case_share.c.status == share_status)))
    if overdue_only:
        query = query.where(aid_case.c.status.in_([s.value for s in OPEN]), aid_case.c.due_date < today)
    total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = conn.execute(query.order_by(aid_case.c.due_date, aid_case.c.id).limit(limit).offset(offset))
    out = [_case_row(c, today) for c in rows]
    shares = _shares_of(conn, [r["case_id"] for r in out])
    for r in out:
        r["shares"] = shares.get(r["case_id"], [])
    return total, out


def _shares_of(conn: Connection, case_ids: list[int]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = {}
    if not case_ids:
        return found
    for s in conn.execute(select(case_share).where(case_share.c.case_id.in_(case_ids))
                          .order_by(case_share.c.case_id, case_share.c.department)):
        found.setdefault(s.case_id, []).append(
            {"department": s.department, "status": s.status, "reason": s.reason, "decided_by": s.decided_by,
             "decided_on": s.decided_on})
    return found


def in_scope(conn: Connection, case_id: int, scope: Scope) -> bool:
    """True when the case exists and the scope may see it (callers turn False into a logged 404)."""
    query = _scoped(select(aid_case.c.id).where(aid_case.c.id == case_id), scope)
    return conn.execute(query).first() is not None


def case_detail(conn: Connection, case_id: int, *, today: dt.date) -> Row:
    """Everything about one case: row, masked ID, plan trace, lines, shares, payout lines, history."""
    c = conn.execute(select(aid_case).where(aid_case.c.id == case_id)).first()
    if c is None:
        raise NotFound(f"case {case_id} does not exist", f"案件 {case_id} 不存在")
    row = _case_row(c, today)
    row["id_masked"] = conn.execute(select(identity.c.id_masked).where(identity.c.id_token == c.id_token)).scalar()
    plan = json.loads(c.plan)
    row["plan"] = {"order": plan.get("order", []), "why": plan.get("why"), "policy": plan.get("policy"),
                   "alternatives": plan.get("alternatives", {})}
    row["trace"] = [{"layer": t.get("layer"), "name": t.get("name"), "department": t.get("department"),
                     "base_yuan": to_yuan(t.get("base_fen") or 0), "paid_yuan": to_yuan(t.get("paid_fen") or 0),
                     "remaining_yuan": to_yuan(t.get("remaining_fen") or 0), "rule": t.get("rule")}
                    for t in plan.get("layers", [])]
    row["decidable"] = CaseStatus(c.status) in DECIDABLE
    row["lines"] = [{"program": ln.program, "department": ln.department, "planned_yuan": to_yuan(ln.planned_fen),
                     "amount_yuan": to_yuan(ln.amount_fen), "rule": ln.rule,
                     "cap_yuan": None if ln.cap_fen is None else to_yuan(ln.cap_fen)}
                    for ln in conn.execute(select(case_line).where(case_line.c.case_id == case_id)
                                           .order_by(case_line.c.program))]
    row["shares"] = _shares_of(conn, [case_id]).get(case_id, [])
    row["payouts"] = [{"line_key": p.line_key, "program": p.program, "amount_yuan": to_yuan(p.amount_fen),
                       "state": p.state, "reason": p.reason, "bank_ref": p.bank_ref, "paid_on": p.paid_on}
                      for p in conn.execute(select(payout_line).where(payout_line.c.case_id == case_id)
                                            .order_by(payout_line.c.id))]
    row["history"] = [{"at": e.at, "actor": e.actor, "action": e.action, "department": e.department,
                       "from_status": e.from_status, "to_status": e.to_status, "reason": e.reason,
                       "override": bool(e.override)}
                      for e in conn.execute(select(case_event).where(case_event.c.case_id == case_id)
                                            .order_by(case_event.c.id))]
    return row


def list_batches(conn: Connection, *, limit: int = 100) -> list[Row]:
    states: dict[int, dict[str, int]] = {}
    for b_id, state, n in conn.execute(select(payout_line.c.batch_id, payout_line.c.state, func.count())
                                       .group_by(payout_line.c.batch_id, payout_line.c.state)):
        states.setdefault(b_id, {})[state] = int(n)
    return [{"batch_key": b.batch_key, "program": b.program, "year": b.year, "status": b.status,
             "created_at": b.created_at, "created_by": b.created_by, "lines": b.line_count,
             "total_yuan": to_yuan(b.total_fen), "states": states.get(b.id, {})}
            for b in conn.execute(select(payout_batch).order_by(payout_batch.c.id.desc()).limit(limit))]


def batch_detail(conn: Connection, batch_key: str) -> Row:
    b = conn.execute(select(payout_batch).where(payout_batch.c.batch_key == batch_key)).first()
    if b is None:
        raise NotFound(f"no payout batch {batch_key}", f"没有支付批次 {batch_key}")
    lines = [{"line_key": p.line_key, "case_id": p.case_id, "program": p.program, "name": p.name,
              "amount_yuan": to_yuan(p.amount_fen), "state": p.state, "reason": p.reason, "bank_ref": p.bank_ref,
              "paid_on": p.paid_on}
             for p in conn.execute(select(payout_line, aid_case.c.name)
                                   .join(aid_case, aid_case.c.id == payout_line.c.case_id)
                                   .where(payout_line.c.batch_id == b.id).order_by(payout_line.c.id))]
    states: dict[str, int] = {}
    for ln in lines:
        states[ln["state"]] = states.get(ln["state"], 0) + 1
    return {"batch_key": b.batch_key, "program": b.program, "year": b.year, "status": b.status,
            "created_at": b.created_at, "created_by": b.created_by, "lines": lines,
            "total_yuan": to_yuan(b.total_fen), "states": states}


def work_counts(conn: Connection, scope: Scope, *, today: dt.date) -> dict[str, int]:
    """Today's work: shares waiting (department scope), returned, approved-unpaid, overdue, batches open."""
    def count(query: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())

    base = _scoped(select(aid_case.c.id), scope)
    out = {
        "approving": count(base.where(aid_case.c.status == CaseStatus.APPROVING)),
        "returned": count(base.where(aid_case.c.status == CaseStatus.RETURNED)),
        "to_pay": count(base.where(aid_case.c.status == CaseStatus.APPROVED)),
        "paying": count(base.where(aid_case.c.status == CaseStatus.PAYING)),
        "overdue": count(base.where(aid_case.c.status.in_([s.value for s in OPEN]), aid_case.c.due_date < today)),
        "batches_open": int(conn.execute(select(func.count()).where(payout_batch.c.status != "issued"))
                            .scalar_one()),
        "lines_issued": int(conn.execute(select(func.count()).where(payout_line.c.state == "issued")).scalar_one()),
    }
    if scope.department:
        out["waiting"] = count(base.where(exists().where(and_(
            case_share.c.case_id == aid_case.c.id, case_share.c.department == scope.department,
            case_share.c.status == "pending")), aid_case.c.status.in_([s.value for s in DECIDABLE])))
    return out
