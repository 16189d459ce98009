"""The one Typer application; command groups register themselves on it from their modules."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="medaid",
    help="medaid — 医疗救助一体化平台 / medical assistance platform for medical security bureaus.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err_console = Console(stderr=True)
