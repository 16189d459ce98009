"""Bulk writes of a validated file into the store, inside the caller's transaction.

SQLite: ``executemany`` on the raw DBAPI cursor, fed in batches from DuckDB (one transaction, no ORM).
PostgreSQL: DuckDB writes CSV to a temporary file which is streamed through ``COPY … FROM STDIN``.
Keyed kinds (claims, deaths) go through a staging table on PostgreSQL so ``ON CONFLICT`` can
apply; on SQLite the upsert is the insert itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection, Table, text

from medaid.ingest.contract import KindSpec, Supersede
from medaid.ingest.read import SOURCE_ROW
from medaid.ingest.validate import q, reject_json_sql
from medaid.store.tables import identity, reject

BATCH_ROWS = 50_000          # SQLite executemany batch
COPY_CHUNK_BYTES = 8 << 20   # PostgreSQL COPY write size
Progress = Callable[[int], None]


def _select_for(spec: KindSpec, load_id: int, *, sqlite: bool) -> tuple[list[str], str]:
    """(table columns, DuckDB SELECT over ``accepted`` producing them in that order)."""
    by_target = {f.target: f for f in spec.fields}
    cols, exprs = [], []
    for column in spec.table.columns:
        name = column.name
        if name in by_target:
            expr = q(by_target[name].name)
        elif name == "name_norm":
            expr = "name_norm"
        elif name == "load_id":
            expr = str(load_id)
        elif name == SOURCE_ROW:
            expr = SOURCE_ROW
        else:  # a column the contract does not fill (added later): leave it to its default
            continue
        if sqlite:
            expr = _sqlite_value(column.type.python_type if _has_python_type(column) else str, expr)
        cols.append(name)
        exprs.append(expr)
    return cols, f"SELECT {', '.join(exprs)} FROM accepted ORDER BY {SOURCE_ROW}"


def _has_python_type(column: Any) -> bool:
    try:
        column.type.python_type  # noqa: B018
    except NotImplementedError:
        return False
    return True


def _sqlite_value(python_type: type, expr: str) -> str:
    """SQLite stores dates as ISO text and booleans as 0/1, as SQLAlchemy does."""
    import datetime as dt

    if python_type is dt.date:
        return f"CAST({expr} AS VARCHAR)"
    if python_type is bool:
        return f"CAST({expr} AS INTEGER)"
    return expr


def _sqlite_insert(conn: Connection, table: str, cols: Sequence[str], con: duckdb.DuckDBPyConnection,
                   select: str, *, on_conflict: str = "", progress: Progress | None = None) -> int:
    placeholders = ", ".join("?" for _ in cols)
    # A bigger page cache for this connection: index upkeep on random tokens thrashes the 2 MiB default.
    conn.exec_driver_sql("PRAGMA cache_size = -131072")  # 128 MiB
    sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({placeholders}) {on_conflict}'
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    result = con.execute(select)
    done = 0
    try:
        while batch := result.fetchmany(BATCH_ROWS):
            cursor.executemany(sql, batch)
            done += len(batch)
            if progress:
                progress(done)
    finally:
        cursor.close()
    return done


def _pg_copy(conn: Connection, table: str, cols: Sequence[str], con: duckdb.DuckDBPyConnection, select: str,
             *, progress: Progress | None = None, total: int = 0) -> None:
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="medaid-copy-")
    os.close(fd)
    try:
        con.execute(f"COPY ({select}) TO '{name}' (FORMAT csv, HEADER false)")
        size = max(Path(name).stat().st_size, 1)
        raw = conn.connection.driver_connection
        assert raw is not None
        sent = 0
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN WITH (FORMAT csv)') as copy, \
                open(name, "rb") as fh:
            while chunk := fh.read(COPY_CHUNK_BYTES):
                copy.write(chunk)
                sent += len(chunk)
                if progress:
                    progress(total * sent // size)
    finally:
        os.unlink(name)


def _upsert(conn: Connection, table: Table, cols: Sequence[str], key: str, con: duckdb.DuckDBPyConnection,
            select: str, *, update: bool, progress: Progress | None = None, total: int = 0) -> None:
    action = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in cols if c != key)) if update else "DO NOTHING"
    conflict = f"ON CONFLICT ({key}) {action}"
    if conn.dialect.name == "sqlite":
        _sqlite_insert(conn, table.name, cols, con, select, on_conflict=conflict, progress=progress)
        return
    stage = f"_stage_{table.name}"
    conn.execute(text(f'CREATE TEMP TABLE {stage} (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP'))
    _pg_copy(conn, stage, cols, con, select, progress=progress, total=total)
    col_list = ", ".join(cols)
    conn.execute(text(f'INSERT INTO "{table.name}" ({col_list}) SELECT {col_list} FROM {stage} {conflict}'))
    conn.execute(text(f"DROP TABLE {stage}"))


def write_identities(conn: Connection, con: duckdb.DuckDBPyConnection) -> None:
    """New ID numbers into the vault; an existing token keeps its stored ciphertext."""
    sqlite = conn.dialect.name == "sqlite"
    cols = [c.name for c in identity.columns]
    exprs = ["CAST(birth_date AS VARCHAR)" if sqlite and c == "birth_date" else c for c in cols]
    incoming = int((con.execute("SELECT count(*) FROM identities").fetchone() or (0,))[0])
    recreate = _sqlite_drop_indexes_for_bulk(conn, identity.name, incoming) if sqlite else []
    _upsert(conn, identity, cols, "id_token", con, f"SELECT {', '.join(exprs)} FROM identities", update=False)
    for sql in recreate:
        conn.execute(text(sql))


def scope_of(spec: KindSpec, con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """Values of the snapshot scope column in the accepted rows (None: the whole table)."""
    if spec.supersede is not Supersede.SNAPSHOT or spec.scope_field is None:
        return None
    rows = con.execute(f"SELECT DISTINCT coalesce(CAST({q(spec.scope_field)} AS VARCHAR), '') AS s FROM accepted "
                       "ORDER BY s").fetchall()
    return [r[0] for r in rows]


def supersede_snapshot(conn: Connection, spec: KindSpec, scope: list[str] | None) -> None:
    """Delete the previous snapshot rows of the same scope (before the new rows go in)."""
    table = spec.table.name
    if scope is None:
        conn.execute(text(f'DELETE FROM "{table}"'))
        return
    column = spec.scope_field
    assert column is not None
    is_int = spec.table.c[column].type.python_type is int
    params = {f"s{i}": (int(v) if is_int else v) for i, v in enumerate(scope)}
    where = ", ".join(f":s{i}" for i in range(len(scope)))
    target = column if is_int else f"coalesce({column}, '')"
    conn.execute(text(f'DELETE FROM "{table}" WHERE {target} IN ({where})'), params)


def mark_superseded(conn: Connection, spec: KindSpec, load_id: int) -> int:
    """Older loads of this kind with no rows left are 'superseded'; returns how many."""
    result = conn.execute(text(
        f"""UPDATE "load" SET status = 'superseded' WHERE kind = :kind AND status = 'loaded' AND id <> :id
            AND NOT EXISTS (SELECT 1 FROM "{spec.table.name}" t WHERE t.load_id = "load".id)"""),
        {"kind": spec.kind, "id": load_id})
    return int(result.rowcount or 0)


REBUILD_INDEXES_ABOVE = 100_000


def _sqlite_drop_indexes_for_bulk(conn: Connection, table: str, incoming: int) -> list[str]:
    """Drop the plain secondary indexes of ``table`` when the insert dwarfs what is there.

    Building an index once over sorted data is several times faster than updating it per row
    (random tokens); worth it for the first load of a county. Unique indexes stay (upserts need
    them). Returns the CREATE statements to run afterwards; DDL is transactional in SQLite.
    """
    if incoming < REBUILD_INDEXES_ABOVE:
        return []
    existing = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
    if existing > incoming:
        return []
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                             "AND sql IS NOT NULL"), {"t": table}).all()
    plain = [(name, sql) for name, sql in rows if "UNIQUE" not in sql.upper()]
    for name, _ in plain:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [sql for _, sql in plain]


def write_rows(conn: Connection, spec: KindSpec, con: duckdb.DuckDBPyConnection, load_id: int, *,
               accepted: int, progress: Progress | None = None) -> None:
    sqlite = conn.dialect.name == "sqlite"
    cols, select = _select_for(spec, load_id, sqlite=sqlite)
    recreate = _sqlite_drop_indexes_for_bulk(conn, spec.table.name, accepted) if sqlite else []
    _write_rows(conn, spec, con, cols, select, accepted=accepted, progress=progress)
    for sql in recreate:  # on failure the rollback brings the dropped indexes back
        conn.execute(text(sql))
    if not sqlite:
        # Fresh statistics in the same transaction: until autovacuum gets round to it, the planner
        # would take a freshly loaded table for a few rows and pick scans that touch a whole year's
        # claims per quote (decision 0011). ANALYZE samples, so it costs a second or so per table.
        conn.execute(text(f'ANALYZE "{spec.table.name}"'))


def _write_rows(conn: Connection, spec: KindSpec, con: duckdb.DuckDBPyConnection, cols: list[str], select: str,
                *, accepted: int, progress: Progress | None) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if spec.supersede is Supersede.KEYED:
        assert spec.key is not None
        _upsert(conn, spec.table, cols, spec.key, con, select, update=True, progress=progress, total=accepted)
    elif sqlite:
        _sqlite_insert(conn, spec.table.name, cols, con, select, progress=progress)
    else:
        _pg_copy(conn, spec.table.name, cols, con, select, progress=progress, total=accepted)


def write_rejects(conn: Connection, con: duckdb.DuckDBPyConnection, load_id: int, file_name: str,
                  columns: list[str]) -> None:
    """Reject rows; ID problems keep the stem token, birth date and sex of a well-formed first 17."""
    born = "CAST(ids.stem_birth_date AS VARCHAR)" if conn.dialect.name == "sqlite" else "ids.stem_birth_date"
    select = f"""
        SELECT {load_id}, {"'" + file_name.replace("'", "''") + "'"}, p.{SOURCE_ROW}, p.field, p.reason,
               {reject_json_sql(columns)},
               CASE WHEN p.field = 'id_number' THEN ids.stem_token END,
               CASE WHEN p.field = 'id_number' THEN {born} END,
               CASE WHEN p.field = 'id_number' THEN ids.stem_sex END
        FROM problems p JOIN raw r USING ({SOURCE_ROW}) LEFT JOIN ids ON ids.raw = r.id_number
        ORDER BY p.{SOURCE_ROW}, p.field"""
    cols = ["load_id", "file_name", "row_number", "field", "reason", "raw", "id_stem_token", "id_birth_date", "id_sex"]
    if conn.dialect.name == "sqlite":
        _sqlite_insert(conn, reject.name, cols, con, select)
    else:
        _pg_copy(conn, reject.name, cols, con, select)
