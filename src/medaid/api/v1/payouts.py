"""Payout batches per program fund: create, run (background job with progress), bank file export
(masked, or with full ID numbers on a typed reason), bank result import, lines and their states. Every write is idempotent twice over: the services are
(batch key, line key, live-line index) and the endpoints honour ``Idempotency-Key``."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.api.v1.cases import idempotent, plain
from medaid.api.v1.schemas import Problem
from medaid.audit.log import reveal_reason
from medaid.cases import inbox
from medaid.cases.payout import create_batch, export_bank_file, import_bank_result, run_batch
from medaid.domain.money import to_yuan
from medaid.errors import ContractError, PermissionDenied
from medaid.jobs.runner import JobFn, Progress

router = APIRouter(tags=["payouts"], responses={401: {"model": Problem}, 403: {"model": Problem}})
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
BatchKey = Annotated[str, PathParam(pattern=KEY_PATTERN, description="batch key, e.g. 2026-03-assistance-01")]
MAX_RESULT_BYTES = 20 * 1024 * 1024


def run_batch_job(batch_key: str, *, url: str, actor: str) -> JobFn:
    """The job body: issue the batch's queued lines, reporting progress per line."""

    def run(progress: Progress) -> dict[str, Any]:
        report = run_batch(batch_key, actor=actor, url=url, progress=progress)
        return {"batch_key": report.batch_key, "issued": report.issued, "skipped": report.skipped,
                "held": report.held, "remaining": report.remaining}

    return run


