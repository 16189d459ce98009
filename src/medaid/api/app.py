"""The app factory: ``create_app()`` builds the FastAPI app with the JSON API (/api/v1, OpenAPI at
/api/docs) and the browser pages, bound to one database and one data directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medaid import __version__
from medaid.api import problems
from medaid.api.admission import Gate
from medaid.api.v1 import router as api_v1
from medaid.jobs import JobRunner, mark_interrupted
from medaid.settings import get_settings
from medaid.store.db import engine_for
from medaid.web.routes import audit, auth, cases, home, jobs, loads, payouts, people, supervise
from medaid.web.routes import identify as web_identify
from medaid.web.routes import person as web_person
from medaid.web.routes import policy as web_policy
from medaid.web.routes import reconcile as web_reconcile

WEB_ROUTERS = (auth, home, loads, jobs, people, audit, cases, payouts, supervise, web_person, web_reconcile, web_identify, web_policy)
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"


def create_app(*, url: str | None = None, data_dir: Path | None = None, job_workers: int = 1) -> FastAPI:
    """Build the app. ``url``/``data_dir`` default to settings; the schema must already be migrated."""
    settings = get_settings()
    url = url or settings.resolved_database_url()
    engine = engine_for(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with engine.begin() as conn:
            mark_interrupted(conn)
        runner = JobRunner(engine, workers=job_workers)
        app.state.jobs = runner
        try:
            yield
        finally:
            runner.shutdown(wait=True)  # a half-finished load would only be marked interrupted later

    app = FastAPI(title="medaid API", version=__version__, lifespan=lifespan, docs_url="/api/docs",
                  redoc_url=None, openapi_url="/api/openapi.json",
                  description="医疗救助一体化平台 API. Authenticate with `Authorization: Bearer <token>` "
                              "(`medaid user token`). Errors are application/problem+json with zh and en text.")
    app.state.engine, app.state.url = engine, url
    app.state.data_dir = (data_dir or settings.data_dir).resolve()
    app.state.quote_gate = Gate("quote", "结算试算", settings.quote_concurrency, settings.quote_queue_seconds)
    problems.install(app)
    app.include_router(api_v1)
    for module in WEB_ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Headers every answer carries; ``no-store`` except on static files.

    Plain ASGI rather than ``@app.middleware("http")``: that wrapper runs each request through an
    extra task and memory stream, a visible share of a quote's CPU (decision 0009).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
