"""Background jobs: list and poll."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.v1.schemas import Job, Problem
from medaid.jobs import JobView

router = APIRouter(tags=["jobs"], responses={401: {"model": Problem}, 403: {"model": Problem}})


def _job(view: JobView) -> Job:
    return Job(id=view.id, kind=view.kind, status=view.status, actor=view.actor, stage=view.stage, done=view.done,
               total=view.total, percent=view.percent, result=view.result, error=view.error)


@router.get("/jobs", response_model=list[Job])
def jobs(request: Request, principal: Principal = Depends(authorize(Permission.JOBS_READ))) -> list[Job]:
    with engine_of(request).connect() as conn:
        return [_job(v) for v in request.app.state.jobs.list(conn)]


@router.get("/jobs/{job_id}", response_model=Job, responses={404: {"model": Problem}})
def job(request: Request, job_id: ObjectId, principal: Principal = Depends(authorize(Permission.JOBS_READ))) -> Job:
    with engine_of(request).connect() as conn:
        return _job(request.app.state.jobs.get(conn, job_id))
