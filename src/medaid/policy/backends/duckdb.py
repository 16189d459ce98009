"""DuckDB backend: runs compiled policy SQL in-process over an Arrow table or a DuckDB relation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa

from medaid.policy.compile import compile_policy
from medaid.policy.dialects import DUCKDB
from medaid.policy.optimal import order_sensitive_layers, permitted_orders
from medaid.policy.policy_set import PolicyLike


def settle(con: duckdb.DuckDBPyConnection, policy: PolicyLike, *, source: str = "claims_in",
           order: Sequence[str] | None = None, into: str | None = None) -> pa.Table | None:
    """Settle every claim of relation ``source``; store lines in table ``into`` or return Arrow."""
    sql = compile_policy(policy, DUCKDB, source=source, order=order).lines_sql
    if into:
        con.execute(f"CREATE OR REPLACE TABLE {into} AS {sql}")
        return None
    return con.sql(sql).to_arrow_table()


SettleInto = Callable[[str, Sequence[str], str], None]
"""``(source, order, into)``: settle DuckDB relation ``source`` in ``order`` into DuckDB table ``into``."""


def settler(con: duckdb.DuckDBPyConnection, policy: PolicyLike) -> SettleInto:
    """Settle DuckDB relations in DuckDB itself (``backends.spark.settler`` is the Spark twin)."""

    def run(source: str, order: Sequence[str], into: str) -> None:
        settle(con, policy, source=source, order=order, into=into)

    return run


def settle_optimal(con: duckdb.DuckDBPyConnection, policy: PolicyLike, *, source: str = "claims_in",
                   into: str = "lines", settle_into: SettleInto | None = None) -> int:
    """Optimal plan in batch (seed 003): per person-year, the permitted order paying the most.

    Same choice as ``optimal.optimal_plan``: largest total over all layers, ties to the earliest
    order in ``permitted_orders`` (the file's order first). Each order is one compiled query; only
    people for whom the order can matter (holding the categories of two or more movable layers,
    or any if two movable layers are open to all) are settled again. Returns the orders tried.

    ``settle_into`` runs the compiled query elsewhere (Spark); the choice of order per person
    stays here, so every engine chooses exactly alike. Default: DuckDB itself.
    """
    run = settle_into or settler(con, policy)
    orders = permitted_orders(policy)
    run(source, orders[0], into)
    if len(orders) == 1:
        return 1
    movable = order_sensitive_layers(policy)
    open_to_all = sum(1 for layer in movable if layer.eligible == "all")
    hits = " + ".join(
        "1" if layer.eligible == "all" else
        f"CASE WHEN bool_or({' OR '.join(f'cat_{t}' for t in sorted(set(layer.eligible)))}) THEN 1 ELSE 0 END"
        for layer in movable)
    where = "" if open_to_all >= 2 else f"HAVING {hits} >= 2"
    con.execute(f"CREATE OR REPLACE TEMP TABLE opt_people AS SELECT person FROM {source} GROUP BY person {where}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW opt_in AS SELECT * FROM {source} "
                "WHERE person IN (SELECT person FROM opt_people)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE opt_best AS SELECT * FROM {into} "
                "WHERE person IN (SELECT person FROM opt_people)")
    con.execute("CREATE OR REPLACE TEMP TABLE opt_total AS SELECT person, sum(paid_fen) AS total "
                "FROM opt_best GROUP BY person")
    for order in orders[1:]:
        run("opt_in", order, "opt_cur")
        # strictly more only: a tie keeps the earlier order, as online
        con.execute("CREATE OR REPLACE TEMP TABLE opt_better AS SELECT c.person, c.total FROM "
                    "(SELECT person, sum(paid_fen) AS total FROM opt_cur GROUP BY person) c "
                    "JOIN opt_total b USING (person) WHERE c.total > b.total")
        if con.sql("SELECT count(*) FROM opt_better").fetchall()[0][0] == 0:
            continue
        con.execute("DELETE FROM opt_best WHERE person IN (SELECT person FROM opt_better)")
        con.execute("INSERT INTO opt_best SELECT * FROM opt_cur WHERE person IN (SELECT person FROM opt_better)")
        con.execute("UPDATE opt_total SET total = b.total FROM opt_better b WHERE opt_total.person = b.person")
    con.execute(f"DELETE FROM {into} WHERE person IN (SELECT person FROM opt_people)")
    con.execute(f"INSERT INTO {into} SELECT * FROM opt_best")
    for t in ("opt_cur", "opt_best", "opt_total", "opt_better", "opt_people"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.execute("DROP VIEW IF EXISTS opt_in")
    return len(orders)


def settle_arrow(claims: pa.Table, policy: PolicyLike, *, order: Sequence[str] | None = None,
                 optimal: bool = False) -> pa.Table:
    """Convenience for tests and small jobs: a fresh in-memory DuckDB over ``claims``."""
    con = duckdb.connect()
    try:
        con.register("claims_in", claims)
        if optimal:
            settle_optimal(con, policy, into="lines")
            return con.sql("SELECT * FROM lines").to_arrow_table()
        result = settle(con, policy, order=order)
        assert result is not None
        return result
    finally:
        con.close()
