"""Use case ``settle_year``: settle every claim of a year from the database and store the lines.

Reads ``claim`` and ``roster`` (categories of a claim = roster rows of its person valid on its
settle date) into DuckDB, runs the compiled policy on DuckDB or Spark, stores one
``settlement_run`` with its ``settlement_line`` rows, and writes the DESIGN §4 output
(claim_id, layer, base_yuan, paid_yuan, remaining_yuan, rule) as CSV or XLSX.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, insert, select

from medaid.errors import MedaidError
from medaid.policy.backends import duckdb as duck_backend
from medaid.policy.optimal import permitted_orders
from medaid.policy.policy_set import PolicyLike, PolicySet, load_policy_set
from medaid.policy.schema import TAGS
from medaid.settings import get_settings
from medaid.store.db import engine_for
from medaid.store.settlement_tables import settlement_line, settlement_run
from medaid.store.tables import claim as claim_t
from medaid.store.tables import roster as roster_t

Progress = Callable[[str, int, int], None]
XLSX_MAX_ROWS = 1_048_575
OUTPUT_HEADERS = {"claim_id": "结算单号", "layer": "保障层次", "base_yuan": "计算基数(元)", "paid_yuan": "支付金额(元)",
                  "remaining_yuan": "剩余自付(元)", "rule": "适用规则"}
_CHUNK = 50_000


@dataclass(frozen=True)
class SettleSummary:
    year: int
    run_id: int
    policy_id: str
    engine: str
    claims: int
    lines: int
    paid_fen: int
    paid_by_layer_fen: dict[str, int] = field(default_factory=dict)
    out: Path | None = None


def default_policy_path() -> Path:
    return get_settings().policies_dir / "reference-2026.yaml"


def _check_year(pset: PolicySet, year: int, paths: Sequence[Path]) -> None:
    pset.check_year(year, ", ".join(str(p) for p in paths))


def _read_sql_arrow(engine: Engine, stmt: Any, schema: pa.Schema, progress: Progress | None, stage: str,
                    total: int) -> pa.Table:
    batches, done = [], 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(stmt)
        while rows := result.fetchmany(_CHUNK):
            cols = list(zip(*rows, strict=True))
            batches.append(pa.record_batch([pa.array(c, type=f.type) for c, f in zip(cols, schema, strict=True)],
                                           schema=schema))
            done += len(rows)
            if progress:
                progress(stage, done, total)
    return pa.Table.from_batches(batches, schema=schema)


_CLAIM_SCHEMA = pa.schema([
    ("person", pa.string()), ("claim_id", pa.string()), ("settle_date", pa.date32()), ("visit_type", pa.string()),
    ("location", pa.string()), ("hospital_level", pa.int32()), ("in_scope_fen", pa.int64()),
    ("total_fen", pa.int64()), ("basic_paid_fen", pa.int64()), ("critical_paid_fen", pa.int64()),
    ("reverses_claim_id", pa.string()),
])
_ROSTER_SCHEMA = pa.schema([("person", pa.string()), ("category", pa.string()), ("valid_from", pa.date32()),
                            ("valid_to", pa.date32())])


def read_year(engine: Engine, year: int, progress: Progress | None = None) -> tuple[pa.Table, pa.Table]:
    """The year's claims and the roster rows valid in it, as Arrow tables for ``build_input``."""
    from sqlalchemy import func

    lo, hi = date(year, 1, 1), date(year, 12, 31)
    c, r = claim_t.c, roster_t.c
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(claim_t)
                             .where(c.settle_date.between(lo, hi))).scalar_one())
    claims = _read_sql_arrow(engine, select(c.id_token, c.claim_id, c.settle_date, c.visit_type, c.location,
                                            c.hospital_level, c.in_scope_fen, c.total_fen, c.basic_paid_fen,
                                            c.critical_paid_fen, c.reverses_claim_id)
                             .where(c.settle_date.between(lo, hi)), _CLAIM_SCHEMA, progress, "read claims", n)
    roster = _read_sql_arrow(engine, select(r.id_token, r.category, r.valid_from, r.valid_to)
                             .where(r.valid_from <= hi).where(r.valid_to.is_(None) | (r.valid_to >= lo)),
                             _ROSTER_SCHEMA, None, "read roster", 0)
    return claims, roster


