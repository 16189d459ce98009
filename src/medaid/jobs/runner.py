"""Run jobs in a small thread pool; persist status and progress in the ``job`` table.

Threads (not processes) because the work is I/O and database bound and the web server is one
process; the database row is the source of truth for status and result, so a restart marks
unfinished jobs failed (``mark_interrupted``) instead of leaving them "running" forever.

Live progress is kept in memory and overlaid on the row by ``JobRunner.get``: the loader holds a
long write transaction, and on SQLite a second writer (a progress update) would wait for it and
time out. The final stage and counts are written with the result.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from medaid.errors import MedaidError, NotFound
from medaid.store.auth_tables import job

log = logging.getLogger("medaid.jobs")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

Progress = Callable[[str, int, int], None]
"""(stage, done, total) — the same callback shape as ``load_path`` and ``generate_county``."""

JobFn = Callable[[Progress], Mapping[str, Any]]


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    actor: str
    params: dict[str, Any]
    stage: str
    done: int
    total: int
    result: dict[str, Any] | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.done / self.total)) if self.total else (100 if self.finished else 0)


def _view(row: Any) -> JobView:
    return JobView(row.id, row.kind, row.status, row.actor, json.loads(row.params or "{}"), row.stage,
                   row.done, row.total, json.loads(row.result) if row.result else None, row.error)


def get_job(conn: Connection, job_id: int) -> JobView:
    row = conn.execute(select(job).where(job.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"job {job_id} not found", f"未找到任务 {job_id}")
    return _view(row)


def list_jobs(conn: Connection, limit: int = 50) -> list[JobView]:
    return [_view(r) for r in conn.execute(select(job).order_by(job.c.id.desc()).limit(limit))]


def mark_interrupted(conn: Connection) -> int:
    """At start-up: jobs left queued/running by a previous process can never finish."""
    return int(conn.execute(update(job).where(job.c.status.in_(("queued", "running"))).values(
        status="failed", error="interrupted by a server restart; start it again / 服务重启导致任务中断，请重新提交",
        finished_at=utcnow())).rowcount)


class JobRunner:
    """Submit work; it runs on a worker thread; ``get``/``list`` show live progress."""

    def __init__(self, engine: Engine, *, workers: int = 1) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="medaid-job")
        self._live: dict[int, tuple[str, int, int]] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, actor: str, params: Mapping[str, Any], fn: JobFn) -> int:
        with self._engine.begin() as conn:
            job_id = int(conn.execute(job.insert().values(
                kind=kind, status="queued", actor=actor, params=json.dumps(dict(params), ensure_ascii=False),
                stage="", done=0, total=0, created_at=utcnow()).returning(job.c.id)).scalar_one())
        self._pool.submit(self._run, job_id, fn)
        return job_id

    def _overlay(self, view: JobView) -> JobView:
        with self._lock:
            live = self._live.get(view.id)
        if live is None or view.finished:
            return view
        return replace(view, stage=live[0], done=live[1], total=live[2])

    def get(self, conn: Connection, job_id: int) -> JobView:
        return self._overlay(get_job(conn, job_id))

    def list(self, conn: Connection, limit: int = 50) -> list[JobView]:
        return [self._overlay(v) for v in list_jobs(conn, limit)]

    def _set(self, job_id: int, **values: Any) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(job).where(job.c.id == job_id).values(**values))

    def _run(self, job_id: int, fn: JobFn) -> None:
        self._set(job_id, status="running", started_at=utcnow())

        def progress(stage: str, done: int, total: int) -> None:
            with self._lock:
                self._live[job_id] = (stage, done, total)

        try:
            result = fn(progress)
        except MedaidError as exc:
            final: dict[str, Any] = {"status": "failed", "error": str(exc)}
        except Exception as exc:
            log.exception("job %s failed", job_id)
            final = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        else:
            final = {"status": "succeeded", "result": json.dumps(dict(result), ensure_ascii=False, default=str)}
        with self._lock:
            stage, done, total = self._live.pop(job_id, ("", 0, 0))
        self._set(job_id, stage=stage, done=done, total=total, finished_at=utcnow(), **final)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
