"""The 12 core performance indicators (12项核心指标, seed 001: 资金使用效率、服务可及性、政策落实率…)
computed from loaded data, cases and payouts of one year.

Seed 001 names the indicator system but not its list; the twelve below are the ones the seeds give
figures for that medaid's data can compute (enrolment coverage and premium waiver of assisted
people, one-stop settlement, actual reimbursement and burden ratios — seed 004's target: inpatient
out-of-pocket ≤ 10% of total — fund use, time to pay, duplicates…). Satisfaction surveys (群众满意度)
are not in the data and are left out on purpose. Every value is ``None`` when its denominator is 0.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from statistics import mean

from sqlalchemy import Connection, func, select

from medaid.cases.states import CaseStatus
from medaid.domain.money import to_yuan
from medaid.domain.workdays import workdays_between
from medaid.store.cases_tables import aid_case, fund, payout_line
from medaid.store.tables import claim, enrolment, roster
from medaid.supervise.views import duplicates, overdue

BURDEN_TARGET = 0.10
"""Seed 004 (山东 2017): inpatient out-of-pocket of the poor ≤ 10% of total cost."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    value: float | None
    unit: str
    target: str
    definition: str


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def indicators(conn: Connection, *, year: int, today: dt.date) -> list[Indicator]:
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
    assisted = set(conn.execute(select(roster.c.id_token).where(
        roster.c.valid_from <= hi, roster.c.valid_to.is_(None) | (roster.c.valid_to >= lo))).scalars())
    enrolled: dict[str, bool] = {}
    for r in conn.execute(select(enrolment.c.id_token, enrolment.c.premium_waived)
                          .where(enrolment.c.year == year, enrolment.c.status == "active")):
        enrolled[r.id_token] = enrolled.get(r.id_token, False) or bool(r.premium_waived)
    a_enrolled = [t for t in assisted if t in enrolled]
    claims_assisted = at_counter = 0
    for r in conn.execute(select(claim.c.id_token, claim.c.basic_paid_fen)
                          .where(claim.c.settle_date.between(lo, hi), claim.c.reverses_claim_id.is_(None))):
        if r.id_token in assisted:
            claims_assisted += 1
            at_counter += r.basic_paid_fen is not None
    paid_by_case: dict[int, int] = {}
    for r in conn.execute(select(payout_line.c.case_id, func.sum(payout_line.c.amount_fen))
                          .where(payout_line.c.state == "paid", payout_line.c.year == year)
                          .group_by(payout_line.c.case_id)):
        paid_by_case[r[0]] = int(r[1])
    cases = list(conn.execute(select(aid_case).where(aid_case.c.year == year,
                                                     aid_case.c.status != CaseStatus.CANCELLED)))
    paid_cases = [c for c in cases if c.status == CaseStatus.PAID]
    open_cases = [c for c in cases if c.status not in (CaseStatus.PAID, CaseStatus.DENIED)]
    total = reimbursed = 0
    for c in cases:
        if c.visit_type != "inpatient":
            continue
        counter = sum(x["paid_fen"] for x in json.loads(c.plan)["layers"] if x["layer"] in ("basic", "critical"))
        total += c.total_fen
        reimbursed += counter + paid_by_case.get(c.id, 0)
    days = [workdays_between(c.discharge_date or c.settle_date, c.paid_on) for c in paid_cases if c.paid_on]
    on_time = sum(1 for c in paid_cases if c.paid_on and c.paid_on <= c.due_date)
    budget = issued = 0
    for f in conn.execute(select(fund).where(fund.c.year == year, fund.c.budget_fen.is_not(None))):
        budget += f.budget_fen
        issued += f.issued_fen
    persons_paid = {c.id_token for c in paid_cases}
    paid_total = sum(paid_by_case.values())
    late_open = sum(1 for r in overdue(conn, today=today, year=year) if r["status"] != CaseStatus.PAID)
    dups = len(duplicates(conn, year=year))
    burden = _ratio(total - reimbursed, total)
    return [
        Indicator("enrolment_coverage", "救助对象参保率", _ratio(len(a_enrolled), len(assisted)), "ratio", "100%",
                  "assisted people (roster valid in the year) with active enrolment / assisted people"),
        Indicator("premium_waiver_rate", "资助参保率", _ratio(sum(enrolled[t] for t in a_enrolled), len(a_enrolled)),
                  "ratio", "100%", "enrolled assisted people with premium waived / enrolled assisted people"),
        Indicator("one_stop_rate", "一站式结算率", _ratio(at_counter, claims_assisted), "ratio", "≥ 95%",
                  "claims of assisted people settled at the counter (basic paid given) / their claims"),
        Indicator("policy_delivery_rate", "政策落实率（应救尽救）", _ratio(len(paid_cases), len(cases)), "ratio",
                  "100%", "cases paid / cases opened (eligible person-claims), cancelled excluded"),
        Indicator("on_time_rate", "按时支付率", _ratio(on_time, len(paid_cases)), "ratio", "100%",
                  "paid cases paid within 20 working days of discharge / paid cases"),
        Indicator("avg_workdays_to_pay", "平均支付时长", round(mean(days), 2) if days else None, "working days",
                  "≤ 20 (seed 003; was 90)", "mean working days from discharge to payment"),
        Indicator("reimbursement_ratio", "住院费用实际报销比例", _ratio(reimbursed, total), "ratio",
                  "≥ 80% (seed 001: 81.6%)", "(basic + critical + assistance paid) / total cost, inpatient cases"),
        Indicator("burden_ratio", "个人负担比例", burden, "ratio", f"≤ {BURDEN_TARGET:.0%} (seed 004)",
                  "inpatient out-of-pocket (total − all paid) / total cost, inpatient cases"),
        Indicator("fund_use_rate", "救助资金使用率", _ratio(issued, budget), "ratio", "≈ 90% (seed 001: 92.3%)",
                  "issued / budget over funds with a budget"),
        Indicator("per_capita_assistance", "人均救助金额", float(to_yuan(paid_total // len(persons_paid)))
                  if persons_paid else None, "yuan", "—", "assistance paid / people paid"),
        Indicator("overdue_rate", "缓办率", _ratio(late_open, len(open_cases)), "ratio", "0",
                  "open cases past their due date / open cases"),
        Indicator("duplicate_rate", "重复救助率", _ratio(dups, len(paid_cases)), "ratio", "0",
                  "duplicate-payment findings / paid cases"),
    ]
