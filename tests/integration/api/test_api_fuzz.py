"""Generated requests against every GET in the OpenAPI schema (schemathesis strategies + Hypothesis):
never a 5xx, and every error is problem+json. Runs with a token holding every read permission, on
both databases. (Schemathesis' own pytest plugin does not work with pytest 9, so the strategies are
driven directly.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration


def test_get_endpoints_never_fail_with_5xx(env: Env) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", env.client.app).include(method="GET")
    headers = env.token("admin", "loads:read", "jobs:read", "people:read", "dashboard:read")
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: list[int] = []
    assert len(operations) >= 6

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            calls.append(response.status_code)
            assert response.status_code < 500, (case.path, case.path_parameters, case.query, response.text)
            if response.status_code >= 400:
                content_type = response.headers["content-type"]  # schemathesis gives header lists
                assert "application/problem+json" in (content_type if isinstance(content_type, str) else content_type[0])

        check()
    assert len(calls) > 3 * len(operations)  # the strategies really generated requests
