"""Parallel approval (并联审批): each department approves, returns (with a reason) or denies its share;
a returned share is corrected and resubmitted. One transaction per decision.

Concurrency: the first statement of every decision is a compare-and-set on the case row
(``UPDATE aid_case SET version = version + 1 WHERE id = ? AND status IN (approving, returned)``).
It takes the row lock on PostgreSQL and the write lock on SQLite before anything is read, so two
departments deciding at once serialise on the case, and a decision racing a payout loses cleanly
(the payout moved the case out of the decidable statuses first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select, update

from medaid.cases.history import record
from medaid.cases.states import (
    DECIDABLE,
    CaseStatus,
    ShareAction,
    ShareStatus,
    case_status_after_decision,
    case_zh,
    next_share_status,
)
from medaid.errors import NotFound, StateError
from medaid.store.cases_tables import aid_case, case_line, case_share
from medaid.store.db import engine_for


@dataclass(frozen=True)
class Decision:
    case_id: int
    department: str
    share_status: ShareStatus
    case_status: CaseStatus
    audit_seq: int


def decide(case_id: int, department: str, action: ShareAction | str, *, actor: str, reason: str | None = None,
           amounts: Mapping[str, int] | None = None, url: str | None = None,
           today: dt.date | None = None) -> Decision:
    """Apply one department's action to its share of a case.

    ``amounts`` (program → fen) corrects the department's own lines on approve/resubmit; a change
    from the plan is an *override*, needs a reason and is flagged for supervision (人情救助 check).
    """
    action = ShareAction(action)
    with engine_for(url).begin() as conn:
        return decide_in(conn, case_id, department, action, actor=actor, reason=reason, amounts=amounts,
                         today=today or dt.date.today())


def decide_in(conn: Connection, case_id: int, department: str, action: ShareAction, *, actor: str,
              reason: str | None, amounts: Mapping[str, int] | None, today: dt.date) -> Decision:
    locked = conn.execute(update(aid_case).where(and_(aid_case.c.id == case_id,
                                                      aid_case.c.status.in_([s.value for s in DECIDABLE])))
                          .values(version=aid_case.c.version + 1)).rowcount
    case = conn.execute(select(aid_case.c.status).where(aid_case.c.id == case_id)).first()
    if case is None:
        raise NotFound(f"case {case_id} does not exist", f"案件 {case_id} 不存在")
    if not locked:
        status = CaseStatus(case.status)
        raise StateError(f"case {case_id} is {status.value}: {action.value} is no longer possible",
                         f"案件 {case_id} 状态为“{case_zh(status)}”，不能再审批")
    share = conn.execute(select(case_share.c.id, case_share.c.status).where(
        and_(case_share.c.case_id == case_id, case_share.c.department == department))).first()
    if share is None:
        raise NotFound(f"case {case_id} has no share for department {department!r}",
                       f"案件 {case_id} 不需要 {department} 审批")
    old_case = CaseStatus(case.status)
    new_share = next_share_status(old_case, ShareStatus(share.status), action, reason=reason)
    override = False
    if amounts:
        if action not in (ShareAction.APPROVE, ShareAction.RESUBMIT):
            raise StateError("amounts can be corrected only on approve or resubmit", "只有审批通过或重新提交时可修改金额")
        override = _correct(conn, case_id, department, amounts)
        if override and not (reason and reason.strip()):
            raise StateError("changing a planned amount needs a reason", "修改方案金额必须填写理由")
    conn.execute(update(case_share).where(case_share.c.id == share.id).values(
        status=new_share, reason=reason, decided_by=actor, decided_on=today, version=case_share.c.version + 1))
    shares = [ShareStatus(s) for s in conn.execute(
        select(case_share.c.status).where(case_share.c.case_id == case_id)).scalars()]
    new_case = case_status_after_decision(shares)
    values: dict[str, object] = {"status": new_case, "last_action_on": today}
    if new_case is CaseStatus.APPROVED:
        values["approved_on"] = today
    conn.execute(update(aid_case).where(aid_case.c.id == case_id).values(**values))
    seq = record(conn, case_id=case_id, actor=actor, action=action.value, department=department,
                 from_status=old_case, to_status=new_case, reason=reason, override=override,
                 detail={"share": new_share.value, "amounts_fen": dict(amounts or {})})
    if new_case is CaseStatus.DENIED:
        from medaid.cases.notices import store_notice

        store_notice(conn, case_id, "denial")
    return Decision(case_id, department, new_share, new_case, seq)


def _correct(conn: Connection, case_id: int, department: str, amounts: Mapping[str, int]) -> bool:
    """Set corrected amounts on the department's own lines; True when any differs from the plan."""
    lines = {r.program: r for r in conn.execute(select(case_line).where(
        and_(case_line.c.case_id == case_id, case_line.c.department == department)))}
    override = False
    for program, fen in amounts.items():
        line = lines.get(program)
        if line is None:
            raise NotFound(f"department {department!r} has no program {program!r} on case {case_id}",
                           f"{department} 在案件 {case_id} 中没有项目 {program}")
        if fen < 0 or (line.cap_fen is not None and fen > line.cap_fen):
            raise StateError(f"amount {fen} fen for {program} is negative or above its annual cap {line.cap_fen}",
                             f"{program} 金额为负或超过年度封顶线")
        override = override or fen != line.planned_fen
        conn.execute(update(case_line).where(case_line.c.id == line.id).values(amount_fen=fen))
    total = sum(conn.execute(select(case_line.c.amount_fen).where(case_line.c.case_id == case_id)).scalars())
    conn.execute(update(aid_case).where(aid_case.c.id == case_id).values(payable_fen=total))
    return override
