"""Data loads: list, upload (→ background job), detail with rejects, rejects as XLSX."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.uploads import save_upload
from medaid.audit.log import append_event
from medaid.jobs.tasks import load_job
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/loads")
def loads_page(request: Request, principal: Principal = Depends(authorize(Permission.LOADS_READ))) -> Response:
    with engine_of(request).connect() as conn:
        loads = readmodels.list_loads(conn, limit=100)
    return render(request, "loads.html", {"loads": loads, "can_loads": True,
                                          "can_upload": principal.can(Permission.LOADS_WRITE)})


@router.post("/loads")
def upload(request: Request, file: UploadFile = File(...),
           principal: Principal = Depends(authorize(Permission.LOADS_WRITE))) -> Response:
    path = save_upload(file, request.app.state.data_dir)
    job_id = request.app.state.jobs.submit(
        "load", principal.user.username, {"file": file.filename, "path": str(path)},
        load_job(path, url=request.app.state.url, actor=principal.user.username, delete_after=True))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/loads/{load_id}")
def load_detail(request: Request, load_id: ObjectId,
                principal: Principal = Depends(authorize(Permission.LOADS_READ))) -> Response:
    with engine_of(request).connect() as conn:
        load = readmodels.get_load(conn, load_id)
        rejects = readmodels.load_rejects(conn, load_id)
    return render(request, "load_detail.html", {"load": load, "rejects": rejects})


@router.get("/loads/{load_id}/rejects.xlsx")
def rejects_xlsx(request: Request, load_id: ObjectId,
                 principal: Principal = Depends(authorize(Permission.LOADS_READ))) -> Response:
    from medaid.ingest.rejects import export_rejects

    with engine_of(request).connect() as conn:
        readmodels.get_load(conn, load_id)  # 404 before any work
    out = Path(tempfile.mkdtemp(prefix="medaid-rejects-")) / f"rejects-load-{load_id}.xlsx"
    rows = export_rejects(out, url=request.app.state.url, load_id=load_id)
    with engine_of(request).begin() as conn:
        append_event(conn, actor=principal.user.username, action="load.rejects_export", subject=f"load:{load_id}",
                     detail={"rows": rows})
    return FileResponse(out, filename=out.name, background=BackgroundTask(_cleanup, out),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _cleanup(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.parent.rmdir()
