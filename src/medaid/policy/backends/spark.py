"""Spark backend (local mode in tests, a cluster for a province): the same compiled SQL, Spark dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

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


def spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {pa.string(): T.StringType(), pa.date32(): T.DateType(), pa.int32(): T.IntegerType(),
               pa.int64(): T.LongType(), pa.bool_(): T.BooleanType()}
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])
