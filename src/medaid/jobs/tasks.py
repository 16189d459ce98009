"""The job bodies that the web and API start. Each returns a JSON-able result dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medaid.jobs.runner import JobFn, Progress


def load_job(path: Path, *, url: str, actor: str) -> JobFn:
    """Load one uploaded contract file (or a directory) through the ingest service."""

    def run(progress: Progress) -> dict[str, Any]:
        from medaid.ingest.service import load_path  # late: ingest is heavy and optional in some tests

        report = load_path(path, url=url, actor=actor, progress=progress)
        files = [{"kind": f.kind, "file_name": f.file_name, "status": f.status, "rows_read": f.rows_read,
                  "rows_accepted": f.rows_accepted, "rows_rejected": f.rows_rejected, "message": f.message,
                  "load_id": f.load_id} for f in report.files]
        return {"files": files}

    return run
