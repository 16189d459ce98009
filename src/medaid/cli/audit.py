"""``medaid audit …``: verify the hash chain, show the newest events."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from medaid.audit.log import tail, verify
from medaid.cli.app import app, console, err_console
from medaid.settings import get_settings
from medaid.store.db import engine_for

audit_app = typer.Typer(help="审计日志 / audit log")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_cmd() -> None:
    """Walk the whole chain; exit 1 and name the first broken sequence number if it was tampered with."""
    with engine_for(get_settings().resolved_database_url()).connect() as conn:
        report = verify(conn)
    if report.ok:
        console.print(f"[green]✓[/green] {report.message()}")
        return
    err_console.print(f"[red]✗[/red] {report.message()}")
    raise typer.Exit(1)


@audit_app.command("tail")
def tail_cmd(
    n: int = typer.Option(20, "-n", help="how many events / 条数"),
    action: str | None = typer.Option(None, help="only actions starting with this, e.g. login."),
) -> None:
    """The newest events, newest first."""
    with engine_for(get_settings().resolved_database_url()).connect() as conn:
        events = tail(conn, n, action_prefix=action)
    table = Table("seq", "时间 at (UTC)", "actor", "action", "subject", "detail")
    for e in events:
        table.add_row(str(e["seq"]), e["at"], e["actor"], e["action"], e["subject"],
                      json.dumps(e["detail"], ensure_ascii=False)[:80])
    console.print(table)
