"""Use case ``load_path``: load one contract file or a directory of them (``medaid load``).

Per file, one transaction holds its rows, its rejects, its ``load`` record, the supersede of older
data and the audit event — all or nothing. A file that breaks the contract as a whole (encoding,
missing column, empty) loads nothing and is recorded as ``failed`` in its own small transaction.
Supersede rules: docs/data-contract.md and docs/decisions/0003-ingest.md.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
from sqlalchemy import Connection, Engine, select, update

from medaid.audit.log import append_event
from medaid.errors import ContractError
from medaid.ingest import write
from medaid.ingest.contract import SPECS, KindSpec, kind_of
from medaid.ingest.read import read_file, sha256_and_check_utf8
from medaid.ingest.validate import IdLookup, validate
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate
from medaid.store.tables import load

Status = Literal["loaded", "failed", "duplicate", "superseded"]
ProgressFn = Callable[[str, int, int], None]
DUCKDB_MEMORY = "768MB"  # DuckDB spills to disk beyond this; keeps a county load well under 2 GiB


@dataclass(frozen=True, slots=True)
class FileReport:
    kind: str
    file_name: str
    status: Status
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    load_id: int | None = None


@dataclass(frozen=True, slots=True)
class LoadReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False if any file failed as a whole (rejected rows alone do not make a load fail)."""
        return all(f.status != "failed" for f in self.files)


def contract_files(path: Path) -> list[tuple[str, Path]]:
    """(kind, file) pairs in load order; a directory's files whose names are no contract kind are skipped."""
    if path.is_file():
        kind = kind_of(path.stem)
        if kind is None:
            raise ContractError(
                f"{path.name}: the file name is not a contract kind; name it one of {', '.join(SPECS)} (.csv/.xlsx)",
                f"{path.name}：文件名不是约定的数据种类，应为 {', '.join(SPECS)} 之一（.csv/.xlsx）", file=path.name)
        return [(kind, path)]
    if not path.is_dir():
        raise ContractError(f"{path}: no such file or directory", f"{path}：文件或目录不存在", file=str(path))
    found = [(kind, p) for p in sorted(path.iterdir())
             if p.is_file() and p.suffix.lower() in (".csv", ".xlsx") and (kind := kind_of(p.stem))]
    order = list(SPECS)
    return sorted(found, key=lambda kp: (order.index(kp[0]), kp[1].name))


def load_path(path: Path, *, url: str | None = None, actor: str = "cli",
              progress: ProgressFn | None = None) -> LoadReport:
    """Load a contract file or every contract file in a directory; migrates the database first."""
    url = url or get_settings().resolved_database_url()
    migrate(url)
    engine = engine_for(url)
    files = contract_files(Path(path))
    lookup = IdLookup()
    return LoadReport([load_file(engine, kind, p, actor=actor, progress=progress, lookup=lookup)
                       for kind, p in files])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _record(conn: Connection, spec: KindSpec, path: Path, sha: str, *, actor: str, status: Status,
            message: str, started: dt.datetime, counts: tuple[int, int, int] = (0, 0, 0)) -> int:
    load_id = conn.execute(load.insert().values(
        kind=spec.kind, file_name=path.name, file_sha256=sha, scope="", status=status, rows_read=counts[0],
        rows_accepted=counts[1], rows_rejected=counts[2], message=message, started_at=started,
        finished_at=_now(), actor=actor).returning(load.c.id)).scalar_one()
    _audit(conn, load_id, spec.kind, path.name, sha, status, counts, actor, message)
    return int(load_id)


def _audit(conn: Connection, load_id: int, kind: str, file_name: str, sha: str, status: str,
           counts: tuple[int, int, int], actor: str, message: str) -> None:
    append_event(conn, actor=actor, action="load", subject=f"load:{load_id}", detail={
        "kind": kind, "file": file_name, "sha256": sha, "status": status, "rows_read": counts[0],
        "rows_accepted": counts[1], "rows_rejected": counts[2], "message": message})


