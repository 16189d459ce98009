"""The same model runs on Spark (province scale) and agrees with DuckDB on a small set."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from medaid.linkage.engine import link_records
from tests.unit.linkage.test_engine import rec

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pyspark = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None:
        pytest.skip("no Java for local Spark")
    session = (pyspark.SparkSession.builder.master("local[1]").appName("medaid-linkage-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("spark-checkpoints")))  # Splink needs one
    yield session
    session.stop()


def test_spark_and_duckdb_agree(spark: Any) -> None:
    records = pd.DataFrame([
        rec("person:1:2", "王晓明", token="t1", birth="1960-05-01", sex="M", address="东村1号", hint="370830001"),
        rec("roster:2:3", "王小明", hint="370830001", source="roster"),
        rec("person:1:3", "李四", token="t2", birth="1970-01-01", sex="F", hint="370830002"),
    ])
    duck = link_records(records).assignments.set_index("unique_id")["person_key"]
    on_spark = link_records(records, spark=spark).assignments.set_index("unique_id")["person_key"]
    assert duck.to_dict() == on_spark.to_dict()
    assert duck["roster:2:3"] == "t1"
