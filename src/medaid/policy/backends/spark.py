"""Spark backend (local mode in tests, a cluster for a province): the same compiled SQL, Spark dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from medaid.policy.backends.duckdb import SettleInto, settle_optimal
from medaid.policy.batch import SCHEMA
from medaid.policy.compile import compile_policy
from medaid.policy.dialects import SPARK
from medaid.policy.policy_set import PolicyLike


def local_session(app: str = "medaid-settle", cores: int = 2) -> Any:
    """A small local SparkSession; callers keep one per process (start-up takes seconds)."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(f"local[{cores}]").appName(app)
            .config("spark.sql.shuffle.partitions", str(cores * 2))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            # a many-layer policy (xinjin: 7 layers, each a window over the person's year) nests
            # deeper than the analyzer's default 100 resolution passes
            .config("spark.sql.analyzer.maxIterations", "1000")
            .getOrCreate())


def settle(spark: Any, policy: PolicyLike, claims: Any, *, order: Sequence[str] | None = None) -> Any:
    """Settle a Spark DataFrame of input claims (compiler's columns); returns the lines DataFrame."""
    claims.createOrReplaceTempView("claims_in")
    return spark.sql(compile_policy(policy, SPARK, source="claims_in", order=order).lines_sql)


def settle_arrow(claims: pa.Table, policy: PolicyLike, *, spark: Any = None,
                 order: Sequence[str] | None = None) -> pa.Table:
    """Arrow in, Arrow out, through a (local) Spark session."""
    spark = spark or local_session()
    schema = spark_schema(claims.schema)
    # integer_object_nulls keeps nullable fen columns integral (NaN would turn them into doubles)
    df = spark.createDataFrame(claims.to_pandas(integer_object_nulls=True) if claims.num_rows else [], schema)
    result = settle(spark, policy, df, order=order).toPandas()
    return pa.Table.from_pandas(result, preserve_index=False)


def settler(con: duckdb.DuckDBPyConnection, policy: PolicyLike, spark: Any) -> SettleInto:
    """Settle DuckDB relations on Spark, lines back into DuckDB: the engine ``settle_optimal`` drives.

    One Spark job per order rather than one plan over all orders: a union of xinjin's 120 orders
    exceeds what Spark's analyzer (then the driver's heap) takes. The choice of order per person
    stays in ``duckdb.settle_optimal``, so both engines choose exactly alike."""

    def run(source: str, order: Sequence[str], into: str) -> None:
        table = con.sql(f"SELECT {', '.join(SCHEMA.names)} FROM {source}").to_arrow_table()
        con.register("spark_lines", settle_arrow(table, policy, spark=spark, order=order))
        con.execute(f"CREATE OR REPLACE TABLE {into} AS SELECT * FROM spark_lines")
        con.unregister("spark_lines")

    return run


def settle_optimal_arrow(claims: pa.Table, policy: PolicyLike, *, spark: Any = None) -> pa.Table:
    """The optimal plan per person-year (seed 003) with Spark settling every permitted order."""
    spark = spark or local_session()
    con = duckdb.connect()
    try:
        con.register("claims_in", claims)
        settle_optimal(con, policy, into="lines", settle_into=settler(con, policy, spark))
        return con.sql("SELECT * FROM lines").to_arrow_table()
    finally:
        con.close()


def spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {pa.string(): T.StringType(), pa.date32(): T.DateType(), pa.int32(): T.IntegerType(),
               pa.int64(): T.LongType(), pa.bool_(): T.BooleanType()}
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])
