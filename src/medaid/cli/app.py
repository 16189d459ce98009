"""The one Typer application; command groups register themselves on it from their modules."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

app = typer.Typer(
    name="medaid",
    help="medaid — 医疗救助一体化平台 / medical assistance platform for medical security bureaus.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

def _width() -> int | None:
    """Terminal width on a terminal; 200 columns when piped or captured, so that tables of
    amounts are never cut to "31,5…" in a log, a file or a test (COLUMNS still wins)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return None if sys.stdout.isatty() else 200


console = Console(width=_width())
err_console = Console(stderr=True, width=_width())
