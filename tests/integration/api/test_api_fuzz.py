"""Generated requests against every GET in the OpenAPI schema (schemathesis): never a 5xx, and every
error is problem+json. Runs as a token holder with every permission, on both databases."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration


@pytest.fixture
def api_schema(env: Env):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/openapi.json", env.client.app).include(method="GET")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_get_endpoints_never_fail_with_5xx(case, env: Env) -> None:  # type: ignore[no-untyped-def]
    headers = getattr(env, "_fuzz_headers", None)
    if headers is None:
        headers = env.token("admin", "loads:read", "jobs:read", "people:read", "dashboard:read")
        env._fuzz_headers = headers  # type: ignore[attr-defined]
    response = case.call(headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
