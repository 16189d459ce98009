"""Supervision views (智慧监管, seed 003; DESIGN §7). Read-only: each function takes a connection and
returns plain rows (dicts) that the CLI prints and exports; none of them writes.

受而不办 ``untouched`` · 缓办 ``overdue`` · 少救漏救 ``shortfall`` · 人情救助 ``favouritism`` ·
重复救助 ``duplicates`` · 基金结余 ``fund_balance`` · 月度漏斗 ``funnel``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, func, select

from medaid.cases.states import CaseStatus
from medaid.domain.money import to_yuan
from medaid.domain.workdays import workdays_between
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share, fund, payout_line
from medaid.store.tables import claim, roster

Row = dict[str, Any]
OPEN = (CaseStatus.APPROVING, CaseStatus.RETURNED, CaseStatus.APPROVED, CaseStatus.PAYING)
SEED_003_FUNNEL = {"pulled": 17_089, "eligible": 12_963, "completed": 5_397}
"""Seed 003 (新津) reference figures: settlements pulled → eligible → completed."""


def _year(year: int | None) -> Any:
    return True if year is None else aid_case.c.year == year


def untouched(conn: Connection, *, today: dt.date, idle_workdays: int = 5, year: int | None = None) -> list[Row]:
    """受而不办: cases waiting for a department with no action for more than ``idle_workdays``."""
    pending = defaultdict(list)
    for r in conn.execute(select(case_share.c.case_id, case_share.c.department)
                          .where(case_share.c.status.in_(["pending", "returned"]))):
        pending[r.case_id].append(r.department)
    out = []
    for c in conn.execute(select(aid_case).where(aid_case.c.status.in_([CaseStatus.APPROVING, CaseStatus.RETURNED]),
                                                 _year(year)).order_by(aid_case.c.last_action_on, aid_case.c.id)):
        idle = workdays_between(c.last_action_on, today)
        if idle > idle_workdays:
            out.append({"case_id": c.id, "claim_id": c.claim_id, "township_code": c.township_code,
                        "village": c.village, "status": c.status, "waiting_for": ",".join(sorted(pending[c.id])),
                        "opened_on": c.opened_on, "last_action_on": c.last_action_on, "idle_workdays": idle})
    return out


def overdue(conn: Connection, *, today: dt.date, year: int | None = None) -> list[Row]:
    """缓办: open cases past their due date, and cases paid after it (20 working days from discharge)."""
    out = []
    for c in conn.execute(select(aid_case).where(_year(year), aid_case.c.status.in_([*OPEN, CaseStatus.PAID]))
                          .order_by(aid_case.c.due_date, aid_case.c.id)):
        end = c.paid_on if c.status == CaseStatus.PAID else today
        if end is None or end <= c.due_date:
            continue
        out.append({"case_id": c.id, "claim_id": c.claim_id, "township_code": c.township_code, "status": c.status,
                    "discharge_date": c.discharge_date, "due_date": c.due_date, "paid_on": c.paid_on,
                    "late_workdays": workdays_between(c.due_date, end)})
    return out


def shortfall(conn: Connection, *, today: dt.date, year: int | None = None) -> list[Row]:
    """少救漏救: eligible but unpaid past the due date, paid less than the plan, or a program denied."""
    paid: dict[int, int] = defaultdict(int)
    for case_id, fen in conn.execute(select(payout_line.c.case_id, func.sum(payout_line.c.amount_fen))
                                     .where(payout_line.c.state == "paid").group_by(payout_line.c.case_id)):
        paid[case_id] = int(fen)
    planned: dict[int, int] = defaultdict(int)
    for case_id, fen in conn.execute(select(case_line.c.case_id, func.sum(case_line.c.planned_fen))
                                     .group_by(case_line.c.case_id)):
        planned[case_id] = int(fen)
    denied: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(select(case_share.c.case_id, case_share.c.department, case_share.c.reason)
                          .where(case_share.c.status == "denied")):
        denied[r.case_id].append(f"{r.department}: {r.reason}")
    out = []
    for c in conn.execute(select(aid_case).where(_year(year), aid_case.c.status != CaseStatus.CANCELLED)
                          .order_by(aid_case.c.id)):
        plan, got = planned[c.id], paid[c.id]
        problem = None
        if c.status in OPEN and today > c.due_date:
            problem = "unpaid_past_due"  # 漏救：应救未救
        elif c.status in (CaseStatus.PAID, CaseStatus.DENIED) and got < plan:
            problem = "paid_short" if got else "denied"  # 少救
        if problem:
            out.append({"case_id": c.id, "claim_id": c.claim_id, "township_code": c.township_code,
                        "village": c.village, "problem": problem, "planned_yuan": to_yuan(plan),
                        "paid_yuan": to_yuan(got), "short_yuan": to_yuan(plan - got),
                        "detail": "; ".join(denied[c.id])})
    return out


def favouritism(conn: Connection, *, year: int | None = None, min_overrides: int = 3,
                concentration: float = 0.3) -> list[Row]:
    """人情救助: money to people without a valid category, and amount overrides clustering on one
    approver, village or family (≥ ``min_overrides`` and ≥ ``concentration`` of all overrides)."""
    out: list[Row] = []
    spans = defaultdict(list)
    for r in conn.execute(select(roster.c.id_token, roster.c.valid_from, roster.c.valid_to)):
        spans[r.id_token].append((r.valid_from, r.valid_to))
    live = select(payout_line.c.case_id).where(payout_line.c.state.in_(["issued", "paid"])).distinct()
    for c in conn.execute(select(aid_case).where(_year(year), aid_case.c.id.in_(live))):
        valid = any(a <= c.settle_date and (b is None or c.settle_date <= b) for a, b in spans[c.id_token])
        if not valid:
            out.append({"kind": "no_valid_category", "key": f"case {c.id}", "count": 1, "share": None,
                        "detail": f"claim {c.claim_id}: paid, but no roster category valid on {c.settle_date}"})
    overrides = list(conn.execute(
        select(case_event.c.actor, aid_case.c.village, aid_case.c.household_id, aid_case.c.id)
        .join(aid_case, aid_case.c.id == case_event.c.case_id).where(case_event.c.override == 1, _year(year))))
    total = len(overrides)
    for kind, idx in (("approver", 0), ("village", 1), ("household", 2)):
        counts = Counter(r[idx] for r in overrides if r[idx])
        for key, n in counts.most_common():
            if n >= min_overrides and n / total >= concentration:
                cases = sorted({r[3] for r in overrides if r[idx] == key})
                out.append({"kind": f"overrides_by_{kind}", "key": key, "count": n, "share": round(n / total, 3),
                            "detail": f"{n} of {total} overrides; cases {cases[:20]}"})
    return out


def duplicates(conn: Connection, *, year: int | None = None) -> list[Row]:
    """Duplicate payments for the same cost: a claim paid beyond its in-scope amount across programs,
    or two claim records of the same stay (person, hospital, dates, amount) both paid."""
    out: list[Row] = []
    live: dict[int, int] = defaultdict(int)
    lines_per: Counter[tuple[int, str]] = Counter()
    for line in conn.execute(select(payout_line.c.case_id, payout_line.c.program, payout_line.c.amount_fen)
                             .where(payout_line.c.state.in_(["issued", "paid"]))):
        live[line.case_id] += line.amount_fen
        lines_per[(line.case_id, line.program)] += 1
    for (case_id, program), n in lines_per.items():
        if n > 1:
            out.append({"kind": "same_program_twice", "case_id": case_id, "detail": f"{program} paid {n} times"})
    cases = {c.id: c for c in conn.execute(select(aid_case.c.id, aid_case.c.claim_id, aid_case.c.plan,
                                                  aid_case.c.in_scope_fen, aid_case.c.id_token)
                                           .where(_year(year), aid_case.c.id.in_(list(live) or [-1])))}
    for case_id, c in cases.items():
        counter = sum(x["paid_fen"] for x in json.loads(c.plan)["layers"] if x["layer"] in ("basic", "critical"))
        if counter + live[case_id] > c.in_scope_fen:
            out.append({"kind": "over_in_scope", "case_id": case_id,
                        "detail": f"claim {c.claim_id}: insurance {to_yuan(counter)} + assistance "
                                  f"{to_yuan(live[case_id])} > in-scope {to_yuan(c.in_scope_fen)}"})
    stays: dict[tuple[Any, ...], list[tuple[str, int]]] = defaultdict(list)
    q = (select(claim.c.claim_id, claim.c.id_token, claim.c.hospital_code, claim.c.admit_date,
                claim.c.discharge_date, claim.c.total_fen, aid_case.c.id)
         .join(aid_case, aid_case.c.claim_id == claim.c.claim_id).where(aid_case.c.id.in_(list(live) or [-1])))
    for s in conn.execute(q):
        stays[(s.id_token, s.hospital_code, s.admit_date, s.discharge_date, s.total_fen)].append((s.claim_id, s.id))
    for group in stays.values():
        if len(group) > 1:
            out.append({"kind": "same_stay_paid_twice", "case_id": group[0][1],
                        "detail": "claims " + ", ".join(g[0] for g in group) + " are the same stay, all paid"})
    return out


def fund_balance(conn: Connection, *, year: int) -> list[Row]:
    """基金结余: per program fund — budget, issued (committed), confirmed paid, balance, use rate."""
    paid = dict(conn.execute(select(payout_line.c.program, func.sum(payout_line.c.amount_fen))
                             .where(payout_line.c.state == "paid", payout_line.c.year == year)
                             .group_by(payout_line.c.program)).all())
    out = []
    for f in conn.execute(select(fund).where(fund.c.year == year).order_by(fund.c.program)):
        balance = None if f.budget_fen is None else f.budget_fen - f.issued_fen
        out.append({"program": f.program, "name": f.name, "department": f.department,
                    "budget_yuan": None if f.budget_fen is None else to_yuan(f.budget_fen),
                    "issued_yuan": to_yuan(f.issued_fen), "paid_yuan": to_yuan(int(paid.get(f.program) or 0)),
                    "balance_yuan": None if balance is None else to_yuan(balance),
                    "use_rate": None if not f.budget_fen else round(f.issued_fen / f.budget_fen, 4)})
    return out


def funnel(conn: Connection, *, year: int) -> list[Row]:
    """Per settle month: claims pulled → eligible (case opened) → completed (paid), as in seed 003."""
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
    pulled: Counter[int] = Counter(d.month for d in conn.execute(
        select(claim.c.settle_date).where(claim.c.settle_date.between(lo, hi))).scalars())
    eligible: Counter[int] = Counter()
    completed: Counter[int] = Counter()
    for r in conn.execute(select(aid_case.c.settle_date, aid_case.c.status)
                          .where(aid_case.c.year == year, aid_case.c.status != CaseStatus.CANCELLED)):
        eligible[r.settle_date.month] += 1
        if r.status == CaseStatus.PAID:
            completed[r.settle_date.month] += 1
    return [{"month": f"{year}-{m:02d}", "pulled": pulled[m], "eligible": eligible[m], "completed": completed[m],
             "eligible_rate": round(eligible[m] / pulled[m], 4) if pulled[m] else None,
             "completed_rate": round(completed[m] / eligible[m], 4) if eligible[m] else None}
            for m in range(1, 13) if pulled[m] or eligible[m]]


def case_counts(conn: Connection, *, year: int) -> dict[str, int]:
    return dict(conn.execute(select(aid_case.c.status, func.count()).where(aid_case.c.year == year)
                             .group_by(aid_case.c.status)).all())


def payout_states(conn: Connection, *, year: int) -> dict[str, int]:
    return dict(conn.execute(select(payout_line.c.state, func.count()).where(payout_line.c.year == year)
                             .group_by(payout_line.c.state)).all())


__all__ = ["SEED_003_FUNNEL", "case_counts", "duplicates", "favouritism", "fund_balance", "funnel",
           "overdue", "payout_states", "shortfall", "untouched"]
