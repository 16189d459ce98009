"""``medaid cases …``: open 免申即享 cases, approve in parallel, pay in batches, print notices."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from medaid.cases import approval, payout
from medaid.cases.notices import render_case
from medaid.cases.service import open_cases
from medaid.cases.states import ShareAction, case_zh
from medaid.cli.app import app, console
from medaid.domain.money import format_yuan, parse_yuan
from medaid.errors import ContractError
from medaid.settings import get_settings
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share
from medaid.store.db import engine_for, migrate

cases_app = typer.Typer(help="免申即享案件、并联审批、支付 / cases, parallel approval, payouts", no_args_is_help=True)
batch_app = typer.Typer(help="支付批次 / payout batches", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
cases_app.add_typer(batch_app, name="batch")

ACTOR = typer.Option("cli", "--actor", help="Who acts (recorded in the audit log) / 操作人")


def _url() -> str:
    url = get_settings().resolved_database_url()
    migrate(url)
    return url


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


@cases_app.command("open")
def open_command(
    year: int = typer.Option(..., "--year", help="Medical year (settle dates) / 医疗年度"),
    policy: Path | None = typer.Option(None, "--policy", help="Policy YAML (default policies/reference-YEAR.yaml)"),
    load: Path | None = typer.Option(None, "--load", help="Load these contract files first, in the same run"),
    actor: str = ACTOR,
) -> None:
    """自动立案 / open a case for every person-claim any program pays (re-running opens none twice)."""
    url = _url()
    with _bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage}", total=total or 1)
            bar.update(tasks[stage], completed=done, total=total or 1)

        if load is not None:
            from medaid.ingest.service import load_path

            report = load_path(load, url=url, actor=actor, progress=progress)
            console.print(f"导入 / loaded: {sum(f.rows_accepted for f in report.files):,} rows accepted")
        s = open_cases(url=url, year=year, policy_path=policy, progress=progress, actor=actor)
    console.print(
        f"立案 / opened [bold]{s.opened:,}[/bold] cases ({s.already_open:,} already open, {s.cancelled} cancelled) "
        f"from {s.claims_read:,} claims of {s.persons:,} people; eligible {s.eligible:,}; "
        f"payable {format_yuan(s.payable_fen)} yuan; {s.seconds:.1f} s")
    if s.reversed_after_payout:
        console.print(f"[yellow]已支付后被冲销，需追回 / reversed after payout: cases {s.reversed_after_payout}[/yellow]")


@cases_app.command("list")
def list_command(
    status: str | None = typer.Option(None, help="approving|returned|approved|paying|paid|denied|cancelled"),
    department: str | None = typer.Option(None, help="Only cases waiting for this department"),
    year: int | None = typer.Option(None),
    n: int = typer.Option(50, "-n"),
) -> None:
    """案件列表 / list cases."""
    q = select(aid_case).order_by(aid_case.c.id).limit(n)
    if status:
        q = q.where(aid_case.c.status == status)
    if year:
        q = q.where(aid_case.c.year == year)
    if department:
        waiting = select(case_share.c.case_id).where(case_share.c.department == department,
                                                     case_share.c.status == "pending")
        q = q.where(aid_case.c.id.in_(waiting))
    table = Table("id", "结算单 claim", "姓名 name", "乡镇 township", "状态 status", "应付 payable", "期限 due")
    with engine_for(_url()).connect() as conn:
        for c in conn.execute(q):
            table.add_row(str(c.id), c.claim_id, c.name, c.township_code or "", f"{case_zh(c.status)} {c.status}",
                          format_yuan(c.payable_fen), str(c.due_date))
    console.print(table)


@cases_app.command("show")
def show_command(case_id: int) -> None:
    """案件详情 / a case: plan, shares, history."""
    with engine_for(_url()).connect() as conn:
        c = conn.execute(select(aid_case).where(aid_case.c.id == case_id)).first()
        if c is None:
            console.print(f"[red]案件 {case_id} 不存在 / no case {case_id}[/red]")
            raise typer.Exit(1)
        plan = json.loads(c.plan)
        console.print(f"[bold]案件 {c.id}[/bold] claim {c.claim_id} · {c.name} · {case_zh(c.status)} ({c.status}) · "
                      f"categories {c.categories or '-'} · due {c.due_date}")
        console.print(f"方案 / plan: {plan.get('why', '')}")
        t = Table("layer", "department", "base", "paid", "remaining", "rule")
        for x in plan["layers"]:
            t.add_row(x["layer"], x["department"], format_yuan(x["base_fen"]), format_yuan(x["paid_fen"]),
                      format_yuan(x["remaining_fen"]), x["rule"])
        console.print(t)
        t = Table("program", "department", "planned", "amount")
        for r in conn.execute(select(case_line).where(case_line.c.case_id == case_id)):
            t.add_row(r.program, r.department, format_yuan(r.planned_fen), format_yuan(r.amount_fen))
        console.print(t)
        t = Table("department", "status", "by", "on", "reason")
        for r in conn.execute(select(case_share).where(case_share.c.case_id == case_id)):
            t.add_row(r.department, r.status, r.decided_by or "", str(r.decided_on or ""), r.reason or "")
        console.print(t)
        t = Table("at", "actor", "action", "from → to", "reason")
        for r in conn.execute(select(case_event).where(case_event.c.case_id == case_id).order_by(case_event.c.id)):
            t.add_row(r.at, r.actor, r.action, f"{r.from_status or ''} → {r.to_status or ''}", r.reason or "")
        console.print(t)


def _amounts(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        program, sep, value = item.partition("=")
        if not sep:
            raise ContractError(f"--amount {item!r}: write PROGRAM=YUAN, e.g. assistance=1200.50",
                                "金额格式应为 项目=元，例如 assistance=1200.50", field="amount")
        out[program.strip()] = int(parse_yuan(value))
    return out


def _decide(case_id: int, department: str, action: ShareAction, actor: str, reason: str | None,
            amount: list[str]) -> None:
    d = approval.decide(case_id, department, action, actor=actor, reason=reason, amounts=_amounts(amount) or None,
                        url=_url())
    console.print(f"案件 {case_id} · {department}: {d.share_status.value}; 案件状态 / case → "
                  f"{case_zh(d.case_status)} ({d.case_status.value}); audit #{d.audit_seq}")


DEPT = typer.Option(..., "--department", "-d", help="Your department, e.g. medical_security / 部门")
AMOUNT = typer.Option([], "--amount", help="Correct a planned amount: PROGRAM=YUAN (an override; needs --reason)")


@cases_app.command("approve")
def approve_command(case_id: int, department: str = DEPT, reason: str | None = typer.Option(None),
                    amount: list[str] = AMOUNT, actor: str = ACTOR) -> None:
    """审批通过 / approve your department's share."""
    _decide(case_id, department, ShareAction.APPROVE, actor, reason, amount)