def build_input(con: duckdb.DuckDBPyConnection, claims: pa.Table, roster: pa.Table) -> None:
    """Create DuckDB table ``claims_in`` (the compiler's input) from raw claims and roster rows."""
    con.register("claims_raw", claims)
    con.register("roster_raw", roster)
    flags = ", ".join(f"bool_or(r.category = '{t}') AS cat_{t}" for t in sorted(TAGS))
    picks = ", ".join(f"COALESCE(f.cat_{t}, FALSE) AS cat_{t}" for t in sorted(TAGS))
    con.execute(f"""
        CREATE OR REPLACE TABLE claims_in AS
        WITH f AS (
            SELECT c.claim_id, {flags}
            FROM claims_raw c JOIN roster_raw r
              ON r.person = c.person AND r.valid_from <= c.settle_date
             AND (r.valid_to IS NULL OR r.valid_to >= c.settle_date)
            GROUP BY c.claim_id)
        SELECT c.*, {picks} FROM claims_raw c LEFT JOIN f USING (claim_id)
    """)
    con.unregister("claims_raw")
    con.unregister("roster_raw")


def _run_engine(con: duckdb.DuckDBPyConnection, policy: PolicyLike, engine: str, optimal: bool) -> None:
    """Leave the settled lines in DuckDB table ``lines`` (optimal plan per person if ``optimal``)."""
    if engine == "spark":
        from medaid.policy.backends import spark as spark_backend

        run = spark_backend.settler(con, policy, spark_backend.local_session())
    else:
        run = duck_backend.settler(con, policy)
    if optimal:
        duck_backend.settle_optimal(con, policy, into="lines", settle_into=run)
    else:
        run("claims_in", permitted_orders(policy)[0], "lines")  # the file's order


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def write_output(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Write ``lines`` as the DESIGN §4 output; CSV has English headers, XLSX Chinese ones."""
    yuan = "printf('%d.%02d', {c} // 100, {c} % 100)"
    query = (f"SELECT claim_id, layer, {yuan.format(c='base_fen')} AS base_yuan, "
             f"{yuan.format(c='paid_fen')} AS paid_yuan, {yuan.format(c='remaining_fen')} AS remaining_yuan, rule "
             "FROM lines ORDER BY settle_date, claim_id, position")
    n = _count(con, "lines")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        if n > XLSX_MAX_ROWS:
            raise MedaidError(f"{n} lines do not fit one XLSX sheet ({XLSX_MAX_ROWS}); write .csv instead",
                              f"{n} 行超过 XLSX 单表上限，请改用 .csv 输出")
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
        ws = wb.add_worksheet("结算")
        ws.write_row(0, 0, list(OUTPUT_HEADERS.values()))
        reader = con.sql(query).to_arrow_reader(_CHUNK)
        row = 1
        for batch in reader:
            for rec in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                ws.write_row(row, 0, rec)
                row += 1
        wb.close()
    else:
        con.execute(f"COPY ({query}) TO '{out.as_posix()}' (HEADER, DELIMITER ',')")
    return n


_LINE_COLUMNS = ("run_id", "claim_id", "id_token", "settle_date", "layer", "position", "base_fen", "paid_fen",
                 "remaining_fen", "rule")


_LINE_INDEXES = ("run_id", "claim_id", "id_token")
_REBUILD_INDEXES_FROM = 200_000
"""SQLite: above this many lines, drop the line indexes for the insert and build them once after
(sorted index builds instead of millions of random B-tree inserts)."""


def _bulk_insert(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Millions of lines: COPY on PostgreSQL, DB-API executemany on SQLite (Core inserts are ~10× slower)."""
    cols = ", ".join(_LINE_COLUMNS)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY settlement_line ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
    elif conn.dialect.name == "sqlite":
        # the default 2 MB page cache thrashes on the random-order id_token index; 256 MB does not
        raw.execute("PRAGMA cache_size = -262144")
        raw.executemany(f"INSERT INTO settlement_line ({cols}) VALUES ({', '.join('?' * len(_LINE_COLUMNS))})", rows)
    else:  # pragma: no cover - other databases are not supported targets
        conn.execute(insert(settlement_line), [dict(zip(_LINE_COLUMNS, r, strict=True)) for r in rows])


def _store(engine: Engine, con: duckdb.DuckDBPyConnection, run: dict[str, Any], progress: Progress | None) -> int:
    total = _count(con, "lines")
    with engine.begin() as conn:
        run_id = int(conn.execute(insert(settlement_run).values(**run).returning(settlement_run.c.id)).scalar_one())
        rebuild = conn.dialect.name == "sqlite" and total >= _REBUILD_INDEXES_FROM
        if rebuild:
            for col in _LINE_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS ix_settlement_line_{col}")
        reader = con.sql(f"SELECT {run_id} AS run_id, claim_id, person AS id_token, settle_date, layer, position, "
                         "base_fen, paid_fen, remaining_fen, rule FROM lines").to_arrow_reader(_CHUNK)
        done = 0
        for batch in reader:
            rows = list(zip(*(c.to_pylist() for c in batch.columns), strict=True))
            _bulk_insert(conn, rows)
            done += len(rows)
            if progress:
                progress("store", done, total)
        if rebuild:
            for col in _LINE_INDEXES:
                conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_settlement_line_{col} ON settlement_line ({col})")
    return run_id


def settle_year(
    year: int,
    *,
    url: str | None = None,
    policy_path: Path | Sequence[Path] | None = None,
    out: Path | None = None,
    progress: Progress | None = None,
    engine: Literal["duckdb", "spark"] = "duckdb",
    actor: str = "cli",
    optimal: bool = True,
) -> SettleSummary:
    """Settle all claims settled in ``year``; store the run and lines; optionally write ``out``.

    ``policy_path`` is one file, several dated files of one region (a policy change within the
    year, see ``policy_set``) or a directory of them. ``optimal``: where the policy permits several
    layer orders, each person-year gets the order paying most (on either engine).
    """
    given = policy_path or default_policy_path()
    paths = [given] if isinstance(given, Path) else list(given)
    policy = load_policy_set(paths)
    files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    _check_year(policy, year, paths)
    sha = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    orders = permitted_orders(policy)
    use_optimal = optimal and len(orders) > 1
    started = datetime.now(UTC)
    db = engine_for(url)
    claims, roster = read_year(db, year, progress)
    con = duckdb.connect()
    try:
        build_input(con, claims, roster)
        if progress:
            progress("settle", 0, 1)
        _run_engine(con, policy, engine, use_optimal)
        if progress:
            progress("settle", 1, 1)
        by_layer = {str(k): int(v) for k, v in con.sql(
            "SELECT layer, sum(paid_fen) FROM lines GROUP BY layer").fetchall()}
        n_lines = _count(con, "lines")
        run = {"year": year, "policy_id": policy.id, "policy_sha256": sha,
               "layer_order": (f"optimal of {len(orders)}: " if use_optimal else "")
               + ",".join(layer.id for layer in policy.layers), "engine": engine,
               "claims": claims.num_rows, "lines": n_lines, "paid_fen": sum(by_layer.values()),
               "started_at": started, "finished_at": datetime.now(UTC), "actor": actor}
        run_id = _store(db, con, run, progress)
        if out is not None:
            write_output(con, out)
    finally:
        con.close()
    return SettleSummary(year, run_id, policy.id, engine, claims.num_rows, n_lines, sum(by_layer.values()),
                         by_layer, out)
