"""``medaid reconcile``: run a round, write the bureau list and township lists, read feedback back."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console
from medaid.reconcile import export_problems, import_feedback, problem_history, run_round, write_worklists
from medaid.reconcile.problems import Problem
from medaid.settings import get_settings
from medaid.store.db import migrate

reconcile_app = typer.Typer(help="参保核查 / enrolment reconciliation rounds", invoke_without_command=True)
app.add_typer(reconcile_app, name="reconcile")

_KIND_ZH = {"new": "新发现", "still_open": "仍未解决", "fixed": "已整改", "regressed": "再次出现"}


def _url() -> str:
    url = get_settings().resolved_database_url()
    migrate(url)
    return url


@reconcile_app.callback()
def round_command(
    ctx: typer.Context,
    year: int | None = typer.Option(None, "--year", help="核查年度 / the medical year, e.g. 2026"),
    out: Path | None = typer.Option(None, "--out", help="问题清单 / problem list (.csv or .xlsx)"),
    worklists: Path | None = typer.Option(None, "--worklists", help="乡镇工作清单目录 / folder for township lists"),
    masked: bool = typer.Option(False, "--masked", help="清单中身份证号脱敏 / mask ID numbers in --out"),
    actor: str = typer.Option("cli", help="操作人 / who runs the round (audit log)"),
) -> None:
    """运行一轮核查 / run a reconciliation round: roster × register × deaths × enrolment × claims."""
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        raise typer.BadParameter("请给出 --year / give --year, e.g. --year 2026", param_hint="--year")
    url = _url()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("核查 / reconciling", total=4)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"核查 / {stage}", completed=done, total=total)

        summary = run_round(year, url=url, actor=actor, progress=progress)
    table = Table(title=f"第 {summary.round_id} 轮核查 / round {summary.round_id} ({year})")
    table.add_column("问题 problem")
    table.add_column("说明")
    table.add_column("人数 people", justify="right")
    for code in Problem:
        table.add_row(code.value, code.zh, f"{summary.by_problem.get(code.value, 0):,}")
    console.print(table)
    moves = ", ".join(f"{_KIND_ZH[k]} {k} {summary.transitions.get(k, 0):,}" for k in _KIND_ZH)
    console.print(f"与上一轮比较 / compared with round {summary.previous_round_id or '—'}: {moves}")
    if out is not None:
        n = export_problems(out, year, url=url, masked=masked, actor=actor)
        console.print(f"问题清单 / problem list: {out} ({n:,} rows)")
    if worklists is not None:
        files = write_worklists(worklists, year, url=url)
        console.print(f"乡镇工作清单 / township lists: {len(files)} files in {worklists}")


@reconcile_app.command("import-feedback")
def feedback_command(
    files: list[Path] = typer.Argument(..., help="返回的乡镇工作清单 / returned township lists (.xlsx)"),
    year: int = typer.Option(..., "--year", help="核查年度 / the year of the lists"),
    actor: str = typer.Option("cli", help="导入人 / who imports (audit log)"),
) -> None:
    """导入乡镇反馈 / read township feedback: validate every row, then close or reopen problems."""
    report = import_feedback(files, year, url=_url(), actor=actor)
    console.print(f"文件 files {report.files}, 行 rows {report.rows}: 办结 closed {report.closed}, "
                  f"重新打开 reopened {report.reopened}, 备注 noted {report.noted}, 未填 blank {report.blank}")


@reconcile_app.command("history")
def history_command(problem_id: int = typer.Argument(..., help="问题编号 / problem number")) -> None:
    """问题全过程 / the whole history of one problem, round by round, who did what."""
    table = Table("时间 at", "轮次 round", "操作人 actor", "事件 kind", "说明 note")
    for e in problem_history(problem_id, url=_url()):
        table.add_row(str(e["at"]), str(e["round_id"] or ""), str(e["actor"]), str(e["kind"]), str(e["note"] or ""))
    console.print(table)


@reconcile_app.command("score")
def score_command(
    truth: Path = typer.Option(..., "--truth", help="合成县 truth/ 目录 / the synthetic county's truth folder"),
    round_id: int = typer.Option(..., "--round", help="轮次 / round number"),
) -> None:
    """与合成县真值比较 / compare a round with truth/expected_problems.csv (recall, precision)."""
    from medaid.reconcile.score import score_round

    s = score_round(truth, round_id, url=_url())
    console.print(f"expected {s.expected}, found {s.found}, matched {s.matched}: "
                  f"recall {s.recall:.4f}, precision {s.precision:.4f}")
