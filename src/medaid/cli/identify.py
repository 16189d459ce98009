"""``medaid identify …``: identification list, model training, warnings, management tasks, due lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console
from medaid.identify.alerts import WARNING_STATES, list_warnings, raise_warnings, set_warning_state
from medaid.identify.manage import plan_tasks
from medaid.identify.service import identify_year, train_from_truth, write_table
from medaid.identify.tasks import KIND_LABELS, advance, due_tasks, funnel
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate

identify_app = typer.Typer(help="精准识别、预警、动态管理 / identification, early warning, dynamic management",
                           invoke_without_command=True)
app.add_typer(identify_app, name="identify")

COLOUR_STYLE = {"red": "[red]红[/red]", "yellow": "[yellow]黄[/yellow]", "blue": "[blue]蓝[/blue]"}


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("识别 / identify", total=1)

        def step(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        yield step
        bar.update(task, completed=bar.tasks[0].total)


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


@identify_app.callback()
def identify_cmd(
    ctx: typer.Context,
    year: int | None = typer.Option(None, help="评估年度 / assessment year"),
    out: Path | None = typer.Option(None, help="输出 CSV 或 XLSX / output file (default DATA_DIR/exports/identify-YEAR.csv)"),
    thresholds: Path | None = typer.Option(None, help="识别阈值 YAML / threshold file (default: dated file)"),
    rules_only: bool = typer.Option(False, "--rules-only", help="不用模型 / ignore the trained model"),
) -> None:
    """Assess every household: rules and model, tier, score, reasons; counts households no roster has."""
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        raise typer.BadParameter("需要 --year / --year is required", param_hint="--year")
    out = out or get_settings().data_dir / "exports" / f"identify-{year}.csv"
    with _progress() as step:
        s = identify_year(year, out=out, thresholds_path=thresholds, use_model=not rules_only, progress=step)
    console.print(f"户数 households {s.households:,} · 列出 flagged {s.flagged:,} "
                  f"(high {s.by_tier['high']:,}, medium {s.by_tier['medium']:,}, low {s.by_tier['low']:,}) · "
                  f"判定困难 in need {s.in_need:,} · 待入户核实 to verify {s.to_verify:,}")
    console.print(f"依据 basis: {'模型 model ' + s.model_id if s.model_id else '仅规则 rules only'}; "
                  f"自付来源 OOP from {s.oop_source}")
    zh, en = s.message()
    console.print(f"[bold green]{zh} / {en}[/bold green]")
    console.print(f"→ {out}")


@identify_app.command("train")
def train_cmd(
    year: int = typer.Option(..., help="训练年度 / year whose data is loaded"),
    truth: Path = typer.Option(..., help="truth/households.csv 或其目录 / ground-truth file or folder"),
    seed: int = typer.Option(7, help="划分随机种子 / split seed"),
) -> None:
    """Train the LightGBM need model on a held-out split and compare it with the rules-only baseline."""
    with _progress() as step:
        r = train_from_truth(year, truth, seed=seed, progress=step)
    table = Table("", "precision 精确率", "recall 召回率", "F1", "AUC", title=f"held-out 留出集 n={r.test_rows:,}")
    for name, m in (("model 模型", r.model_metrics), ("rules 规则", r.rules_metrics)):
        table.add_row(name, f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}",
                      "-" if m.auc is None else f"{m.auc:.3f}")
    screened = r.screening.screened
    table.add_row("model + 待入户核实 to verify", f"{screened.precision:.3f}", f"{screened.recall:.3f}",
                  f"{screened.f1:.3f}", "-")
    console.print(table)
    t = r.targets
    points = r.operating_points()
    console.print(f"确认线 confirm ≥ {r.model.threshold:.3f} (目标精确率 target precision {t.confirm_precision:.2f}); "
                  f"筛查线 screen ≥ {r.model.screen_threshold:.3f} (目标召回率 target recall {t.screen_recall:.2f}); "
                  f"留出集待入户核实 {r.screening.to_verify:,} 户 to visit for {r.screening.in_need:,} in need")
    console.print("留出集最佳 best on held-out: " + ", ".join(f"{k} {v:.3f}" for k, v in points.items()))
    console.print(f"模型已保存 saved model {r.model.model_id} (trained on {r.train_rows:,} households)")


@identify_app.command("warnings")
def warnings_cmd(
    year: int = typer.Option(..., help="年度 / year"),
    as_of: str | None = typer.Option(None, help="预警日期 YYYY-MM-DD / date the warnings are raised (default today)"),
    colour: str | None = typer.Option(None, help="red | yellow | blue"),
    township: str | None = typer.Option(None, help="乡镇代码 / township code"),
    state: str | None = typer.Option(None, help="open | verified | closed (default: all)"),
    out: Path | None = typer.Option(None, help="导出 / export CSV or XLSX"),
    limit: int = typer.Option(30, help="屏幕显示条数 / rows shown"),
) -> None:
    """Raise new warnings for the year (idempotent) and list them: colour, owner, deadline, overdue."""
    if state is not None and state not in WARNING_STATES:
        raise typer.BadParameter(f"状态应为 {' | '.join(WARNING_STATES)} / state must be one of these", param_hint="--state")
    day = _as_of(as_of)
    s = raise_warnings(year, as_of=day)
    console.print(f"新预警 new warnings {s.raised:,} {s.by_colour} · 24小时入户 home visits opened {s.home_visits:,}")
    with engine_for(None).connect() as conn:
        rows = list_warnings(conn, year=year, as_of=day, colour=colour, township=township, state=state)
    _show_warnings(rows, limit)
    if out:
        df = pd.DataFrame([{"household_id": r["household_id"], "township_code": r["township_code"],
                            "village": r["village"], "rule": r["rule"], "tier": r["tier"], "colour": r["colour"],
                            "owner_level": r["owner_level"], "raised_on": r["raised_on"], "due_on": r["due_on"],
                            "state": r["state"], "overdue": r["overdue"],
                            "detail": json.loads(str(r["detail"]))["detail"]} for r in rows])
        write_table(df, out, headers=["户编号", "乡镇", "村", "规则", "等级", "颜色", "责任层级", "预警日期",
                                      "期限", "状态", "逾期", "说明"])
        console.print(f"→ {out}")


def _show_warnings(rows: list[dict[str, object]], limit: int) -> None:
    table = Table("颜色", "户 household", "乡镇 township", "规则 rule", "责任 owner", "期限 due", "状态 state", "逾期")
    for r in rows[:limit]:
        detail = json.loads(str(r["detail"]))
        table.add_row(COLOUR_STYLE.get(str(r["colour"]), str(r["colour"])), str(r["household_id"]),
                      str(r["township_code"]), detail["detail"], str(r["owner_level"]), str(r["due_on"]),
                      str(r["state"]), "[red]逾期[/red]" if r["overdue"] else "")
    console.print(table)
    console.print(f"共 {len(rows):,} 条 / {len(rows):,} warnings")


@identify_app.command("manage")
def manage_cmd(
    year: int = typer.Option(..., help="年度 / year"),
    as_of: str | None = typer.Option(None, help="日期 YYYY-MM-DD (default today)"),
) -> None:
    """Open the year's management tasks: reviews, tracking, spot checks, exits, green channel,
    notices, publicity, follow-ups, chronic-disease screening (idempotent)."""
    s = plan_tasks(year, as_of=_as_of(as_of))
    table = Table("事项 kind", "新开 opened")
    for kind, n in sorted(s.opened.items()):
        table.add_row(f"{KIND_LABELS.get(kind, kind)} {kind}", f"{n:,}")
    console.print(table)


@identify_app.command("due")
def due_cmd(
    as_of: str | None = typer.Option(None, help="日期 YYYY-MM-DD (default today)"),
    kind: str | None = typer.Option(None, help="review, exit, screening, …"),
    township: str | None = typer.Option(None, help="乡镇代码 / township code"),
    overdue: bool = typer.Option(False, "--overdue", help="只看逾期 / overdue only"),
    days: int = typer.Option(30, help="未来多少天内到期 / due within this many days"),
    out: Path | None = typer.Option(None, help="导出 / export CSV or XLSX"),
    limit: int = typer.Option(30, help="屏幕显示条数 / rows shown"),
) -> None:
    """Open tasks due soon (or overdue), with deadline and overdue flag — a township's work list."""
    day = _as_of(as_of)
    migrate(None)
    with engine_for(None).connect() as conn:
        rows = due_tasks(conn, as_of=day, kind=kind, township=township, overdue_only=overdue,
                         horizon=day + timedelta(days=days))
    table = Table("id", "事项 kind", "户 household", "乡镇 township", "状态 state", "期限 due", "逾期")
    for r in rows[:limit]:
        table.add_row(str(r["id"]), KIND_LABELS.get(r["kind"], r["kind"]), str(r["household_id"] or ""),
                      str(r["township_code"] or ""), r["state"], str(r["due_on"]),
                      "[red]逾期[/red]" if r["overdue"] else "")
    console.print(table)
    n_over = sum(1 for r in rows if r["overdue"])
    console.print(f"共 {len(rows):,} 项，其中逾期 {n_over:,} / {len(rows):,} tasks, {n_over:,} overdue")
    if out:
        df = pd.DataFrame([{"id": r["id"], "kind": r["kind"], "household_id": r["household_id"],
                            "id_number": mask_token(r["id_token"]), "township_code": r["township_code"],
                            "state": r["state"], "opened_on": r["opened_on"], "due_on": r["due_on"],
                            "overdue": r["overdue"]} for r in rows])
        write_table(df, out, headers=["编号", "事项", "户编号", "人员", "乡镇", "状态", "开始", "期限", "逾期"])
        console.print(f"→ {out}")


