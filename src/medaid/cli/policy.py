"""``medaid policy check|show``, ``medaid quote`` and ``medaid settle``: the policy engine's commands."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medaid.cli.app import app, console, err_console
from medaid.domain.money import format_yuan, to_fen
from medaid.errors import PolicyError
from medaid.policy import Claim, Policy, load_policy, settle_person_year
from medaid.policy.optimal import optimal_plan, permitted_orders
from medaid.policy.params import variants
from medaid.policy.settle_store import default_policy_path, settle_year

policy_app = typer.Typer(help="政策文件 / policy files", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _yuan(v: Decimal | None) -> str:
    return "" if v is None else format_yuan(to_fen(v))


@policy_app.command("check")
def check(file: Path) -> None:
    """Validate a policy file; list every problem (exit 1) or confirm it is valid."""
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        err_console.print(f"[red]{exc.zh}[/red]\n{exc.en}")
        for p in exc.problems:
            err_console.print(f"  • {p}")
        raise typer.Exit(1) from None
    console.print(f"[green]有效 / valid[/green]: {policy.id} ({len(policy.layers)} layers, "
                  f"{len(permitted_orders(policy))} permitted orders)")


@policy_app.command("show")
def show(file: Path) -> None:
    """Print a policy's layers, schedules and tilts as a table."""
    policy = load_policy(file)
    console.print(f"[bold]{policy.name}[/bold]  {policy.id}  region {policy.region}  "
                  f"{policy.valid_from}..{policy.valid_to or ''}")
    t = Table("#", "layer", "名称", "dept", "base", "eligible", "schedule / rule", "deductible", "ratio", "cap")
    for i, layer in enumerate(policy.layers, 1):
        elig = "all" if layer.eligible == "all" else ",".join(layer.eligible)
        for s in layer.schedules:
            for v in variants(layer, s):
                if v.per_admission:
                    ded = " / ".join(f"{_yuan(term.deductible)}" for term in v.terms) + " per admission"
                    ratio = " / ".join(str(term.bands[0].ratio) for term in v.terms)
                else:
                    ded = f"{_yuan(v.deductible)} per year"
                    ratio = " / ".join(f"{b.ratio}" + (f"≤{_yuan(b.hi)}" if b.hi else "") for b in v.bands)
                who = "" if v.categories is None else f" [{','.join(sorted(v.categories))}]"
                t.add_row(str(i), layer.id, layer.name, layer.department, layer.base.value, elig,
                          v.rule + who, ded, ratio, _yuan(v.cap) or "none")
    console.print(t)


def _claims_from_json(path: Path) -> list[Claim]:
    doc: Any = json.loads(path.read_text(encoding="utf-8"))
    items = doc if isinstance(doc, list) else [doc]

    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    return [Claim(
        claim_id=str(c.get("claim_id", f"Q{i}")), settle_date=date.fromisoformat(c["settle_date"]),
        visit_type=c["visit_type"], location=c["location"], hospital_level=int(c["hospital_level"]),
        in_scope=Decimal(str(c["in_scope_yuan"])), total=Decimal(str(c.get("total_yuan", c["in_scope_yuan"]))),
        basic_paid=dec(c.get("basic_paid_yuan")), critical_paid=dec(c.get("critical_paid_yuan")),
        reverses_claim_id=c.get("reverses_claim_id"), categories=frozenset(c.get("categories", [])),
    ) for i, c in enumerate(items)]


@app.command("quote")
def quote_cmd(
    policy_file: Annotated[Path | None, typer.Option("--policy", help="policy YAML (default reference-2026)")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="a claim object or a list (one person-year)")] = None,
    in_scope: Annotated[str | None, typer.Option(help="政策范围内费用 yuan")] = None,
    total: Annotated[str | None, typer.Option(help="总费用 yuan (default = in-scope)")] = None,
    visit_type: Annotated[str, typer.Option()] = "inpatient",
    location: Annotated[str, typer.Option()] = "county",
    level: Annotated[int, typer.Option(min=1, max=3)] = 2,
    settle_date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: policy start)")] = None,
    basic_paid: Annotated[str | None, typer.Option(help="basic already paid (national platform)")] = None,
    critical_paid: Annotated[str | None, typer.Option()] = None,
    category: Annotated[list[str] | None, typer.Option("--category", "-c", help="repeat for several")] = None,
    optimal: Annotated[bool, typer.Option(help="try every permitted order of programs")] = False,
) -> None:
    """Settle one claim (or a person's claims from --json) and print the per-layer trace."""
    policy = load_policy(policy_file or default_policy_path())
    if json_file is not None:
        claims = _claims_from_json(json_file)
    elif in_scope is not None:
        claims = [Claim("Q1", date.fromisoformat(settle_date) if settle_date else policy.valid_from, visit_type,
                        location, level, Decimal(in_scope), Decimal(total or in_scope),
                        Decimal(basic_paid) if basic_paid else None, Decimal(critical_paid) if critical_paid else None)]
    else:
        raise typer.BadParameter("give --in-scope or --json")
    cats = frozenset(category or [])
    _render(policy, claims, cats, optimal)


def _render(policy: Policy, claims: list[Claim], cats: frozenset[str], optimal: bool) -> None:
    if optimal:
        plan = optimal_plan(claims, cats, policy)
        settlements = plan.settlements
        console.print(f"最优方案 / optimal plan: {plan.why}", soft_wrap=True)
    else:
        settlements = settle_person_year(claims, cats, policy)
    for s in settlements:
        t = Table("layer", "名称", "base", "deductible", "band", "ratio", "cap left", "paid", "remaining", "rule",
                  title=f"claim {s.claim_id}")
        for r in s.layers:
            t.add_row(r.layer, r.name, _yuan(r.base), _yuan(r.deductible_used),
                      "" if r.band is None else str(r.band + 1), "" if r.ratio is None else str(r.ratio),
                      _yuan(r.cap_remaining), f"[bold]{_yuan(r.paid)}[/bold]", _yuan(r.remaining), r.rule)
        console.print(t)
        console.print(f"合计支付 / total paid: [bold]{_yuan(s.total_paid)}[/bold]")


@app.command("settle")
def settle_cmd(
    year: Annotated[int, typer.Option(help="medical year")],
    out: Annotated[Path | None, typer.Option(help="output .csv or .xlsx")] = None,
    policy_file: Annotated[list[Path] | None, typer.Option(
        "--policy", help="policy YAML (default reference-2026); repeat for dated files of a mid-year change")] = None,
    engine: Annotated[str, typer.Option(help="duckdb | spark")] = "duckdb",
    url: Annotated[str | None, typer.Option(help="database URL (default from settings)")] = None,
    optimal: Annotated[bool, typer.Option("--optimal/--file-order",
                                          help="per person, the permitted layer order paying most")] = True,
) -> None:
    """Settle every claim of a year from the database, store the run, write the output file."""
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("engine must be duckdb or spark")
    eng: Literal["duckdb", "spark"] = "duckdb" if engine == "duckdb" else "spark"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        summary = settle_year(year, url=url, policy_path=policy_file or None, out=out, progress=progress, engine=eng,
                              optimal=optimal)
    t = Table("layer", "paid (yuan)", title=f"{summary.year} · {summary.policy_id} · run {summary.run_id}")
    for layer, fen in summary.paid_by_layer_fen.items():
        t.add_row(layer, format_yuan(fen))
    t.add_row("[bold]total[/bold]", f"[bold]{format_yuan(summary.paid_fen)}[/bold]")
    console.print(t)
    console.print(f"{summary.claims} claims, {summary.lines} lines" + (f" → {summary.out}" if summary.out else ""))
