"""``medaid synth``: write a synthetic county (data contract v1 + truth/) for demos, tests and benchmarks."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console
from medaid.synth import generate_county


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


_STEP_ZH = {
    "people": "人口与家庭 / people", "rosters": "救助名单 / rosters", "enrolment": "参保 / enrolment",
    "departments": "部门数据 / department files", "claims": "结算单 / claims", "tables": "成表 / tables",
    "faults": "注入错误 / faults", "write": "写文件 / writing", "truth": "真值 / truth", "done": "完成 / done",
}


@app.command("synth")
def synth(
    out: Path = typer.Option(..., "--out", help="输出目录 / output directory (created if missing)"),
    people: int = typer.Option(500_000, "--people", min=10, help="人数 / number of residents"),
    year: int = typer.Option(2026, "--year", min=1950, max=2100, help="医疗年度 / medical year"),
    seed: int = typer.Option(7, "--seed", help="随机种子：同一种子输出逐字节相同 / same seed → identical files"),
    fmt: Format = typer.Option(Format.csv, "--format", help="csv 或 xlsx / csv or xlsx"),
    fault_rate: float = typer.Option(0.02, "--fault-rate", min=0.0, max=0.5, help="每个文件的错误行比例 / share of faulty rows per file"),
) -> None:
    """合成一个县的数据（数据契约 v1 + truth/ 真值）/ Synthesise a county in data contract v1 with ground truth."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("合成 / synthesising", total=1)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=_STEP_ZH.get(step, step), completed=done, total=total)

        summary = generate_county(out, people=people, year=year, seed=seed, fmt=fmt.value,
                                  fault_rate=fault_rate, progress=progress)
    table = Table(title=f"合成县 / synthetic county → {summary.out}")
    table.add_column("文件 / file")
    table.add_column("行数 / rows", justify="right")
    for kind, rows in summary.files.items():
        table.add_row(f"{kind}.{summary.fmt}", f"{rows:,}")
    for name, rows in summary.truth.items():
        table.add_row(f"truth/{name}.csv", f"{rows:,}", style="dim")
    console.print(table)
    console.print(f"用时 / took {summary.seconds:.1f} s")
