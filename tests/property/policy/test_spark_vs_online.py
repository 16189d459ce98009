"""The Spark dialect of the compiled policy agrees with the online evaluator (fewer examples: slow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from medaid.policy import Claim, Policy
from medaid.policy.batch import claims_to_arrow
from tests.property.policy.strategies import claim_streams, policies
from tests.property.policy.test_online_vs_batch import batch_lines, check_invariants, online_lines

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from medaid.policy.backends.spark import local_session

    session = local_session("medaid-tests", cores=1)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(policy=policies(), stream=claim_streams())
def test_online_equals_spark_to_the_fen(spark: Any, policy: Policy, stream: list[tuple[str, Claim]]) -> None:
    from medaid.policy.backends.spark import settle_arrow

    online = online_lines(policy, stream)
    assert batch_lines(settle_arrow(claims_to_arrow(stream), policy, spark=spark)) == online
    check_invariants(policy, stream, online)
