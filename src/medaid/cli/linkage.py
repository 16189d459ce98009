"""``medaid link``: resolve identities into ``person_link`` and work the clerical review queue."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console
from medaid.linkage import decide, pending, resolve
from medaid.linkage.model import LOWER, UPPER
from medaid.settings import get_settings
from medaid.store.db import migrate

link_app = typer.Typer(help="人员身份归并 / identity resolution (exact ID, then Splink, then review)")
app.add_typer(link_app, name="link")


def _url() -> str:
    url = get_settings().resolved_database_url()
    migrate(url)
    return url


@link_app.command("run")
def run_command(
    upper: float = typer.Option(UPPER, help="≥ 自动接受 / accept at or above"),
    lower: float = typer.Option(LOWER, help="< 拒绝；之间人工复核 / reject below; review between"),
    actor: str = typer.Option("cli", help="操作人 / who runs it (audit log)"),
) -> None:
    """归并所有来源记录 / link every source row of the store to one person."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("归并 / linking", total=3)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"归并 / {stage}", completed=done, total=total)

        summary = resolve(_url(), upper=upper, lower=lower, actor=actor, progress=progress)
    table = Table("项目 item", "数量 count", title=f"归并批次 / link run {summary.run_id}")
    for k, v in summary.stats.items():
        table.add_row(k, f"{v:,}")
    console.print(table)


@link_app.command("review")
def review_command(limit: int = typer.Option(20, "-n", help="条数 / how many")) -> None:
    """待复核的疑似同一人 / pairs waiting for a clerk's decision."""
    table = Table("编号 id", "概率 p", "左 left", "右 right")
    for r in pending(url=_url(), limit=limit):
        ev = json.loads(str(r["evidence"]))
        show = [" ".join(str(v) for v in (s["source"], s["name"], s["birth_date"], s["township_code"]) if v)
                for s in (ev["left"], ev["right"])]
        table.add_row(str(r["id"]), f"{float(r['match_probability']):.3f}", *show)
    console.print(table)


@link_app.command("decide")
def decide_command(
    review_id: int = typer.Argument(..., help="复核编号 / review id"),
    accept: bool = typer.Option(..., "--accept/--reject", help="同一人 / same person, or not"),
    reason: str = typer.Option(..., "--reason", help="理由（必填）/ reason (required)"),
    actor: str = typer.Option("cli", help="复核人 / who decides (audit log)"),
) -> None:
    """复核结论 / decide one pair; applied by the next `medaid link run`."""
    decide(review_id, accept=accept, reason=reason, actor=actor, url=_url())
    console.print(f"复核 {review_id}: {'同一人 accepted' if accept else '不是同一人 rejected'}")


@link_app.command("score")
def score_command(county: Path = typer.Option(..., "--county", help="合成县目录 / synthetic county folder")) -> None:
    """与合成县真值比较 / pairwise precision, recall, F1 of the links against truth/."""
    from medaid.linkage.truth import score_store

    s = score_store(county, url=_url())
    console.print(f"precision {s.precision:.4f}, recall {s.recall:.4f}, F1 {s.f1:.4f} "
                  f"(true pairs {s.true_pairs:,}, predicted {s.predicted_pairs:,})")
