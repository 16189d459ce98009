"""The job bodies that the web and API start. Each returns a JSON-able result dict."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from medaid.jobs.runner import JobFn, Progress


def load_job(path: Path, *, url: str, actor: str, delete_after: bool = False) -> JobFn:
    """Load one contract file (or a directory) through the ingest service.

    ``delete_after``: remove the file (and its upload folder, if then empty) when the job ends,
    success or not — uploads hold unmasked ID numbers and are not needed once loaded; rejects and
    provenance are in the database.
    """

    def run(progress: Progress) -> dict[str, Any]:
        from medaid.ingest.service import load_path  # late: ingest is heavy and optional in some tests

        try:
            report = load_path(path, url=url, actor=actor, progress=progress)
        finally:
            if delete_after:
                path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    path.parent.rmdir()
        files = [{"kind": f.kind, "file_name": f.file_name, "status": f.status, "rows_read": f.rows_read,
                  "rows_accepted": f.rows_accepted, "rows_rejected": f.rows_rejected, "message": f.message,
                  "load_id": f.load_id} for f in report.files]
        claim_loads = [f.load_id for f in report.files if f.kind == "claims" and f.status == "loaded" and f.load_id]
        if not claim_loads:
            return {"files": files}
        from medaid.cases.service import open_cases_after_load  # 免申即享: cases open in the same run

        opened = open_cases_after_load(claim_loads, url=url, actor=actor, progress=progress)
        return {"files": files, "cases": [{"year": s.year, "opened": s.opened, "already_open": s.already_open}
                                          for s in opened]}

    return run
