"""Background jobs: list, a job page that polls its own status fragment with htmx until done."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/jobs")
def jobs_page(request: Request, principal: Principal = Depends(authorize(Permission.JOBS_READ))) -> Response:
    with engine_of(request).connect() as conn:
        return render(request, "jobs.html", {"jobs": request.app.state.jobs.list(conn)})


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: ObjectId,
             principal: Principal = Depends(authorize(Permission.JOBS_READ))) -> Response:
    with engine_of(request).connect() as conn:
        return render(request, "job.html", {"job": request.app.state.jobs.get(conn, job_id)})


@router.get("/jobs/{job_id}/status")
def job_status(request: Request, job_id: ObjectId,
               principal: Principal = Depends(authorize(Permission.JOBS_READ))) -> Response:
    """The htmx fragment; once the job is finished it stops asking to be polled."""
    with engine_of(request).connect() as conn:
        return render(request, "partials/job_status.html", {"job": request.app.state.jobs.get(conn, job_id)})
