"""Payout batch pages: list and create batches, a batch's lines and states, run it as a background
job (the job page shows live progress), download the bank file, import the bank's result file.
The work is done by the same functions as the JSON API (``medaid.api.v1.payouts``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.api.v1.payouts import (
    MAX_RESULT_BYTES,
    BatchIn,
    BatchKey,
    bank_file,
    create,
    import_results,
    start_run,
)
from medaid.cases import inbox
from medaid.errors import ContractError
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)

i18n.register({
    "nav.payouts": ("支付批次", "Payouts"),
    "payouts.title": ("支付批次", "Payout batches"),
    "payouts.create": ("新建批次", "New batch"),
    "payouts.key": ("批次号", "Batch key"),
    "payouts.program": ("资金项目", "Program"),
    "payouts.year": ("年度", "Year"),
    "payouts.lines": ("明细数", "Lines"),
    "payouts.total": ("金额（元）", "Total (yuan)"),
    "payouts.states": ("明细状态", "Line states"),
    "payouts.status": ("批次状态", "Status"),
    "payouts.created": ("创建", "Created"),
    "payouts.none": ("还没有支付批次。", "No payout batches yet."),
    "payouts.run": ("发放（后台任务）", "Run (background job)"),
    "payouts.export": ("下载银行代发文件（身份证号脱敏）", "Download bank file (masked ID numbers)"),
    "payouts.export_full": ("下载含完整身份证号的银行文件", "Download bank file with full ID numbers"),
    "payouts.reveal_reason": ("原因（必填，将记入审计日志）", "Reason (required, audit-logged)"),
    "payouts.import": ("导入银行回盘文件", "Import bank result file"),
    "payouts.import_hint": ("CSV：line_key,result,bank_ref,reason；result 为 paid 或 failed。重复导入不会重复记账。",
                            "CSV: line_key,result,bank_ref,reason; result is paid or failed. Re-importing changes nothing."),
    "payouts.import_result": ("导入结果", "Import result"),
    "payouts.paid": ("已支付", "Paid"),
    "payouts.failed": ("失败", "Failed"),
    "payouts.unchanged": ("未变化", "Unchanged"),
    "payouts.problems": ("问题行", "Problem rows"),
    "payouts.line": ("明细号", "Line"),
    "payouts.case": ("案件", "Case"),
    "payouts.name": ("姓名", "Name"),
    "payouts.amount": ("金额（元）", "Amount (yuan)"),
    "payouts.state": ("状态", "State"),
    "payouts.reason": ("原因", "Reason"),
    "payouts.bank_ref": ("银行流水", "Bank ref"),
    "payouts.state.queued": ("待发放", "Queued"),
    "payouts.state.issued": ("已出账", "Issued"),
    "payouts.state.paid": ("已到账", "Paid"),
    "payouts.state.failed": ("失败", "Failed"),
})


def _page(request: Request, principal: Principal, report: dict[str, object] | None = None,
          status_code: int = 200) -> Response:
    with engine_of(request).connect() as conn:
        batches = inbox.list_batches(conn)
    return render(request, "payouts/list.html", {
        "batches": batches, "report": report, "year": dt.date.today().year,
        "can_write": principal.can(Permission.PAYOUTS_WRITE)}, status_code=status_code)


@router.get("/payouts")
def payouts_page(request: Request, principal: Principal = Depends(authorize(Permission.PAYOUTS_READ))) -> Response:
    return _page(request, principal)


@router.post("/payouts")
def create_form(request: Request, batch_key: Annotated[str, Form(max_length=64)],
                program: Annotated[str, Form(max_length=64)], year: Annotated[int, Form(ge=2000, le=2100)],
                principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    try:
        body = BatchIn(batch_key=batch_key.strip(), program=program.strip(), year=year)
    except ValidationError as exc:
        raise ContractError("batch key: letters, digits, . _ - (max 64); program: lower-case id",
                            "批次号只能含字母、数字、. _ -（最长 64）；资金项目为小写编号", field="batch_key") from exc
    create(request, principal, body)
    return RedirectResponse(f"/payouts/{body.batch_key}", status_code=303)


@router.post("/payouts/results")
def results_form(request: Request, file: UploadFile = File(...),
                 principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    data = file.file.read(MAX_RESULT_BYTES + 1)
    report = import_results(request, principal, data, Path(file.filename or "result.csv").name)
    return _page(request, principal, report)


@router.get("/payouts/{batch_key}")
def batch_page(request: Request, batch_key: BatchKey,
               principal: Principal = Depends(authorize(Permission.PAYOUTS_READ))) -> Response:
    with engine_of(request).connect() as conn:
        batch = inbox.batch_detail(conn, batch_key)
    return render(request, "payouts/detail.html", {"batch": batch,
                                                   "can_write": principal.can(Permission.PAYOUTS_WRITE),
                                                   "can_reveal": principal.can(Permission.ID_REVEAL)})


@router.post("/payouts/{batch_key}/run")
def run_form(request: Request, batch_key: BatchKey,
             principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    _, body = start_run(request, principal, batch_key)
    return RedirectResponse(f"/jobs/{body['job_id']}", status_code=303)


@router.get("/payouts/{batch_key}/bank-file")
def bank_file_page(request: Request, batch_key: BatchKey,
                   principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    return bank_file(request, principal, batch_key)


@router.post("/payouts/{batch_key}/bank-file/reveal")
def bank_file_reveal(request: Request, batch_key: BatchKey, reason: Annotated[str, Form(max_length=200)] = "",
                     principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    """Full ID numbers for the bank, on a typed reason (checked and audit-logged in ``bank_file``)."""
    return bank_file(request, principal, batch_key, reason=reason)
