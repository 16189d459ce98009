"""Policies (政策): list the shipped files, show a policy's layers, check a modified file, and run a
what-if (政策调整测算) of a modified file on this year's loaded claims as a background job.

What-if results are aggregates only (``medaid.policy.whatif``), so analysts may run them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.v1.schemas import Problem
from medaid.errors import ContractError, NotFound, PolicyError
from medaid.jobs.runner import JobFn, JobView, Progress
from medaid.policy.schema import Band, Policy, Schedule, Tilt, load_policy, parse_policy
from medaid.policy.whatif import policy_files, what_if
from medaid.settings import get_settings

router = APIRouter(tags=["policy"], responses={401: {"model": Problem}, 403: {"model": Problem}})
WHATIF_KIND = "whatif"
MAX_YAML = 200_000


def policies_dir() -> Path:
    return get_settings().policies_dir


def find_policy(name: str) -> tuple[Path, Policy]:
    """A shipped policy by file name (only names listed in the folder, so no path tricks)."""
    for path in policy_files(policies_dir()):
        if path.name == name or path.stem == name:
            return path, load_policy(path)
    raise NotFound(f"policy file {name} not found in {policies_dir().name}/", f"未找到政策文件 {name}")


def _money(v: Any) -> str:
    return "" if v is None else f"{v:,}"


def _bands(bands: list[Band]) -> str:
    return "; ".join(f"≤{_money(b.upto)}: {b.ratio:%}" if b.upto is not None else f"{b.ratio:%}" for b in bands)


def _tilt(t: Tilt) -> str:
    parts = [f"{t.id} [{', '.join(t.categories)}]"]
    for label, value in (("deductible", t.deductible), ("deductible×", t.deductible_factor), ("ratio", t.ratio),
                         ("+points", t.ratio_points), ("cap", t.cap)):
        if value is not None:
            parts.append(f"{label} {value}")
    if t.no_cap:
        parts.append("no cap")
    return " ".join(parts)


def _schedule_row(layer_id: str, s: Schedule) -> dict[str, Any]:
    terms = "; ".join(f"{'/'.join(t.locations)} L{','.join(map(str, t.levels))}: {_money(t.deductible)} @ {t.ratio:%}"
                      for t in s.terms)
    return {"schedule": f"{layer_id}.{s.id}", "visit_types": ", ".join(s.visit_types),
            "locations": ", ".join(s.locations), "deductible_per": s.deductible_per,
            "deductible": terms or _money(s.deductible), "bands": _bands(s.bands), "cap": _money(s.cap),
            "tilts": [_tilt(t) for t in s.tilts]}


def policy_view(path: Path, policy: Policy) -> dict[str, Any]:
    """The policy as rows a clerk reads: one per layer, its schedules nested."""
    return {"file": path.name, "id": policy.id, "name": policy.name, "region": policy.region,
            "valid_from": policy.valid_from.isoformat(),
            "valid_to": policy.valid_to.isoformat() if policy.valid_to else None,
            "description": policy.description, "source": policy.source,
            "layers": [{"id": layer.id, "name": layer.name, "department": layer.department,
                        "base": layer.base.value, "in_scope": layer.in_scope,
                        "eligible": layer.eligible if isinstance(layer.eligible, str) else ", ".join(layer.eligible),
                        "after": ", ".join(layer.after or []),
                        "schedules": [_schedule_row(layer.id, s) for s in layer.schedules]}
                       for layer in policy.layers]}


def list_policies() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in policy_files(policies_dir()):
        try:
            p = load_policy(path)
            out.append({"file": path.name, "id": p.id, "name": p.name, "region": p.region,
                        "valid_from": p.valid_from.isoformat(),
                        "valid_to": p.valid_to.isoformat() if p.valid_to else None, "layers": len(p.layers),
                        "problems": []})
        except PolicyError as exc:
            out.append({"file": path.name, "id": None, "name": None, "region": None, "valid_from": None,
                        "valid_to": None, "layers": 0, "problems": exc.problems})
    return out


def check_yaml(text: str, *, file: str = "modified.yaml") -> tuple[Policy | None, list[str]]:
    """Validate an edited policy; every problem is listed (YAML errors too), nothing raised."""
    if len(text) > MAX_YAML:
        return None, [f"{file}: larger than {MAX_YAML} characters"]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [f"{file}: not valid YAML: {exc}"]
    try:
        return parse_policy(data, file=file), []
    except PolicyError as exc:
        return None, exc.problems or [exc.en]


def whatif_job(url: str, year: int, old: Policy, new: Policy) -> JobFn:
    def run(progress: Progress) -> dict[str, Any]:
        from medaid.store.db import engine_for

        return what_if(engine_for(url), year, old, new, progress=progress).as_json()

    return run


def start_whatif(request: Request, principal: Principal, base: str, text: str, year: int) -> int:
    """Validate, then submit the what-if job; ``PolicyError`` (422) lists every problem."""
    _, old = find_policy(base)
    new, problems = check_yaml(text)
    if new is None:
        raise PolicyError(f"the modified policy has {len(problems)} problems: " + " | ".join(problems[:20]),
                          f"调整后的政策有 {len(problems)} 处错误：" + " | ".join(problems[:20]), problems=problems)
    runner = request.app.state.jobs
    job_id: int = runner.submit(WHATIF_KIND, principal.user.username,
                                {"base": base, "new_policy": new.id, "year": year},
                                whatif_job(request.app.state.url, year, old, new))
    return job_id


def whatif_view(request: Request, job_id: int) -> JobView:
    with engine_of(request).connect() as conn:
        view: JobView = request.app.state.jobs.get(conn, job_id)
    if view.kind != WHATIF_KIND:
        raise NotFound(f"what-if {job_id} not found", f"未找到测算 {job_id}")
    return view


class PolicyCheckIn(BaseModel):
    yaml: str = Field(max_length=MAX_YAML, description="the policy file's text")


class PolicyCheckOut(BaseModel):
    valid: bool
    policy_id: str | None
    problems: list[str]


class WhatIfIn(BaseModel):
    base: str = Field(min_length=1, max_length=128, description="file name of the current policy in policies/")
    yaml: str = Field(min_length=1, max_length=MAX_YAML, description="the modified policy's text")
    year: int = Field(default_factory=lambda: dt.date.today().year, ge=2000, le=2100)


@router.get("/policies")
def get_policies(principal: Principal = Depends(authorize(Permission.POLICY_READ))) -> list[dict[str, Any]]:
    """Policy files shipped in ``policies/`` (a file that does not validate is listed with its problems)."""
    return list_policies()


@router.get("/policies/{name}", responses={404: {"model": Problem}})
def get_policy(name: str, principal: Principal = Depends(authorize(Permission.POLICY_READ))) -> dict[str, Any]:
    """One policy's layers, schedules, deductibles, bands, caps, tilts and owner departments."""
    return policy_view(*find_policy(name))