@cases_app.command("return")
def return_command(case_id: int, department: str = DEPT, reason: str = typer.Option(..., help="Why / 退回理由"),
                   actor: str = ACTOR) -> None:
    """退回补正 / return your share with a reason."""
    _decide(case_id, department, ShareAction.RETURN, actor, reason, [])


@cases_app.command("deny")
def deny_command(case_id: int, department: str = DEPT, reason: str = typer.Option(..., help="Why / 不予救助理由"),
                 actor: str = ACTOR) -> None:
    """不予救助 / deny your share with a reason (the notice will say why and what else may help)."""
    _decide(case_id, department, ShareAction.DENY, actor, reason, [])


@cases_app.command("resubmit")
def resubmit_command(case_id: int, department: str = DEPT, reason: str | None = typer.Option(None),
                     amount: list[str] = AMOUNT, actor: str = ACTOR) -> None:
    """重新提交 / resubmit a returned share after correcting it."""
    _decide(case_id, department, ShareAction.RESUBMIT, actor, reason, amount)


@cases_app.command("notice")
def notice_command(case_id: int, kind: str = typer.Option("grant", help="grant | denial"),
                   letter: bool = typer.Option(False, "--letter", help="Print the letter instead of the SMS")) -> None:
    """告知书 / print the notice text of a case."""
    with engine_for(_url()).connect() as conn:
        sms, text = render_case(conn, case_id, kind)
    console.print(text if letter else sms, markup=False)


@cases_app.command("budget")
def budget_command(program: str = typer.Option(...), year: int = typer.Option(...),
                   yuan: str = typer.Option(..., help="Annual budget in yuan, or 'none' for unlimited"),
                   actor: str = ACTOR) -> None:
    """资金预算 / set a program fund's annual budget (payouts never exceed it)."""
    fen = None if yuan.lower() == "none" else int(parse_yuan(yuan))
    payout.set_budget(program, year, fen, actor=actor, url=_url())
    console.print(f"{program}/{year} budget → {yuan}")


@batch_app.command("create")
def batch_create(batch_key: str, program: str = typer.Option(...), year: int = typer.Option(...),
                 limit: int | None = typer.Option(None), actor: str = ACTOR) -> None:
    """建立支付批次 / create and fill a batch (the same key again returns the same batch)."""
    r = payout.create_batch(batch_key, program=program, year=year, actor=actor, url=_url(), limit=limit)
    console.print(f"批次 {batch_key}: {'created' if r.created else 'exists'}, {r.lines} lines, "
                  f"{format_yuan(r.total_fen)} yuan")


@batch_app.command("run")
def batch_run(batch_key: str, actor: str = ACTOR) -> None:
    """出账 / issue the batch's queued lines (safe to re-run after a crash)."""
    r = payout.run_batch(batch_key, actor=actor, url=_url(), today=dt.date.today())
    console.print(f"批次 {batch_key}: issued {r.issued}, already done {r.skipped}, held {r.held or 0}, "
                  f"still queued {r.remaining}")


@batch_app.command("export")
def batch_export(batch_key: str, out: Path = typer.Option(..., "--out"),
                 reveal: bool = typer.Option(False, "--reveal", help="Full ID numbers for the bank (audited)"),
                 reason: str = typer.Option("银行代发 / bank payout", help="查看原因，记入审计 / reason for --reveal"),
                 actor: str = ACTOR) -> None:
    """导出银行代发文件 / write the bank file (layout in docs/cases.md)."""
    n = payout.export_bank_file(batch_key, out, actor=actor, url=_url(), reveal=reveal, reason=reason)
    console.print(f"{n} lines → {out}")


@batch_app.command("import")
def batch_import(result_file: Path, actor: str = ACTOR) -> None:
    """导入银行回盘 / apply the bank's result file; failed lines go back to the payout queue."""
    r = payout.import_bank_result(result_file, actor=actor, url=_url())
    console.print(f"paid {r.paid}, failed {r.failed} (back to queue), unchanged {r.unchanged}")
    for p in r.problems:
        console.print(f"[yellow]{p}[/yellow]", markup=True)
    if r.problems:
        raise typer.Exit(1)
