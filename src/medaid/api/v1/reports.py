"""Reports: the 12 indicators, the monthly funnel and fund balances (aggregates, ``dashboard:read``),
and the supervision views that list cases (``supervise:read``, read-only). Rows come straight from
``medaid.supervise``; money is a string with two decimals."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.api.v1.cases import plain
from medaid.api.v1.schemas import Problem
from medaid.supervise import views
from medaid.supervise.indicators import indicators

router = APIRouter(tags=["reports"], responses={401: {"model": Problem}, 403: {"model": Problem}})
Year = Query(None, ge=2000, le=2100, description="medical year; default this year")
View = Literal["untouched", "overdue", "shortfall", "favouritism", "duplicates"]


def year_or_now(year: int | None) -> int:
    return year or dt.date.today().year


def view_rows(conn: Any, view: str, *, year: int, today: dt.date) -> list[dict[str, Any]]:
    """One supervision view by name (the page and the API share this)."""
    if view == "untouched":
        return views.untouched(conn, today=today, year=year)
    if view == "overdue":
        return views.overdue(conn, today=today, year=year)
    if view == "shortfall":
        return views.shortfall(conn, today=today, year=year)
    if view == "favouritism":
        return views.favouritism(conn, year=year)
    if view == "duplicates":
        return views.duplicates(conn, year=year)
    if view == "funds":
        return views.fund_balance(conn, year=year)
    if view == "funnel":
        return views.funnel(conn, year=year)
    if view == "indicators":
        return [asdict(i) for i in indicators(conn, year=year, today=today)]
    raise ValueError(view)


@router.get("/reports/indicators")
def get_indicators(request: Request, year: int | None = Year,
                   principal: Principal = Depends(authorize(Permission.DASHBOARD))) -> list[dict[str, Any]]:
    """The 12 core indicators (definitions and targets in docs/supervision.md)."""
    with engine_of(request).connect() as conn:
        return list(plain(view_rows(conn, "indicators", year=year_or_now(year), today=dt.date.today())))


@router.get("/reports/funnel")
def get_funnel(request: Request, year: int | None = Year,
               principal: Principal = Depends(authorize(Permission.DASHBOARD))) -> dict[str, Any]:
    """Per settle month: claims pulled → eligible (case opened) → completed (paid), with seed 003's figures."""
    with engine_of(request).connect() as conn:
        rows = views.funnel(conn, year=year_or_now(year))
    return {"months": plain(rows), "reference": views.SEED_003_FUNNEL}


@router.get("/reports/funds")
def get_funds(request: Request, year: int | None = Year,
              principal: Principal = Depends(authorize(Permission.DASHBOARD))) -> list[dict[str, Any]]:
    """Per program fund: budget, issued, confirmed paid, balance, use rate."""
    with engine_of(request).connect() as conn:
        return list(plain(views.fund_balance(conn, year=year_or_now(year))))


@router.get("/reports/supervision/{view}")
def get_view(request: Request, view: View, year: int | None = Year,
             principal: Principal = Depends(authorize(Permission.SUPERVISE_READ))) -> list[dict[str, Any]]:
    """受而不办 untouched · 缓办 overdue · 少救漏救 shortfall · 人情救助 favouritism · 重复救助 duplicates."""
    with engine_of(request).connect() as conn:
        return list(plain(view_rows(conn, view, year=year_or_now(year), today=dt.date.today())))
