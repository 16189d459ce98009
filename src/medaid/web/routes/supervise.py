"""Supervision pages (智慧监管, read-only): the 12 indicators, monthly funnel and fund balances as
ECharts charts, and one table per check (受而不办, 缓办, 少救漏救, 人情救助, 重复救助), each
exportable as CSV or XLSX. Rows come from ``medaid.supervise`` through ``medaid.api.v1.reports``."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.api.v1.cases import plain
from medaid.api.v1.reports import view_rows
from medaid.audit.log import append_event
from medaid.supervise import views
from medaid.supervise.export import write_rows
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)
VIEWS = ("untouched", "overdue", "shortfall", "favouritism", "duplicates", "funds", "funnel", "indicators")

i18n.register({
    "nav.supervise": ("智慧监管", "Supervision"),
    "supervise.title": ("智慧监管", "Supervision"),
    "supervise.year": ("年度", "Year"),
    "supervise.indicators": ("12 项核心指标", "The 12 core indicators"),
    "supervise.funnel": ("月度漏斗：拉取 → 符合 → 办结", "Monthly funnel: pulled → eligible → completed"),
    "supervise.funds": ("基金结余", "Fund balances"),
    "supervise.untouched": ("受而不办", "Untouched"),
    "supervise.overdue": ("缓办", "Overdue"),
    "supervise.shortfall": ("少救漏救", "Short or missed"),
    "supervise.favouritism": ("人情救助", "Favouritism"),
    "supervise.duplicates": ("重复救助", "Duplicates"),
    "supervise.export_csv": ("导出 CSV", "Export CSV"),
    "supervise.export_xlsx": ("导出 Excel", "Export XLSX"),
    "supervise.rows": ("行", "rows"),
    "supervise.none": ("没有发现问题。", "Nothing found."),
    "supervise.value": ("数值", "Value"),
    "supervise.indicator": ("指标", "Indicator"),
    "supervise.target": ("目标", "Target"),
    "supervise.pulled": ("拉取", "Pulled"),
    "supervise.eligible": ("符合", "Eligible"),
    "supervise.completed": ("办结", "Completed"),
    "supervise.budget": ("预算", "Budget"),
    "supervise.issued": ("已出账", "Issued"),
    "supervise.paid": ("已到账", "Paid"),
    "supervise.balance": ("结余", "Balance"),
    "supervise.reference": ("参考（新津）", "Reference (Xinjin)"),
})


def _year(year: int | None) -> int:
    return year or dt.date.today().year


def funnel_chart(rows: list[dict[str, Any]], lang: str) -> str:
    """ECharts option (JSON) for the monthly funnel: three bar series per month."""
    names = [i18n.translate(f"supervise.{k}", lang) for k in ("pulled", "eligible", "completed")]
    return json.dumps({
        "tooltip": {"trigger": "axis"}, "legend": {"data": names, "top": 0}, "grid": {"left": 50, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [r["month"] for r in rows]}, "yAxis": {"type": "value"},
        "series": [{"type": "bar", "name": n, "data": [r[k] for r in rows]}
                   for n, k in zip(names, ("pulled", "eligible", "completed"), strict=True)]}, ensure_ascii=False)


def funds_chart(rows: list[dict[str, Any]], lang: str) -> str:
    """ECharts option (JSON) for fund balances: issued, paid and balance per program (yuan)."""
    keys = ("issued_yuan", "paid_yuan", "balance_yuan")
    names = [i18n.translate(f"supervise.{k.split('_')[0]}", lang) for k in keys]
    return json.dumps({
        "tooltip": {"trigger": "axis"}, "legend": {"data": names, "top": 0}, "grid": {"left": 80, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [r["program"] for r in rows]}, "yAxis": {"type": "value"},
        "series": [{"type": "bar", "name": n, "data": [float(r[k] or 0) for r in rows]}  # display only
                   for n, k in zip(names, keys, strict=True)]}, ensure_ascii=False)


@router.get("/supervise")
def overview(request: Request, year: int | None = Query(None, ge=2000, le=2100),
             principal: Principal = Depends(authorize(Permission.SUPERVISE_READ))) -> Response:
    y, lang = _year(year), request.cookies.get("lang", "zh")
    today = dt.date.today()
    with engine_of(request).connect() as conn:
        ind = view_rows(conn, "indicators", year=y, today=today)
        funnel = views.funnel(conn, year=y)
        funds = views.fund_balance(conn, year=y)
        counts = {v: len(view_rows(conn, v, year=y, today=today))
                  for v in ("untouched", "overdue", "shortfall", "favouritism", "duplicates")}
    return render(request, "supervise/overview.html", {
        "year": y, "indicators": ind, "funnel": funnel, "funds": plain(funds), "counts": counts,
        "reference": views.SEED_003_FUNNEL, "funnel_chart": funnel_chart(funnel, lang),
        "funds_chart": funds_chart(funds, lang)})


@router.get("/supervise/{view}")
def view_page(request: Request, view: Literal["untouched", "overdue", "shortfall", "favouritism", "duplicates",
                                              "funds", "funnel", "indicators"],
              year: int | None = Query(None, ge=2000, le=2100), format: Literal["html", "csv", "xlsx"] = "html",
              principal: Principal = Depends(authorize(Permission.SUPERVISE_READ))) -> Response:
    """One check as a table; ``?format=csv|xlsx`` downloads every row (the export is audit-logged)."""
    y = _year(year)
    with engine_of(request).connect() as conn:
        rows = view_rows(conn, view, year=y, today=dt.date.today())
    if format == "html":
        return render(request, "supervise/view.html", {"view": view, "year": y, "rows": plain(rows),
                                                       "columns": list(rows[0]) if rows else []})
    with engine_of(request).begin() as conn:
        append_event(conn, actor=principal.user.username, action="supervise.export", subject=f"view:{view}",
                     detail={"year": y, "rows": len(rows), "format": format})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{view}-{y}.{format}"
        write_rows(rows, out)
        data = out.read_bytes()
    media = "text/csv; charset=utf-8" if format == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{out.name}"'})
