"""Notices to the person (告知书/短信): amounts per program with the rule behind each, and for every
denial the reason and where else help may come from (临时救助, 慈善救助) — seed 000 asks that
decisions are notified with reasons; a bare "no" is never sent.

Rendering is pure (``render_*``); ``store_notice`` writes the rendered texts once per case and kind
(unique constraint), inside the transaction that paid or denied the case.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from medaid.cases.history import now_text
from medaid.domain.money import format_yuan
from medaid.store.cases_tables import aid_case, case_line, case_notice, case_share

OTHER_HELP = (
    "您还可以申请：民政部门临时救助（乡镇民政办受理，急难型可先行救助）；慈善组织大病救助项目"
    "（县慈善总会）；工会困难职工帮扶（职工）；如家庭收入下降，可申请低保/低保边缘认定。"
)
OTHER_HELP_EN = ("You may also apply for: temporary assistance (township civil affairs office), charity "
                 "critical-illness projects (county charity federation), union hardship aid (employees), "
                 "or a dibao/low-income assessment if household income has fallen.")

PROGRAM_ZH = {"assistance": "医疗救助", "reassist": "再救助", "basic": "基本医疗保险", "critical": "大病保险",
              "supplementary": "补充商业保险"}


@dataclass(frozen=True)
class NoticeLine:
    program: str
    name: str
    amount_fen: int
    rule: str
    decision: str  # approved | denied | returned | pending
    reason: str | None = None


def _rule_zh(rule: str) -> str:
    if rule.endswith(".base"):
        return "按一般标准"
    tail = rule.rsplit(".", 1)[-1]
    return f"按倾斜政策（{tail}）"


def render_grant(name: str, claim_id: str, discharge: str, lines: Sequence[NoticeLine], paid_on: str) -> tuple[str, str]:
    """(sms, letter) for a paid case: each program's amount and rule, denied programs with reasons."""
    paid = [x for x in lines if x.decision == "approved" and x.amount_fen > 0]
    total = sum(x.amount_fen for x in paid)
    parts = "，".join(f"{x.name}{format_yuan(x.amount_fen)}元" for x in paid)
    sms = (f"【医疗救助】{name}您好，您{discharge}出院的医疗费用（结算单{claim_id}）已按“免申即享”核定："
           f"{parts}，合计{format_yuan(total)}元，已于{paid_on}发放至您的社保卡。无需申请。")
    body = [f"{name}：", f"您{discharge}出院的医疗费用（结算单号 {claim_id}）经系统自动核算、相关部门并联审批，救助结果如下："]
    for x in lines:
        if x.decision == "approved" and x.amount_fen > 0:
            body.append(f"  · {x.name}：{format_yuan(x.amount_fen)} 元（{_rule_zh(x.rule)}，规则 {x.rule}）")
        elif x.decision == "denied":
            body.append(f"  · {x.name}：不予救助。理由：{x.reason or '未说明'}")
    body.append(f"合计 {format_yuan(total)} 元，已于 {paid_on} 发放至您的社会保障卡账户。")
    if any(x.decision == "denied" for x in lines):
        body.append(OTHER_HELP)
    body.append("如有异议，可在收到本通知之日起 60 日内向县医疗保障局申请复核。")
    body.append(f"(EN) Grant without application: {format_yuan(total)} yuan paid on {paid_on} for claim {claim_id}.")
    return sms, "\n".join(body)


def render_denial(name: str, claim_id: str, reasons: Sequence[str]) -> tuple[str, str]:
    """(sms, letter) for a claim no program pays, or a case every department denied: why, and what else."""
    why = "；".join(reasons) or "未达到救助条件"
    sms = f"【医疗救助】{name}您好，您的医疗费用（结算单{claim_id}）本次未获医疗救助，原因：{why}。{OTHER_HELP}"
    letter = "\n".join([
        f"{name}：",
        f"您的医疗费用（结算单号 {claim_id}）经系统核算，本次不予医疗救助。",
        f"理由：{why}。",
        OTHER_HELP,
        "如有异议，可在收到本通知之日起 60 日内向县医疗保障局申请复核。",
        f"(EN) No assistance for claim {claim_id}: {why}. {OTHER_HELP_EN}",
    ])
    return sms, letter


def denial_reasons(plan_layers: Sequence[dict[str, Any]], categories: str) -> list[str]:
    """Why a plan pays nothing, in the person's words (from the policy trace)."""
    reasons = []
    if not categories:
        reasons.append("结算日不在特困、低保、低保边缘、监测对象、因病致贫重病患者等救助对象名单内")
    for layer in plan_layers:
        if layer["layer"] in ("basic", "critical"):
            continue
        label = PROGRAM_ZH.get(layer["layer"], layer["name"])
        if layer["rule"].endswith("not_eligible") and categories:
            reasons.append(f"{label}：您的身份类别不在本项目保障范围")
        elif layer["rule"].endswith("not_covered"):
            reasons.append(f"{label}：该类费用（如普通门诊）不在本项目支付范围")
        elif layer["paid_fen"] == 0 and not layer["rule"].endswith("not_eligible"):
            reasons.append(f"{label}：年度累计政策范围内自付费用未超过起付线，或已达年度封顶线")
    return reasons


def case_lines(conn: Connection, case_id: int) -> list[NoticeLine]:
    shares = {r.department: r for r in conn.execute(select(case_share).where(case_share.c.case_id == case_id))}
    out = []
    for r in conn.execute(select(case_line).where(case_line.c.case_id == case_id).order_by(case_line.c.id)):
        share = shares.get(r.department)
        out.append(NoticeLine(r.program, PROGRAM_ZH.get(r.program, r.program), r.amount_fen, r.rule,
                              share.status if share else "pending", share.reason if share else None))
    return out


def render_case(conn: Connection, case_id: int, kind: str) -> tuple[str, str]:
    case = conn.execute(select(aid_case).where(aid_case.c.id == case_id)).one()
    lines = case_lines(conn, case_id)
    discharge = str(case.discharge_date or case.settle_date)
    if kind == "grant":
        return render_grant(case.name, case.claim_id, discharge, lines, str(case.paid_on or ""))
    reasons = [f"{x.name}：{x.reason}" for x in lines if x.decision == "denied" and x.reason]
    if not reasons:
        reasons = denial_reasons(json.loads(case.plan)["layers"], case.categories)
    return render_denial(case.name, case.claim_id, reasons)


def store_notice(conn: Connection, case_id: int, kind: str) -> None:
    """Render and keep the notice once per (case, kind); a repeat is ignored."""
    if conn.execute(select(case_notice.c.id).where(case_notice.c.case_id == case_id,
                                                   case_notice.c.kind == kind)).first():
        return
    sms, letter = render_case(conn, case_id, kind)
    conn.execute(case_notice.insert().values(case_id=case_id, kind=kind, created_at=now_text(), sms=sms,
                                             letter=letter))