def load_file(engine: Engine, kind: str, path: Path, *, actor: str = "cli",
              progress: ProgressFn | None = None, lookup: IdLookup | None = None) -> FileReport:
    """Load one file of a known kind; never raises for contract problems (they become a 'failed' report)."""
    spec = SPECS[kind]
    started = _now()
    sha = ""
    try:
        sha = sha256_and_check_utf8(path)
        with engine.begin() as conn:
            previous = conn.execute(
                select(load.c.id).where(load.c.file_sha256 == sha, load.c.kind == kind,
                                        load.c.status.in_(("loaded", "superseded"))).order_by(load.c.id)
            ).scalars().first()
            if previous is not None:
                msg = f"与第 {previous} 批是同一文件，未改动任何数据 / same file as load {previous}; nothing changed"
                load_id = _record(conn, spec, path, sha, actor=actor, status="duplicate", message=msg, started=started)
                return FileReport(kind, path.name, "duplicate", message=msg, load_id=load_id)
        return _load_new(engine, spec, path, sha, started, actor=actor, progress=progress,
                         lookup=lookup or IdLookup())
    except ContractError as exc:
        with engine.begin() as conn:
            load_id = _record(conn, spec, path, sha or "-", actor=actor, status="failed", message=str(exc),
                              started=started)
        return FileReport(kind, path.name, "failed", message=str(exc), load_id=load_id)


def _load_new(engine: Engine, spec: KindSpec, path: Path, sha: str, started: dt.datetime, *, actor: str,
              progress: ProgressFn | None, lookup: IdLookup) -> FileReport:
    with tempfile.TemporaryDirectory(prefix="medaid-duck-") as spill:
        con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "temp_directory": spill,
                                     "preserve_insertion_order": True})
        con.execute("SET enable_progress_bar = false")
        try:
            result = read_file(con, path)
            if progress:  # the bar appears while validating; its total becomes the accepted rows below
                progress(spec.kind, 0, result.rows)
            if result.rows == 0:
                raise ContractError(
                    f"{path.name}: header only, no data rows; an empty snapshot would erase the previous one, "
                    "so nothing was loaded",
                    f"{path.name}：只有表头没有数据行；为免清空上一期数据，本文件未导入", file=path.name)
            checked = validate(con, spec, result.columns, path.name, lookup)
            accepted = checked.rows_read - checked.rows_rejected
            if progress:
                progress(spec.kind, 0, accepted)
            with engine.begin() as conn:
                load_id = int(conn.execute(load.insert().values(
                    kind=spec.kind, file_name=path.name, file_sha256=sha, scope="", status="loaded",
                    started_at=started, actor=actor).returning(load.c.id)).scalar_one())
                write.write_identities(conn, con)
                scope = write.scope_of(spec, con)
                # A file whose every row was rejected supersedes nothing: a broken delivery must not
                # erase the last good snapshot.
                if accepted and spec.supersede.value == "snapshot":
                    write.supersede_snapshot(conn, spec, scope)
                write.write_rows(conn, spec, con, load_id, accepted=accepted,
                                 progress=(lambda n: progress(spec.kind, n, accepted)) if progress else None)
                write.write_rejects(conn, con, load_id, path.name, result.columns)
                superseded = write.mark_superseded(conn, spec, load_id) if accepted else 0
                counts = (checked.rows_read, accepted, checked.rows_rejected)
                message = f"superseded {superseded} earlier load(s)" if superseded else ""
                conn.execute(update(load).where(load.c.id == load_id).values(
                    scope=_scope_text(spec, scope), rows_read=counts[0], rows_accepted=counts[1],
                    rows_rejected=counts[2], message=message, finished_at=_now()))
                _audit(conn, load_id, spec.kind, path.name, sha, "loaded", counts, actor, message)
            lookup.mark_stored(r[0] for r in con.execute("SELECT id_token FROM identities").fetchall())
            if progress:
                progress(spec.kind, accepted, accepted)
            return FileReport(spec.kind, path.name, "loaded", *counts, message=message, load_id=load_id)
        finally:
            con.close()


def _scope_text(spec: KindSpec, scope: list[str] | None) -> str:
    if spec.supersede.value == "keyed":
        return f"keyed:{spec.key}"
    if scope is None:
        return "all"
    return f"{spec.scope_field}=" + ",".join(scope)