def mask_token(tok: str | None) -> str:
    """Tasks hold tokens, not ID numbers; show a short token prefix so lists stay anonymous."""
    return "" if not tok else f"token:{tok[:8]}"


@identify_app.command("advance")
def advance_cmd(
    task_id: int = typer.Argument(..., help="事项编号 / task id"),
    state: str = typer.Argument(..., help="新状态 / new state, e.g. applied, reviewed, certified, done"),
    note: str = typer.Option("", help="说明 / note"),
    actor: str = typer.Option("cli", help="经办人 / who"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD (default today)"),
) -> None:
    """Move one task along its workflow (e.g. screening found → applied → reviewed → certified)."""
    with engine_for(None).begin() as conn:
        advance(conn, task_id, state, actor=actor, on=_as_of(on), note=note)
    console.print(f"事项 {task_id} → {state}")


@identify_app.command("warning")
def warning_cmd(
    warning_id: int = typer.Argument(..., help="预警编号 / warning id"),
    state: str = typer.Argument(..., help="verified（已核实）| closed（已办结）"),
    note: str = typer.Option("", help="说明 / note"),
    actor: str = typer.Option("cli", help="经办人 / who"),
    on: str | None = typer.Option(None, help="日期 YYYY-MM-DD (default today)"),
) -> None:
    """Verify or close one warning: open → verified → closed, or open → closed."""
    with engine_for(None).begin() as conn:
        set_warning_state(conn, warning_id, state, actor=actor, on=_as_of(on), note=note)
    console.print(f"预警 {warning_id} → {state}")


@identify_app.command("funnel")
def funnel_cmd() -> None:
    """Chronic-disease screening funnel (seed 002: 4,046 → 503 → 407): found → applied → reviewed → certified."""
    migrate(None)
    with engine_for(None).connect() as conn:
        f = funnel(conn)
    table = Table("阶段 stage", "人数 people", "转化 of previous")
    prev = None
    for stage, label in (("found", "筛查发现"), ("applied", "申请"), ("reviewed", "专家评审通过"),
                         ("certified", "发证"), ("rejected", "未通过")):
        n = f.get(stage, 0)
        rate = "" if prev in (None, 0) or stage == "rejected" else f"{n / prev:.1%}"
        table.add_row(f"{label} {stage}", f"{n:,}", rate)
        if stage != "rejected":
            prev = n
    console.print(table)



