"""Reconciliation rounds and problems (参保核查) as JSON, and the queries the pages share.

Township staff see only their township's problems (a problem of another township is a logged 404);
running a round is a background job (``medaid.jobs``) that calls ``medaid.reconcile.run_round``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import ObjectId, Offset
from medaid.api.roles import Permission, Role
from medaid.api.v1.schemas import Problem as ProblemModel
from medaid.errors import NotFound
from medaid.jobs.runner import JobFn, Progress
from medaid.reconcile.problems import Problem
from medaid.store.reconcile_tables import recon_problem, recon_problem_event, recon_round

router = APIRouter(tags=["reconcile"], responses={401: {"model": ProblemModel}, 403: {"model": ProblemModel},
                                                  404: {"model": ProblemModel}, 422: {"model": ProblemModel}})
YearQ = Query(None, ge=2000, le=2100, description="medical year (default: the newest round's year)")
TRANSITIONS = ("new", "still_open", "fixed", "regressed")


# ---- queries shared with the pages -------------------------------------------------------------

def latest_year(conn: Connection) -> int | None:
    value = conn.execute(select(func.max(recon_round.c.year))).scalar()
    return int(value) if value is not None else None


def rounds(conn: Connection, year: int | None = None) -> list[dict[str, Any]]:
    """Rounds newest first with their stored summary (by problem code, by transition)."""
    q = select(recon_round).order_by(recon_round.c.id.desc())
    if year is not None:
        q = q.where(recon_round.c.year == year)
    out = []
    for r in conn.execute(q).mappings():
        summary = json.loads(r["summary"] or "{}")
        transitions = {k: int(summary.get("transitions", {}).get(k, 0)) for k in TRANSITIONS}
        out.append({"id": r["id"], "year": r["year"], "started_at": r["started_at"], "finished_at": r["finished_at"],
                    "actor": r["actor"], "previous_round_id": r["previous_round_id"],
                    "by_problem": summary.get("by_problem", {}), "transitions": transitions})
    return out


def problems(conn: Connection, year: int, *, township: str | None = None, status: str | None = "open",
             problem: str | None = None, limit: int = 500, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of problems of ``year``; masked ID numbers only."""
    rp = recon_problem
    where = [rp.c.year == year]
    if township:
        where.append(rp.c.township_code == township)
    if status:
        where.append(rp.c.status == status)
    if problem:
        where.append(rp.c.problem == problem)
    total = int(conn.execute(select(func.count()).select_from(rp).where(*where)).scalar_one())
    cols = [rp.c.id, rp.c.year, rp.c.id_token, rp.c.id_masked, rp.c.name, rp.c.township_code, rp.c.problem,
            rp.c.status, rp.c.detail, rp.c.action, rp.c.first_round_id, rp.c.last_round_id]
    rows = conn.execute(select(*cols).where(*where).order_by(rp.c.township_code, rp.c.problem, rp.c.name, rp.c.id)
                        .limit(limit).offset(offset)).mappings()
    return total, [dict(r) | {"problem_zh": Problem(str(r["problem"])).zh} for r in rows]


def chart(conn: Connection, year: int, township: str | None = None) -> dict[str, Any]:
    """Open problems by township and code, shaped for an ECharts stacked bar."""
    rp = recon_problem
    q = (select(rp.c.township_code, rp.c.problem, func.count()).where(rp.c.year == year, rp.c.status == "open")
         .group_by(rp.c.township_code, rp.c.problem))
    if township:
        q = q.where(rp.c.township_code == township)
    counts = {(str(tw or ""), str(p)): int(n) for tw, p, n in conn.execute(q)}
    towns = sorted({tw for tw, _ in counts})
    codes = [p for p in Problem if any(c == p.value for _, c in counts)]
    return {"townships": towns,
            "series": [{"code": p.value, "name": p.zh, "data": [counts.get((tw, p.value), 0) for tw in towns]}
                       for p in codes]}


def by_township(conn: Connection, year: int) -> list[dict[str, Any]]:
    """Open/closed/fixed counts per township (the index of work lists)."""
    rp = recon_problem
    out: dict[str, dict[str, Any]] = {}
    for tw, status, n in conn.execute(select(rp.c.township_code, rp.c.status, func.count())
                                      .where(rp.c.year == year).group_by(rp.c.township_code, rp.c.status)):
        row = out.setdefault(str(tw or ""), {"township_code": str(tw or ""), "open": 0, "closed": 0, "fixed": 0})
        row[str(status)] = row.get(str(status), 0) + int(n)
    return [out[k] for k in sorted(out)]


def problem(conn: Connection, problem_id: int) -> dict[str, Any]:
    row = conn.execute(select(recon_problem).where(recon_problem.c.id == problem_id)).mappings().first()
    if row is None:
        raise NotFound(f"problem {problem_id} not found", f"未找到问题 {problem_id}")
    return dict(row) | {"problem_zh": Problem(str(row["problem"])).zh}


