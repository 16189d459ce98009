"""Spark backend (local mode in tests, a cluster for a province): the same compiled SQL, Spark dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from medaid.policy.compile import compile_policy
from medaid.policy.dialects import SPARK
from medaid.policy.optimal import order_sensitive_people_sql, permitted_orders
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
            .getOrCreate())


def settle(spark: Any, policy: PolicyLike, claims: Any, *, order: Sequence[str] | None = None,
           view: str = "claims_in") -> Any:
    """Settle a Spark DataFrame of input claims (compiler's columns); returns the lines DataFrame."""
    claims.createOrReplaceTempView(view)
    return spark.sql(compile_policy(policy, SPARK, source=view, order=order).lines_sql)


def settle_optimal(spark: Any, policy: PolicyLike, claims: Any) -> Any:
    """Optimal plan at province scale: the same choice as ``optimal.optimal_plan`` and DuckDB's.

    Set-based instead of DuckDB's order-by-order loop: the file order for everyone; for the people
    the order can affect, every permitted order side by side (tagged ``_ord``), the largest total
    per person winning and ties going to the earliest order (the file's first, as online).
    """
    from functools import reduce

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = permitted_orders(policy)
    first = settle(spark, policy, claims, order=orders[0], view="opt_claims_0")
    if len(orders) == 1:
        return first
    claims.createOrReplaceTempView("opt_claims_all")
    people = spark.sql(order_sensitive_people_sql(policy, "opt_claims_all"))
    sensitive = claims.join(people, "person", "left_semi")
    tried = [first.join(people, "person", "left_semi").withColumn("_ord", F.lit(0))]
    tried += [settle(spark, policy, sensitive, order=order, view=f"opt_claims_{i}").withColumn("_ord", F.lit(i))
              for i, order in enumerate(orders[1:], start=1)]
    every = reduce(lambda a, b: a.unionByName(b), tried)
    totals = every.groupBy("person", "_ord").agg(F.sum("paid_fen").alias("_total"))
    rank = Window.partitionBy("person").orderBy(F.desc("_total"), F.asc("_ord"))
    best = totals.withColumn("_rank", F.row_number().over(rank)).where("_rank = 1").select("person", "_ord")
    chosen = every.join(best, ["person", "_ord"], "left_semi").drop("_ord")
    return first.join(people, "person", "left_anti").unionByName(chosen)


def settle_arrow(claims: pa.Table, policy: PolicyLike, *, spark: Any = None,
                 order: Sequence[str] | None = None, optimal: bool = False) -> pa.Table:
    """Arrow in, Arrow out, through a (local) Spark session; ``optimal`` picks the best order per person."""
    spark = spark or local_session()
    schema = spark_schema(claims.schema)
    # integer_object_nulls keeps nullable fen columns integral (NaN would turn them into doubles)
    df = spark.createDataFrame(claims.to_pandas(integer_object_nulls=True) if claims.num_rows else [], schema)
    lines = settle_optimal(spark, policy, df) if optimal else settle(spark, policy, df, order=order)
    return pa.Table.from_pandas(lines.toPandas(), preserve_index=False)


def spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {pa.string(): T.StringType(), pa.date32(): T.DateType(), pa.int32(): T.IntegerType(),
               pa.int64(): T.LongType(), pa.bool_(): T.BooleanType()}
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])
