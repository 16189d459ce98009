"""``medaid load DIR`` and ``medaid rejects --out F``: load department files, export their problems."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console
from medaid.ingest.rejects import export_rejects
from medaid.ingest.service import load_path
from medaid.settings import get_settings
from medaid.store.db import migrate

_STATUS_ZH = {"loaded": "已导入", "failed": "失败", "duplicate": "重复文件", "superseded": "已被替代"}


@app.command("load")
def load_command(
    path: Path = typer.Argument(..., help="A contract file or a directory of them (persons.csv, claims.xlsx, …)"),
    actor: str = typer.Option("cli", help="Who is loading, for the audit log"),
    cases: bool = typer.Option(True, "--cases/--no-cases",
                               help="open 免申即享 cases for loaded claims in the same run (default on)"),
) -> None:
    """导入部门数据 / load department files (data contract v1) into the database.

    When claims are loaded, cases open for every person-claim that a program would pay, in the same
    run (免申即享); ``--no-cases`` leaves that to ``medaid cases open``."""
    url = get_settings().resolved_database_url()
    migrate(url)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"导入 / loading {stage}", total=total or 1)
            bar.update(tasks[stage], completed=done, total=total or 1)

        report = load_path(path, url=url, actor=actor, progress=progress)

    table = Table(title="导入结果 / load report")
    for header in ("批次 load", "文件 file", "状态 status", "读取 read", "接受 accepted", "拒绝 rejected", "说明 message"):
        table.add_column(header, overflow="fold")
    for f in report.files:
        style = "red" if f.status == "failed" else ("yellow" if f.rows_rejected else "")
        table.add_row(str(f.load_id or ""), f.file_name, f"{_STATUS_ZH.get(f.status, f.status)} {f.status}",
                      f"{f.rows_read:,}", f"{f.rows_accepted:,}", f"{f.rows_rejected:,}", f.message, style=style)
    console.print(table)
    if not report.files:
        console.print(f"[yellow]{path} 中没有约定的数据文件 / no contract files found in {path}[/yellow]")
    if any(f.rows_rejected for f in report.files):
        console.print("问题数据可用 `medaid rejects --out rejects.xlsx` 导出 / export rejected rows with "
                      "`medaid rejects --out rejects.xlsx`")
    claim_loads = [f.load_id for f in report.files if f.kind == "claims" and f.status == "loaded" and f.load_id]
    if cases and claim_loads:
        from medaid.cases.service import open_cases_after_load

        for s in open_cases_after_load(claim_loads, url=url, actor=actor):
            console.print(f"免申即享 {s.year}: 新开案件 opened {s.opened:,}，已有 already open {s.already_open:,}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("rejects")
def rejects_command(
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx (Chinese headers) or .csv"),
    load_id: int | None = typer.Option(None, "--load-id", help="Only this load (see `medaid load` output)"),
) -> None:
    """导出问题数据 / export rejected rows with file, row number, field and reason."""
    count = export_rejects(out, url=get_settings().resolved_database_url(), load_id=load_id)
    console.print(f"已导出 {count} 条问题数据 / exported {count} rejected rows → {out}")
