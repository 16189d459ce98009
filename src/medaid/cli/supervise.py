"""``medaid supervise …``: read-only supervision listings and exports (智慧监管)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import Connection

from medaid.cli.app import app, console
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate
from medaid.supervise import views
from medaid.supervise.export import write_rows
from medaid.supervise.indicators import indicators

sup_app = typer.Typer(help="智慧监管（只读）/ supervision views, read-only", no_args_is_help=True)
app.add_typer(sup_app, name="supervise")

OUT = typer.Option(None, "--out", help="Also export to .csv or .xlsx")
YEAR = typer.Option(..., "--year")


def _show(title: str, rows: list[dict[str, Any]], out: Path | None, limit: int = 50) -> None:
    table = Table(title=f"{title} — {len(rows)} rows")
    for col in rows[0] if rows else ["(none / 无)"]:
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        table.add_row(*("" if v is None else str(v) for v in r.values()))
    console.print(table)
    if out is not None:
        write_rows(rows, out)
        console.print(f"→ {out}")


def _run(fn: Callable[[Connection], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    url = get_settings().resolved_database_url()
    migrate(url)
    with engine_for(url).connect() as conn:
        return fn(conn)


@sup_app.command("untouched")
def untouched_cmd(year: int = YEAR, days: int = typer.Option(5, help="idle working days"), out: Path | None = OUT) -> None:
    """受而不办 / cases waiting on a department with no action for more than N working days."""
    _show("受而不办 untouched", _run(lambda c: views.untouched(c, today=dt.date.today(), idle_workdays=days,
                                                               year=year)), out)


@sup_app.command("overdue")
def overdue_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """缓办 / cases past the 20-working-day deadline (open, or paid late)."""
    _show("缓办 overdue", _run(lambda c: views.overdue(c, today=dt.date.today(), year=year)), out)


@sup_app.command("shortfall")
def shortfall_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """少救漏救 / eligible but unpaid past due, paid less than the plan, or denied."""
    _show("少救漏救 shortfall", _run(lambda c: views.shortfall(c, today=dt.date.today(), year=year)), out)


@sup_app.command("favouritism")
def favouritism_cmd(year: int = YEAR, min_overrides: int = typer.Option(3), out: Path | None = OUT) -> None:
    """人情救助 / paid without a valid category; overrides clustering on an approver, village or family."""
    _show("人情救助 favouritism", _run(lambda c: views.favouritism(c, year=year, min_overrides=min_overrides)), out)


@sup_app.command("duplicates")
def duplicates_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """重复救助 / the same cost paid twice across programs or claim records."""
    _show("重复救助 duplicates", _run(lambda c: views.duplicates(c, year=year)), out)


@sup_app.command("funds")
def funds_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """基金结余 / fund balance per program."""
    _show("基金结余 fund balance", _run(lambda c: views.fund_balance(c, year=year)), out)


@sup_app.command("funnel")
def funnel_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """月度漏斗 / per month: pulled → eligible → completed (seed 003: 17,089 → 12,963 → 5,397)."""
    _show("漏斗 funnel", _run(lambda c: views.funnel(c, year=year)), out)
    ref = views.SEED_003_FUNNEL
    console.print(f"参考（新津）/ seed 003: {ref['pulled']:,} → {ref['eligible']:,} → {ref['completed']:,}")


@sup_app.command("indicators")
def indicators_cmd(year: int = YEAR, out: Path | None = OUT) -> None:
    """12项核心指标 / the 12 core performance indicators (seed 001)."""
    rows = _run(lambda c: [i.__dict__ for i in indicators(c, year=year, today=dt.date.today())])
    _show("核心指标 indicators", rows, out)
