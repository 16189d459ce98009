"""Loads: list, detail (with the first rejects), upload a contract file as a background job."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from medaid.api import idempotency, readmodels
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId, Offset
from medaid.api.roles import Permission
from medaid.api.uploads import discard_upload, save_upload
from medaid.api.v1.schemas import JobCreated, Load, LoadDetail, Problem, Reject
from medaid.jobs.tasks import load_job

router = APIRouter(tags=["loads"], responses={401: {"model": Problem}, 403: {"model": Problem}})


@router.get("/loads", response_model=list[Load])
def list_loads(request: Request, limit: int = Query(50, ge=1, le=500), offset: Offset = 0,
               principal: Principal = Depends(authorize(Permission.LOADS_READ))) -> list[Load]:
    with engine_of(request).connect() as conn:
        return readmodels.list_loads(conn, limit=limit, offset=offset)


@router.get("/loads/{load_id}", response_model=LoadDetail, responses={404: {"model": Problem}})
def get_load(request: Request, load_id: ObjectId,
             principal: Principal = Depends(authorize(Permission.LOADS_READ))) -> LoadDetail:
    with engine_of(request).connect() as conn:
        row = readmodels.get_load(conn, load_id)
        rejects = [Reject(**r) for r in readmodels.load_rejects(conn, load_id)]
    return LoadDetail(**row.model_dump(), rejects=rejects)


@router.post("/loads", status_code=202, response_model=JobCreated,
             responses={409: {"model": Problem}, 422: {"model": Problem}})
def upload(request: Request, file: UploadFile = File(...),
           idempotency_key: str | None = Header(None, max_length=128),
           principal: Principal = Depends(authorize(Permission.LOADS_WRITE))) -> JSONResponse:
    """Upload one contract file (persons.csv, claims.xlsx, …); it is loaded by a background job.
    Send an ``Idempotency-Key`` header so that a retried upload does not load the file twice."""
    engine, user = engine_of(request), principal.user
    path = save_upload(file, request.app.state.data_dir)
    digest = hashlib.sha256(path.name.encode() + b"\0" + path.read_bytes()).hexdigest()
    submitted: list[int] = []

    def submit() -> tuple[int, dict[str, Any]]:
        job_id = request.app.state.jobs.submit(
            "load", user.username, {"file": file.filename, "path": str(path)},
            load_job(path, url=request.app.state.url, actor=user.username, delete_after=True))
        submitted.append(job_id)
        return 202, JobCreated(job_id=job_id, status_url=f"/api/v1/jobs/{job_id}").model_dump()

    try:
        status, body = idempotency.run_once(engine, user.id, idempotency_key, digest, submit)
    finally:
        if not submitted:  # a replay or a conflict: the job that owns the file is the first one
            discard_upload(path)
    return JSONResponse(body, status_code=status)