class BatchIn(BaseModel):
    batch_key: str = Field(..., pattern=KEY_PATTERN)
    program: str = Field(..., min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    year: int = Field(..., ge=2000, le=2100)


@router.get("/payouts/batches")
def list_batches(request: Request, principal: Principal = Depends(authorize(Permission.PAYOUTS_READ))
                 ) -> list[dict[str, Any]]:
    with engine_of(request).connect() as conn:
        return list(plain(inbox.list_batches(conn)))


@router.get("/payouts/batches/{batch_key}", responses={404: {"model": Problem}})
def get_batch(request: Request, batch_key: BatchKey,
              principal: Principal = Depends(authorize(Permission.PAYOUTS_READ))) -> dict[str, Any]:
    """One batch with every line and its state (queued → issued → paid | failed)."""
    with engine_of(request).connect() as conn:
        return dict(plain(inbox.batch_detail(conn, batch_key)))


def create(request: Request, principal: Principal, body: BatchIn) -> tuple[int, dict[str, Any]]:
    r = create_batch(body.batch_key, program=body.program, year=body.year, actor=principal.user.username,
                     url=request.app.state.url)
    return (201 if r.created else 200), plain({"batch_key": r.batch_key, "created": r.created, "lines": r.lines,
                                               "total_yuan": to_yuan(r.total_fen)})


@router.post("/payouts/batches", status_code=201, responses={409: {"model": Problem}, 422: {"model": Problem}})
def post_batch(request: Request, body: BatchIn, idempotency_key: str | None = Header(None, max_length=128),
               principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> JSONResponse:
    """Create and fill a batch with every approved, unpaid (case, program) line of the fund. The
    batch key is itself idempotent (same key → same batch; 200 instead of 201)."""
    return idempotent(request, principal, idempotency_key, body.model_dump(),
                      lambda: create(request, principal, body))


def start_run(request: Request, principal: Principal, batch_key: str) -> tuple[int, dict[str, Any]]:
    with engine_of(request).connect() as conn:
        inbox.batch_detail(conn, batch_key)  # 404 before a job is queued
    job_id = request.app.state.jobs.submit(
        "payout.run", principal.user.username, {"batch_key": batch_key},
        run_batch_job(batch_key, url=request.app.state.url, actor=principal.user.username))
    return 202, {"job_id": job_id, "status_url": f"/api/v1/jobs/{job_id}", "batch_key": batch_key}


@router.post("/payouts/batches/{batch_key}/run", status_code=202,
             responses={404: {"model": Problem}, 409: {"model": Problem}})
def post_run(request: Request, batch_key: BatchKey, idempotency_key: str | None = Header(None, max_length=128),
             principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> JSONResponse:
    """Issue the batch's queued lines in a background job. With an ``Idempotency-Key`` a retry returns
    the first job; without one a second run is still safe (it only issues lines still queued)."""
    return idempotent(request, principal, idempotency_key, {"run": batch_key},
                      lambda: start_run(request, principal, batch_key))


def bank_file(request: Request, principal: Principal, batch_key: str, *, reason: str | None = None) -> Response:
    """The bank instruction CSV: masked ID numbers, or — with a typed ``reason`` and ``id:reveal`` —
    full ones (reveal on reason, like the person page: one ``sensitive_read`` event with the reason).
    Never idempotency-cached: a stored replay would keep full ID numbers in the database."""
    reveal = reason is not None
    if reveal:
        if not principal.can(Permission.ID_REVEAL):
            raise PermissionDenied(f"role {principal.role.value} may not reveal ID numbers (id:reveal)",
                                   "当前角色无权查看完整身份证号（id:reveal）")
        reason = reveal_reason(reason)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{batch_key}.csv"
        export_bank_file(batch_key, out, actor=principal.user.username, url=request.app.state.url,
                         reveal=reveal, reason=reason)
        data = out.read_bytes()
    name = f"{batch_key}.bank{'.full-id' if reveal else ''}.csv"
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/payouts/batches/{batch_key}/bank-file", responses={200: {"content": {"text/csv": {}}},
                                                                 404: {"model": Problem}})
def get_bank_file(request: Request, batch_key: BatchKey,
                  principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    return bank_file(request, principal, batch_key)


class RevealIn(BaseModel):
    reason: str = Field(..., max_length=200, description="why full ID numbers are needed; goes into the audit log")


@router.post("/payouts/batches/{batch_key}/bank-file/reveal",
             responses={200: {"content": {"text/csv": {}}}, 404: {"model": Problem}, 422: {"model": Problem}})
def post_bank_file_reveal(request: Request, batch_key: BatchKey, body: RevealIn,
                          principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> Response:
    """The bank file with full ID numbers (the bank needs them to pay). Needs ``payouts:write`` and
    ``id:reveal`` and a reason (≥ 2 characters), audit-logged as ``sensitive_read`` on ``batch:KEY``.
    POST so the reason never sits in a URL."""
    return bank_file(request, principal, batch_key, reason=body.reason)


def import_results(request: Request, principal: Principal, data: bytes, name: str) -> dict[str, Any]:
    """Apply a bank result file (``line_key,result,bank_ref,reason``); a re-sent file changes nothing."""
    if not data:
        raise ContractError(f"{name}: the file is empty", f"{name} 为空文件", file=name)
    if len(data) > MAX_RESULT_BYTES:
        raise ContractError(f"{name}: larger than 20 MB; split it", f"{name} 超过 20 MB，请拆分", file=name)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContractError(f"{name}: not UTF-8 ({exc}); save it as UTF-8 CSV", f"{name} 不是 UTF-8 编码，请另存为 UTF-8 CSV",
                            file=name) from exc
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        r = import_bank_result(path, actor=principal.user.username, url=request.app.state.url, today=dt.date.today())
    return {"file": name, "paid": r.paid, "failed": r.failed, "unchanged": r.unchanged, "problems": r.problems}


@router.post("/payouts/results", responses={409: {"model": Problem}, 422: {"model": Problem}})
def post_results(request: Request, file: UploadFile = File(...),
                 idempotency_key: str | None = Header(None, max_length=128),
                 principal: Principal = Depends(authorize(Permission.PAYOUTS_WRITE))) -> JSONResponse:
    """Import the bank's result file: paid lines confirm, failed lines refund the fund and re-queue."""
    data = file.file.read(MAX_RESULT_BYTES + 1)
    name = Path(file.filename or "result.csv").name
    return idempotent(request, principal, idempotency_key, {"file": hashlib.sha256(data).hexdigest()},
                      lambda: (200, import_results(request, principal, data, name)))
