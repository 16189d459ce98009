"""DuckDB backend: runs compiled policy SQL in-process over an Arrow table or a DuckDB relation."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from medaid.policy.compile import compile_policy
from medaid.policy.dialects import DUCKDB
from medaid.policy.schema import Policy


def settle(con: duckdb.DuckDBPyConnection, policy: Policy, *, source: str = "claims_in",
           order: Sequence[str] | None = None, into: str | None = None) -> pa.Table | None:
    """Settle every claim of relation ``source``; store lines in table ``into`` or return Arrow."""
    sql = compile_policy(policy, DUCKDB, source=source, order=order).lines_sql
    if into:
        con.execute(f"CREATE OR REPLACE TABLE {into} AS {sql}")
        return None
    return con.sql(sql).to_arrow_table()


def settle_arrow(claims: pa.Table, policy: Policy, *, order: Sequence[str] | None = None) -> pa.Table:
    """Convenience for tests and small jobs: a fresh in-memory DuckDB over ``claims``."""
    con = duckdb.connect()
    try:
        con.register("claims_in", claims)
        result = settle(con, policy, order=order)
        assert result is not None
        return result
    finally:
        con.close()
