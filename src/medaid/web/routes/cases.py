"""Case inbox and parallel approval pages. An approver's inbox is their department's pending shares;
the case page shows the plan per program with the policy trace, every share, payout lines and the
full history, and the decision form for the caller's own share (clerk: resubmit a returned share).
Scope and decisions go through the same functions as the JSON API (``medaid.api.v1.cases``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId
from medaid.api.roles import Permission, Role
from medaid.api.v1.cases import DecisionIn, apply_decision, ensure_case, scope_of, today
from medaid.cases import inbox
from medaid.errors import ContractError
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 50

i18n.register({
    "nav.cases": ("救助案件", "Cases"),
    "cases.title": ("救助案件", "Cases"),
    "cases.inbox": ("待我审批", "Waiting for my department"),
    "cases.all": ("全部", "All"),
    "cases.overdue_only": ("仅看超期", "Overdue only"),
    "cases.total": ("共", "Total"),
    "cases.none": ("没有符合条件的案件。", "No cases match."),
    "cases.case": ("案件", "Case"),
    "cases.claim": ("结算单号", "Claim"),
    "cases.name": ("姓名", "Name"),
    "cases.id_masked": ("身份证号（脱敏）", "ID number (masked)"),
    "cases.township": ("乡镇", "Township"),
    "cases.village": ("村", "Village"),
    "cases.categories": ("救助类别", "Categories"),
    "cases.settle_date": ("结算日期", "Settled"),
    "cases.discharge_date": ("出院日期", "Discharged"),
    "cases.due_date": ("办结时限", "Due"),
    "cases.workdays_left": ("剩余工作日", "Working days left"),
    "cases.overdue": ("已超期", "Overdue"),
    "cases.payable": ("应付金额（元）", "Payable (yuan)"),
    "cases.total_cost": ("医疗总费用（元）", "Total cost (yuan)"),
    "cases.status": ("案件状态", "Case status"),
    "cases.shares": ("部门份额", "Department shares"),
    "cases.department": ("部门", "Department"),
    "cases.share_status": ("份额状态", "Share status"),
    "cases.reason": ("理由", "Reason"),
    "cases.decided_by": ("审批人", "Decided by"),
    "cases.decided_on": ("审批日期", "Decided on"),
    "cases.plan": ("救助方案（按项目）", "Plan per program"),
    "cases.program": ("项目", "Program"),
    "cases.planned": ("方案金额", "Planned"),
    "cases.amount": ("核定金额", "Amount"),
    "cases.cap": ("年度封顶", "Annual cap"),
    "cases.rule": ("适用规则", "Rule"),
    "cases.trace": ("政策计算过程", "Policy trace"),
    "cases.order": ("支付顺序", "Order"),
    "cases.why": ("说明", "Why"),
    "cases.base": ("计算基数", "Base"),
    "cases.paid": ("支付", "Paid"),
    "cases.remaining": ("剩余自付", "Remaining"),
    "cases.payouts": ("支付明细", "Payout lines"),
    "cases.history": ("办理记录", "History"),
    "cases.at": ("时间", "At"),
    "cases.actor": ("操作人", "Actor"),
    "cases.action": ("操作", "Action"),
    "cases.from_to": ("状态变化", "From → to"),
    "cases.override": ("改额", "Override"),
    "cases.decide": ("审批本部门份额", "Decide my department's share"),
    "cases.approve": ("同意", "Approve"),
    "cases.return": ("退回补正", "Return"),
    "cases.deny": ("不予救助", "Deny"),
    "cases.resubmit": ("重新提交", "Resubmit"),
    "cases.reason_hint": ("退回、不予救助、改额时必填", "Required to return, deny or change an amount"),
    "cases.prev": ("上一页", "Previous"),
    "cases.next": ("下一页", "Next"),
    "cases.state.approving": ("审批中", "Approving"),
    "cases.state.returned": ("退回补正", "Returned"),
    "cases.state.approved": ("已审批待支付", "Approved, to pay"),
    "cases.state.paying": ("支付中", "Paying"),
    "cases.state.paid": ("已支付", "Paid"),
    "cases.state.denied": ("不予救助", "Denied"),
    "cases.state.cancelled": ("已撤销", "Cancelled"),
    "cases.share.pending": ("待审批", "Pending"),
    "cases.share.approved": ("同意", "Approved"),
    "cases.share.returned": ("已退回", "Returned"),
    "cases.share.denied": ("不予救助", "Denied"),
})

STATES = ("approving", "returned", "approved", "paying", "paid", "denied", "cancelled")


@router.get("/cases")
def cases_page(request: Request, status: str | None = Query(None, max_length=16), overdue: bool = False,
               mine: bool | None = None, page: int = Query(1, ge=1, le=100_000),
               principal: Principal = Depends(authorize(Permission.CASES_READ))) -> Response:
    """The inbox: an approver starts on their department's pending shares (``mine``)."""
    scope = scope_of(principal)
    mine = (principal.role is Role.APPROVER) if mine is None else mine
    status = status if status in STATES else None
    with engine_of(request).connect() as conn:
        total, rows = inbox.list_cases(conn, scope, today=today(), status=status,
                                       share_status="pending" if mine and scope.department else None,
                                       overdue_only=overdue, limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "cases/list.html", {
        "cases": rows, "total": total, "status": status, "overdue": overdue, "mine": mine, "page": page,
        "pages": max(1, -(-total // PAGE)), "states": STATES, "department": scope.department})


def _actions(principal: Principal, case: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The share the caller may act on and which actions the form offers."""
    if not case["decidable"]:
        return None, []
    if principal.role is Role.APPROVER and principal.user.department:
        mine = next((s for s in case["shares"] if s["department"] == principal.user.department.value), None)
        return (mine["department"], ["approve", "return", "deny"]) if mine and mine["status"] == "pending" \
            else (None, [])
    if principal.can(Permission.CASES_WRITE):
        returned = [s["department"] for s in case["shares"] if s["status"] == "returned"]
        return (returned[0], ["resubmit"]) if returned else (None, [])
    return None, []


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: ObjectId,
              principal: Principal = Depends(authorize(Permission.CASES_READ))) -> Response:
    ensure_case(request, principal, case_id)
    with engine_of(request).connect() as conn:
        case = inbox.case_detail(conn, case_id, today=today())
    department, actions = _actions(principal, case)
    return render(request, "cases/detail.html", {"case": case, "act_department": department, "actions": actions})


@router.post("/cases/{case_id}/decide")
def decide_form(request: Request, case_id: ObjectId, action: Annotated[str, Form(max_length=16)],
                reason: Annotated[str, Form(max_length=500)] = "",
                department: Annotated[str, Form(max_length=64)] = "",
                principal: Principal = Depends(authorize(Permission.CASES_READ))) -> Response:
    """The form posts here; errors (reason missing, already decided) show the error page."""
    try:
        body = DecisionIn.model_validate({"action": action, "reason": reason.strip() or None,
                                          "department": department or None})
    except ValidationError as exc:
        raise ContractError(f"action must be approve, return, deny or resubmit ({exc.error_count()} errors)",
                            "操作无效，只能是同意、退回、不予救助或重新提交", field="action") from exc
    apply_decision(request, principal, case_id, body)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