@router.post("/policies/check", response_model=PolicyCheckOut)
def check_policy(body: PolicyCheckIn,
                 principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> PolicyCheckOut:
    """Validate an edited policy file; ``problems`` lists every one (empty when valid)."""
    policy, problems = check_yaml(body.yaml)
    return PolicyCheckOut(valid=policy is not None, policy_id=policy.id if policy else None, problems=problems)


@router.post("/policies/whatif", status_code=202, responses={404: {"model": Problem}, 422: {"model": Problem}})
def post_whatif(request: Request, body: WhatIfIn,
                principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> JSONResponse:
    """Start a what-if of ``yaml`` against ``base`` on the year's loaded claims (background job)."""
    try:
        job_id = start_whatif(request, principal, body.base, body.yaml, body.year)
    except PolicyError as exc:
        raise ContractError(exc.en, exc.zh, field="yaml") from None
    return JSONResponse({"job_id": job_id, "status_url": f"/api/v1/policies/whatif/{job_id}"}, status_code=202)


@router.get("/policies/whatif/{job_id}", responses={404: {"model": Problem}})
def get_whatif(request: Request, job_id: ObjectId,
               principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> dict[str, Any]:
    """Status and, when done, the comparison (aggregates only)."""
    v = whatif_view(request, job_id)
    return {"job_id": v.id, "status": v.status, "stage": v.stage, "done": v.done, "total": v.total,
            "error": v.error, "result": v.result}
