"""Cases and parallel approvals (并联审批): list, detail, and one department's decision on its share.

Scope: an approver sees only cases with a share of their department and decides only that share;
township staff see their own township's cases; clerk, admin and supervisor see all. A case out of
scope is a 404 with an ``access.denied`` audit event. Decisions take an ``Idempotency-Key``: a
retried request returns the first result and never decides twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from medaid.api import idempotency
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId, Offset
from medaid.api.roles import Permission, Role
from medaid.api.v1.schemas import Problem
from medaid.audit.log import append_event
from medaid.cases import inbox
from medaid.cases.approval import decide
from medaid.domain.money import parse_yuan
from medaid.errors import ContractError, MedaidError, NotFound, PermissionDenied

router = APIRouter(tags=["cases"], responses={401: {"model": Problem}, 403: {"model": Problem}})


def plain(value: Any) -> Any:
    """JSON-safe copy: money (Decimal) as a string with two decimals, never a float; dates ISO."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def today() -> dt.date:
    return dt.date.today()


def scope_of(principal: Principal) -> inbox.Scope:
    """Approvers: their department; township staff: their township; other roles: everything."""
    user = principal.user
    if principal.role is Role.APPROVER:
        return inbox.Scope(department=user.department.value if user.department else "-")
    if principal.role is Role.TOWNSHIP:
        return inbox.Scope(township=user.township_code or "-")
    return inbox.Scope()


def ensure_case(request: Request, principal: Principal, case_id: int) -> None:
    """Object scope for one case: out of scope (or missing) is a 404, logged as ``access.denied``."""
    scope = scope_of(principal)
    with engine_of(request).begin() as conn:
        if inbox.in_scope(conn, case_id, scope):
            return
        if scope.department or scope.township:
            append_event(conn, actor=principal.user.username, action="access.denied", subject=f"case:{case_id}",
                         detail={"path": request.url.path, "department": scope.department,
                                 "township": scope.township})
    raise NotFound(f"case {case_id} not found", f"未找到案件 {case_id}")


def idempotent(request: Request, principal: Principal, key: str | None, payload: Mapping[str, Any],
               action: Callable[[], tuple[int, dict[str, Any]]]) -> JSONResponse:
    """Run a write ``action`` once per (user, ``Idempotency-Key``); see ``idempotency.run_once``."""
    digest = idempotency.request_digest(request.url.path, payload)
    status, body = idempotency.run_once(engine_of(request), principal.user.id, key, digest, action)
    return JSONResponse(body, status_code=status)


@router.get("/cases")
def list_cases(request: Request, status: str | None = Query(None, max_length=16),
               share_status: Literal["pending", "approved", "returned", "denied"] | None = None,
               overdue: bool = False, limit: int = Query(50, ge=1, le=500), offset: Offset = 0,
               principal: Principal = Depends(authorize(Permission.CASES_READ))) -> dict[str, Any]:
    """Cases in the caller's scope, oldest due date first (approver inbox: ``share_status=pending``)."""
    with engine_of(request).connect() as conn:
        total, rows = inbox.list_cases(conn, scope_of(principal), today=today(), status=status,
                                       share_status=share_status, overdue_only=overdue, limit=limit, offset=offset)
    return {"total": total, "cases": plain(rows)}


@router.get("/cases/{case_id}", responses={404: {"model": Problem}})
def get_case(request: Request, case_id: ObjectId,
             principal: Principal = Depends(authorize(Permission.CASES_READ))) -> dict[str, Any]:
    """One case: plan per program with the policy trace, shares, payout lines, full history."""
    ensure_case(request, principal, case_id)
    with engine_of(request).connect() as conn:
        return dict(plain(inbox.case_detail(conn, case_id, today=today())))


class DecisionIn(BaseModel):
    action: Literal["approve", "return", "deny", "resubmit"]
    reason: str | None = Field(None, max_length=500)
    department: str | None = Field(None, max_length=64, description="approvers: omitted (their own); "
                                   "clerk resubmit: the returned department")
    amounts: dict[str, str] | None = Field(None, description="program → yuan, e.g. {\"assistance\": \"1200.50\"}")


def apply_decision(request: Request, principal: Principal, case_id: int, body: DecisionIn) -> dict[str, Any]:
    """Check who may take the action on which share, then call ``medaid.cases.approval.decide``."""
    ensure_case(request, principal, case_id)
    if body.action == "resubmit":
        if not principal.can(Permission.CASES_WRITE):
            raise PermissionDenied("only the bureau clerk resubmits a returned share", "只有医保经办可以重新提交退回的份额")
        department = body.department or (principal.user.department.value if principal.user.department else None)
    else:
        if not principal.can(Permission.CASES_APPROVE):
            raise PermissionDenied("your role may not decide shares", "当前角色无权审批")
        if principal.role is Role.APPROVER:
            department = principal.user.department.value if principal.user.department else None
            if body.department and body.department != department:
                raise PermissionDenied(f"you decide only the {department} share", f"您只能审批本部门（{department}）的份额")
        else:
            department = body.department
    if not department:
        raise ContractError("department is required", "请指定部门 department", field="department")
    amounts = None
    if body.amounts:
        try:
            amounts = {p: int(parse_yuan(v)) for p, v in body.amounts.items()}
        except (ValueError, ArithmeticError, MedaidError) as exc:
            raise ContractError(f"amounts: {exc}; give yuan like 1200.50", "金额格式错误，请填写如 1200.50",
                                field="amounts") from exc
    d = decide(case_id, department, body.action, actor=principal.user.username, reason=body.reason,
               amounts=amounts, url=request.app.state.url, today=today())
    return {"case_id": d.case_id, "department": d.department, "share_status": d.share_status.value,
            "case_status": d.case_status.value, "audit_seq": d.audit_seq}


@router.post("/cases/{case_id}/decisions", responses={404: {"model": Problem}, 409: {"model": Problem},
                                                      422: {"model": Problem}})
def post_decision(request: Request, case_id: ObjectId, body: DecisionIn,
                  idempotency_key: str | None = Header(None, max_length=128),
                  principal: Principal = Depends(authorize(Permission.CASES_READ))) -> JSONResponse:
    """Approve / return (reason) / deny (reason) the caller's department share, or (clerk) resubmit.
    Send an ``Idempotency-Key``: a retry returns the first decision instead of a state conflict."""
    return idempotent(request, principal, idempotency_key, {"case": case_id, **body.model_dump()},
                      lambda: (200, apply_decision(request, principal, case_id, body)))
