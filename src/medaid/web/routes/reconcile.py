"""Reconciliation pages (参保核查): rounds, comparison, chart, per-township work lists, the
township XLSX download, feedback upload (validated row by row), one problem's history.

County staff run a round as a background job; township staff see and answer only their own list.
All logic is ``medaid.reconcile``; these handlers check scope and render.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import ObjectId
from medaid.api.roles import Permission, Role
from medaid.api.v1 import reconcile as rq
from medaid.audit.log import append_event, record_sensitive_read
from medaid.errors import ContractError, FeedbackRejected, PermissionDenied
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_FEEDBACK_BYTES = 20 * 1024 * 1024

i18n.register({
    "nav.reconcile": ("参保核查", "Reconciliation"),
    "recon.title": ("参保核查", "Enrolment reconciliation"),
    "recon.run": ("发起新一轮核查", "Run a new round"),
    "recon.run_go": ("开始核查（后台任务）", "Start (background job)"),
    "recon.rounds": ("核查轮次", "Rounds"),
    "recon.round": ("轮次", "Round"),
    "recon.compare": ("与上一轮比较", "Compared with the previous round"),
    "recon.new": ("新发现", "New"),
    "recon.still_open": ("仍未解决", "Still open"),
    "recon.fixed": ("已整改", "Fixed"),
    "recon.regressed": ("再次出现", "Regressed"),
    "recon.chart": ("各乡镇未解决问题（按类型）", "Open problems by township and type"),
    "recon.townships": ("乡镇工作清单", "Township work lists"),
    "recon.open": ("未解决", "Open"),
    "recon.closed": ("已反馈关闭", "Closed by feedback"),
    "recon.worklist": ("核查工作清单", "Work list"),
    "recon.download": ("下载本乡镇核查清单（Excel）", "Download the township list (Excel)"),
    "recon.upload": ("上传填写好的反馈表", "Upload the completed feedback file"),
    "recon.upload_go": ("上传并导入反馈", "Upload feedback"),
    "recon.upload_hint": ("请使用下载的清单填写“处理结果”（已处理/未处理/情况不属实）、反馈说明、经办人；任何一行有误则整份不导入。",
                          "Fill 处理结果 (已处理/未处理/情况不属实), notes and handler in the downloaded list; "
                          "if any row is wrong nothing is imported."),
    "recon.feedback_ok": ("反馈已导入", "Feedback imported"),
    "recon.feedback_bad": ("反馈表有错误，未导入任何内容，请逐行更正：", "The file has errors; nothing was imported. Fix each row:"),
    "recon.problem": ("问题", "Problem"),
    "recon.type": ("问题类型", "Type"),
    "recon.action": ("处理建议", "Action"),
    "recon.history": ("问题处理记录", "Problem history"),
    "recon.kind": ("事件", "Event"),
    "recon.note": ("说明", "Note"),
    "recon.none": ("暂无核查记录。", "No reconciliation round yet."),
    "recon.status_filter": ("状态", "Status"),
    "recon.person": ("查看此人", "Open person"),
    "recon.year": ("年度", "Year"),
})


def _year(request: Request, year: int | None) -> int | None:
    if year is not None:
        return year
    with engine_of(request).connect() as conn:
        return rq.latest_year(conn)


@router.get("/reconcile")
def reconcile_index(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                    principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> Response:
    if principal.role is Role.TOWNSHIP:
        return RedirectResponse(f"/reconcile/townships/{principal.user.township_code}", status_code=303)
    y = _year(request, year)
    with engine_of(request).connect() as conn:
        rounds = rq.rounds(conn, y) if y else []
        chart = rq.chart(conn, y) if y else {"townships": [], "series": []}
        towns = rq.by_township(conn, y) if y else []
    can_run = principal.can(Permission.RECONCILE_WRITE)  # township staff were redirected above
    return render(request, "reconcile/index.html", {
        "year": y, "rounds": rounds, "latest": rounds[0] if rounds else None, "towns": towns,
        "chart_json": json.dumps(chart, ensure_ascii=False), "can_run": can_run,
        "default_year": y or dt.date.today().year})


@router.post("/reconcile/rounds")
def start_round(request: Request, year: int = Form(..., ge=2000, le=2100),
                principal: Principal = Depends(authorize(Permission.RECONCILE_WRITE))) -> Response:
    if principal.role is Role.TOWNSHIP:
        raise PermissionDenied("township staff cannot run a county round", "乡镇经办不能发起全县核查")
    job_id = request.app.state.jobs.submit("reconcile", principal.user.username, {"year": year},
                                           rq.round_job(year, url=request.app.state.url, actor=principal.user.username))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/reconcile/townships/{township_code}")
def worklist(request: Request, township_code: str, year: int | None = Query(None, ge=2000, le=2100),
             status: str = Query("open", pattern="^(open|closed|fixed|all)$"),
             principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> Response:
    ensure_township(request, principal, township_code)
    y = _year(request, year)
    total, rows = 0, list[dict[str, Any]]()
    chart: dict[str, Any] = {"townships": [], "series": []}
    if y:
        with engine_of(request).begin() as conn:
            total, rows = rq.problems(conn, y, township=township_code, status=None if status == "all" else status,
                                      limit=2000)
            chart = rq.chart(conn, y, township_code)
            record_sensitive_read(conn, principal.user.username, f"township:{township_code}", "web: reconcile work list")
    return render(request, "reconcile/worklist.html", {
        "township": township_code, "year": y, "total": total, "rows": rows, "status": status,
        "chart_json": json.dumps(chart, ensure_ascii=False), "feedback": None, "errors": None,
        "can_write": principal.can(Permission.RECONCILE_WRITE)})


@router.get("/reconcile/townships/{township_code}/worklist.xlsx")
def worklist_xlsx(request: Request, township_code: str, year: int | None = Query(None, ge=2000, le=2100),
                  principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> Response:
    from medaid.reconcile import write_worklists

    ensure_township(request, principal, township_code)
    y = _year(request, year)
    if y is None:
        from medaid.errors import NotFound

        raise NotFound("no reconciliation round yet", "尚未进行参保核查")
    out_dir = Path(tempfile.mkdtemp(prefix="medaid-worklist-"))
    files = write_worklists(out_dir, y, url=request.app.state.url, township=township_code)
    path = files.get(township_code)
    if path is None:  # nothing open: still hand out an empty list with the headers
        path = out_dir / f"核查清单_{township_code}_{y}.xlsx"
        _empty_worklist(path)
    with engine_of(request).begin() as conn:
        append_event(conn, actor=principal.user.username, action="reconcile.worklist_export",
                     subject=f"township:{township_code}", detail={"year": y})
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, out_dir, True),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _empty_worklist(path: Path) -> None:
    import xlsxwriter

    from medaid.reconcile.worklists import HEADERS

    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("核查清单").write_row(0, 0, HEADERS)
    book.close()


@router.post("/reconcile/townships/{township_code}/feedback")
def upload_feedback(request: Request, township_code: str, year: int = Form(..., ge=2000, le=2100),
                    file: UploadFile = File(...),
                    principal: Principal = Depends(authorize(Permission.RECONCILE_WRITE))) -> Response:
    """Validate and import a returned list; township staff may only answer their own township."""
    from medaid.reconcile import import_feedback

    ensure_township(request, principal, township_code)
    name = Path(file.filename or "feedback.xlsx").name
    if not name.lower().endswith(".xlsx"):
        raise ContractError(f"{name}: upload the .xlsx work list", f"{name}：请上传 .xlsx 格式的核查清单",
                            file=name)
    tmp = Path(tempfile.mkdtemp(prefix="medaid-feedback-"))
    path = tmp / name
    try:
        size = 0
        with path.open("wb") as fh:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > MAX_FEEDBACK_BYTES:
                    raise ContractError(f"{name}: larger than 20 MB", f"{name}：文件超过 20 MB", file=name)
                fh.write(chunk)
        feedback, errors = None, None
        try:
            feedback = import_feedback([path], year, url=request.app.state.url, actor=principal.user.username,
                                       township=township_code)
        except FeedbackRejected as exc:
            errors = exc.problems
        except ContractError as exc:
            errors = [str(exc)]
        except Exception as exc:  # a corrupt workbook is the user's file, not our bug
            errors = [f"{name}: 无法读取该 Excel 文件 the file cannot be read as XLSX ({type(exc).__name__})"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with engine_of(request).connect() as conn:
        total, rows = rq.problems(conn, year, township=township_code, status="open", limit=2000)
        chart = rq.chart(conn, year, township_code)
    return render(request, "reconcile/worklist.html", {
        "township": township_code, "year": year, "total": total, "rows": rows, "status": "open",
        "chart_json": json.dumps(chart, ensure_ascii=False), "feedback": feedback, "errors": errors,
        "can_write": True}, status_code=422 if errors else 200)


@router.get("/reconcile/problems/{problem_id}")
def problem_page(request: Request, problem_id: ObjectId,
                 principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> Response:
    with engine_of(request).connect() as conn:
        row = rq.problem(conn, problem_id)
        events = rq.problem_events(conn, problem_id)
    ensure_township(request, principal, rq.township_of_problem(row))
    return render(request, "reconcile/problem.html", {"p": row, "events": events,
                                                      "can_person": principal.can(Permission.PEOPLE_READ)})
