"""``medaid serve``: the web app and API with uvicorn (migrates first, so a fresh data dir works)."""

from __future__ import annotations

import typer

from medaid.cli.app import app, console
from medaid.settings import get_settings
from medaid.store.db import migrate


def run_server(host: str, port: int) -> None:
    import uvicorn

    from medaid.api.app import create_app

    url = get_settings().resolved_database_url()
    migrate(url)
    console.print(f"medaid 已启动 / serving on [bold]http://{host}:{port}/[/bold]  (API docs: /api/docs)")
    uvicorn.run(create_app(url=url), host=host, port=port, log_level="info", proxy_headers=False)


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1", help="bind address (keep loopback unless behind a proxy)"),
          port: int = typer.Option(8000, help="TCP port")) -> None:
    """Start the web app and the API."""
    run_server(host, port)