def problem_events(conn: Connection, problem_id: int) -> list[dict[str, Any]]:
    ev = recon_problem_event
    return [dict(r) for r in conn.execute(select(ev).where(ev.c.problem_id == problem_id)
                                          .order_by(ev.c.id)).mappings()]


def township_of_problem(row: dict[str, Any]) -> str:
    """The township a problem belongs to ("-" when unknown: then only county staff see it)."""
    return str(row.get("township_code") or "-")


def round_job(year: int, *, url: str, actor: str) -> JobFn:
    """A reconciliation round as a background job (live stages from ``run_round``)."""

    def run(progress: Progress) -> dict[str, Any]:
        from medaid.reconcile import run_round

        summary = run_round(year, url=url, actor=actor, progress=progress)
        return {"round_id": summary.round_id, "year": year, "open_problems": summary.open_problems,
                "by_problem": summary.by_problem, "transitions": summary.transitions}

    return run


def scope_township(principal: Principal) -> str | None:
    """The township a caller is confined to (None = all)."""
    return principal.user.township_code if principal.role is Role.TOWNSHIP else None


# ---- JSON endpoints ----------------------------------------------------------------------------

class RoundOut(BaseModel):
    id: int
    year: int
    started_at: str
    finished_at: str | None
    actor: str
    previous_round_id: int | None
    by_problem: dict[str, int]
    transitions: dict[str, int]


class ProblemOut(BaseModel):
    id: int
    year: int
    id_masked: str | None
    name: str | None
    township_code: str | None
    problem: str
    problem_zh: str
    status: str
    detail: str | None
    action: str | None
    first_round_id: int | None = None
    last_round_id: int | None = None


class ProblemPage(BaseModel):
    year: int
    total: int
    limit: int
    offset: int
    items: list[ProblemOut]


class ProblemEvent(BaseModel):
    at: str
    actor: str
    kind: str
    round_id: int | None
    note: str | None


class ProblemDetail(ProblemOut):
    events: list[ProblemEvent]


class RoundRequest(BaseModel):
    year: int = Field(ge=2000, le=2100)


@router.get("/reconcile/rounds", response_model=list[RoundOut])
def list_rounds(request: Request, year: int | None = YearQ,
                principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> list[RoundOut]:
    with engine_of(request).connect() as conn:
        return [RoundOut(**r) for r in rounds(conn, year)]


@router.post("/reconcile/rounds", status_code=202)
def start_round(request: Request, body: RoundRequest,
                principal: Principal = Depends(authorize(Permission.RECONCILE_WRITE))) -> JSONResponse:
    """Start a round as a background job; township staff may not (a round covers the county)."""
    if principal.role is Role.TOWNSHIP:
        from medaid.errors import PermissionDenied

        raise PermissionDenied("township staff cannot run a county round", "乡镇经办不能发起全县核查")
    job_id = request.app.state.jobs.submit("reconcile", principal.user.username, {"year": body.year},
                                           round_job(body.year, url=request.app.state.url,
                                                     actor=principal.user.username))
    return JSONResponse({"job_id": job_id, "status_url": f"/api/v1/jobs/{job_id}"}, status_code=202)


@router.get("/reconcile/problems", response_model=ProblemPage)
def list_problems(request: Request, year: int | None = YearQ,
                  township: str | None = Query(None, pattern=r"^\d{9}$"),
                  status: str | None = Query("open", pattern="^(open|closed|fixed)$"),
                  problem_code: str | None = Query(None, alias="problem", pattern="^[a-z_]{3,32}$"),
                  limit: int = Query(100, ge=1, le=1000), offset: Offset = 0,
                  principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> ProblemPage:
    if township:
        ensure_township(request, principal, township)
    township = township or scope_township(principal)
    with engine_of(request).connect() as conn:
        year = year or latest_year(conn)
        if year is None:
            raise NotFound("no reconciliation round yet", "尚未进行参保核查")
        total, rows = problems(conn, year, township=township, status=status, problem=problem_code,
                               limit=limit, offset=offset)
    return ProblemPage(year=year, total=total, limit=limit, offset=offset, items=[ProblemOut(**r) for r in rows])


@router.get("/reconcile/problems/{problem_id}", response_model=ProblemDetail)
def get_problem(request: Request, problem_id: ObjectId,
                principal: Principal = Depends(authorize(Permission.RECONCILE_READ))) -> ProblemDetail:
    with engine_of(request).connect() as conn:
        row = problem(conn, problem_id)
        events = problem_events(conn, problem_id)
    if scope_township(principal) is not None:
        ensure_township(request, principal, township_of_problem(row))
    return ProblemDetail(**row, events=[ProblemEvent(**e) for e in events])
