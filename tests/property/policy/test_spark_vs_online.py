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
from tests.property.policy.test_optimal_batch import XINJIN_STREAM, lines_of, online_optimal, xinjin

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


def test_spark_settles_the_reference_multidepartment_policy_as_duckdb(spark: Any) -> None:
    """xinjin (7 layers) nests deeper than Spark's default 100 analyzer passes; ``local_session`` allows
    more. One order here: all 120 of its orders on Spark take minutes (one job each), and the choice
    between orders is ``duckdb.settle_optimal``'s (property-tested on DuckDB; on Spark in the test below)."""
    from medaid.policy.backends.duckdb import settle_arrow as duck_settle
    from medaid.policy.backends.spark import settle_arrow

    claims = claims_to_arrow(XINJIN_STREAM)
    assert batch_lines(settle_arrow(claims, xinjin(), spark=spark)) == batch_lines(duck_settle(claims, xinjin()))


def _xinjin_three_movable() -> Policy:
    """xinjin with only civil affairs, veterans and disability free to move (6 orders, not 120):
    P1 of ``XINJIN_STREAM`` is paid most with disability first, so the file order is not the answer."""
    policy = xinjin()
    pinned = {"union": ["civil_affairs", "veterans", "disability"], "revitalisation": ["union"],
              "bottom_line": ["revitalisation"]}
    layers = [layer.model_copy(update={"after": pinned[layer.id]}) if layer.id in pinned else layer
              for layer in policy.layers]
    return policy.model_copy(update={"layers": layers})


def test_spark_optimal_moves_disability_first_for_the_multi_category_person(spark: Any) -> None:
    from medaid.policy.backends.spark import settle_optimal_arrow
    from medaid.policy.optimal import permitted_orders

    policy = _xinjin_three_movable()
    assert len(permitted_orders(policy)) == 6
    lines = lines_of(settle_optimal_arrow(claims_to_arrow(XINJIN_STREAM), policy, spark=spark))
    assert lines == online_optimal(policy, XINJIN_STREAM)
    assert lines[("a2", "disability")][0] < lines[("a2", "civil_affairs")][0]  # not the file's order
