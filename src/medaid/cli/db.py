"""``medaid db …``: schema management."""

from __future__ import annotations

import typer

from medaid.cli.app import app, console
from medaid.settings import get_settings
from medaid.store.db import migrate

db_app = typer.Typer(help="数据库 / database schema")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply all Alembic migrations to the configured database (MEDAID_DATABASE_URL or SQLite)."""
    url = get_settings().resolved_database_url()
    migrate(url)
    console.print(f"数据库已是最新结构 / schema is up to date: {url.split('@')[-1]}")
