"""Generated requests against every write endpoint (POST/PUT/PATCH/DELETE) in the OpenAPI schema:
never a 5xx, errors are problem+json, and without credentials nothing is ever accepted (401).
Schemathesis strategies driven by Hypothesis directly (its pytest plugin does not work under pytest 9),
on both databases, with a token holding every permission of the admin role."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from medaid.api.roles import Permission
from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration
WRITE = ("POST", "PUT", "PATCH", "DELETE")


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type", "")
    return value if isinstance(value, str) else value[0]  # schemathesis gives header lists


def _write_operations(env: Env) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", env.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.method.upper() in WRITE]


def test_write_endpoints_never_fail_with_5xx(env: Env) -> None:
    headers = env.token("admin", *(p.value for p in Permission))
    operations = _write_operations(env)
    assert any(op.path == "/api/v1/quote" for op in operations)
    calls: list[int] = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            sent = {**(case.headers or {}), **headers}
            response = case.call(headers=sent)
            calls.append(response.status_code)
            assert response.status_code < 500, (case.method, case.path, case.body, response.text)
            if response.status_code >= 400:
                assert "application/problem+json" in _content_type(response), (case.path, response.text)

        check()
    assert len(calls) > 3 * len(operations)


def test_write_endpoints_refuse_anonymous_callers(env: Env) -> None:
    for operation in _write_operations(env):
        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            sent = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ("authorization", "cookie")}
            response = case.call(headers=sent)
            assert response.status_code in (401, 422), (case.method, case.path, response.status_code)
            assert response.status_code != 422 or "application/problem+json" in _content_type(response)

        check()
