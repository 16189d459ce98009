"""Policy pages: the shipped policy files, one policy's layers, and the what-if (政策调整测算)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from medaid.api.deps import Principal, authorize
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.v1.policy import MAX_YAML, find_policy, list_policies, policy_view, start_whatif, whatif_view
from medaid.domain.money import format_yuan
from medaid.errors import PolicyError
from medaid.web import i18n
from medaid.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

i18n.register({
    "nav.policy": ("政策与测算", "Policies & what-if"),
    "policy.title": ("政策文件", "Policy files"),
    "policy.file": ("文件", "File"),
    "policy.name": ("名称", "Name"),
    "policy.region": ("地区", "Region"),
    "policy.valid": ("有效期", "Valid"),
    "policy.layers": ("保障层次", "Layers"),
    "policy.invalid": ("校验未通过", "Does not validate"),
    "policy.layer": ("层次", "Layer"),
    "policy.department": ("责任部门", "Department"),
    "policy.base": ("计算基数", "Base"),
    "policy.eligible": ("适用对象", "Eligible"),
    "policy.schedule": ("方案", "Schedule"),
    "policy.visit_types": ("就诊类型", "Visit types"),
    "policy.locations": ("就医地", "Locations"),
    "policy.deductible_per": ("起付线计算", "Deductible per"),
    "policy.deductible": ("起付线(元)", "Deductible (yuan)"),
    "policy.bands": ("报销比例分段", "Ratio bands"),
    "policy.cap": ("年度封顶(元)", "Annual cap (yuan)"),
    "policy.tilts": ("倾斜政策", "Tilts"),
    "policy.whatif": ("政策调整测算", "What-if"),
    "policy.whatif_help": ("修改下方 YAML 或上传修改后的政策文件，用今年已导入的结算单分别按现行政策和调整后政策测算（仅汇总数据）。",
                           "Edit the YAML below or upload a modified file; this year's loaded claims are settled "
                           "under the current and the modified policy (aggregates only)."),
    "policy.year": ("测算年度", "Year"),
    "policy.upload": ("或上传文件", "or upload a file"),
    "policy.run": ("开始测算", "Run what-if"),
    "policy.problems": ("政策文件有以下错误，请逐一修改：", "The policy file has these problems; fix each:"),
    "policy.result": ("测算结果", "Result"),
    "policy.old": ("现行政策(元)", "Current (yuan)"),
    "policy.new": ("调整后(元)", "Modified (yuan)"),
    "policy.delta": ("变化(元)", "Change (yuan)"),
    "policy.total": ("合计", "Total"),
    "policy.people": ("涉及人数", "People with claims"),
    "policy.gainers": ("增加人数", "Gain"),
    "policy.losers": ("减少人数", "Lose"),
    "policy.unchanged": ("不变人数", "Unchanged"),
    "policy.biggest_gains": ("个人增加最多(元)", "Largest gains (yuan)"),
    "policy.biggest_losses": ("个人减少最多(元)", "Largest losses (yuan)"),
    "policy.histogram": ("个人变化分布(元)", "Change per person (yuan)"),
    "policy.claims": ("结算单数", "Claims"),
})


@router.get("/policies")
def policies_page(request: Request, principal: Principal = Depends(authorize(Permission.POLICY_READ))) -> Response:
    return render(request, "policy/list.html", {"policies": list_policies()})


def _detail(request: Request, principal: Principal, name: str, *, text: str | None = None,
            problems: list[str] | None = None, year: int | None = None, status_code: int = 200) -> Response:
    path, policy = find_policy(name)
    return render(request, "policy/detail.html", {
        "p": policy_view(path, policy), "yaml_text": text if text is not None else path.read_text(encoding="utf-8"),
        "problems": problems or [], "year": year or dt.date.today().year,
        "can_simulate": principal.can(Permission.POLICY_SIMULATE)}, status_code=status_code)


@router.get("/policies/{name}")
def policy_page(request: Request, name: str,
                principal: Principal = Depends(authorize(Permission.POLICY_READ))) -> Response:
    return _detail(request, principal, name)


@router.post("/policies/{name}/whatif")
async def whatif_submit(request: Request, name: str, yaml_text: str = Form("", max_length=MAX_YAML),
                        year: int = Form(..., ge=2000, le=2100), file: UploadFile | None = File(None),
                        principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> Response:
    text = yaml_text
    if file is not None and file.filename:
        raw = await file.read(MAX_YAML + 1)
        text = raw.decode("utf-8", errors="replace")
    try:
        job_id = start_whatif(request, principal, name, text, year)
    except PolicyError as exc:
        return _detail(request, principal, name, text=text, problems=exc.problems or [exc.en], year=year,
                       status_code=422)
    return RedirectResponse(f"/policies/whatif/{job_id}", status_code=303)


def _chart(result: dict[str, Any], lang: str) -> str:
    """ECharts option: per layer, current vs modified payout (yuan)."""
    zh = lang == "zh"
    names = [x["name"] if zh else x["layer"] for x in result["layers"]]
    series = [{"name": "现行" if zh else "current", "type": "bar", "data": [x["old_fen"] / 100 for x in result["layers"]]},
              {"name": "调整后" if zh else "modified", "type": "bar",
               "data": [x["new_fen"] / 100 for x in result["layers"]]}]
    option = {"tooltip": {"trigger": "axis"}, "legend": {}, "xAxis": {"type": "category", "data": names},
              "yAxis": {"type": "value"}, "series": series}
    return json.dumps(option, ensure_ascii=False)


def _hist_chart(result: dict[str, Any]) -> str:
    option = {"tooltip": {}, "xAxis": {"type": "category", "data": [h[0] for h in result["histogram"]]},
              "yAxis": {"type": "value"}, "series": [{"type": "bar", "data": [h[1] for h in result["histogram"]]}]}
    return json.dumps(option, ensure_ascii=False)


def _whatif_context(request: Request, job_id: int) -> dict[str, Any]:
    job = whatif_view(request, job_id)
    ctx: dict[str, Any] = {"job": job, "yuan": format_yuan}
    if job.result:
        ctx["chart"] = _chart(job.result, lang_of(request))  # floats only for drawing bars, never for money
        ctx["hist_chart"] = _hist_chart(job.result)
    return ctx


@router.get("/policies/whatif/{job_id}")
def whatif_page(request: Request, job_id: ObjectId,
                principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> Response:
    return render(request, "policy/whatif.html", _whatif_context(request, job_id))


@router.get("/policies/whatif/{job_id}/status")
def whatif_status(request: Request, job_id: ObjectId,
                  principal: Principal = Depends(authorize(Permission.POLICY_SIMULATE))) -> Response:
    return render(request, "policy/whatif_status.html", _whatif_context(request, job_id))
