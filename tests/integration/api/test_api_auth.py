"""The JSON API on both databases: authentication, scopes, object scope, problem+json, no 500s."""

from __future__ import annotations

import io

import pytest

from tests.integration.api.conftest import TOWN_A, TOWN_B, Env

pytestmark = pytest.mark.integration


def _is_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"] and body["detail_zh"] and body["title_zh"]
    return body


def test_health_needs_no_credentials(env: Env) -> None:
    body = env.client.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


@pytest.mark.parametrize(("path", "status", "no_store"), [
    ("/api/v1/health", 200, True), ("/api/v1/me", 401, True), ("/login", 200, True), ("/static/medaid.css", 200, False),
])
def test_security_headers_on_every_answer(env: Env, path: str, status: int, no_store: bool) -> None:
    response = env.client.get(path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert (response.headers.get("Cache-Control") == "no-store") is no_store


def test_everything_else_needs_credentials(env: Env) -> None:
    for path in ("/api/v1/me", "/api/v1/loads", "/api/v1/loads/1", "/api/v1/jobs", f"/api/v1/townships/{TOWN_A}/people"):
        body = _is_problem(env.client.get(path), 401)
        assert body["detail_zh"] == "请先登录"
    _is_problem(env.client.get("/api/v1/me", headers={"Authorization": "Bearer mda_wrong"}), 401)


def test_token_scopes_narrow_the_role(env: Env) -> None:
    headers = env.token("clerk", "loads:read")
    me = env.client.get("/api/v1/me", headers=headers).json()
    assert me["role"] == "clerk" and me["permissions"] == ["loads:read"] and me["via"] == "token"
    loads = env.client.get("/api/v1/loads", headers=headers).json()
    assert loads[0]["rows_rejected"] == 1
    detail = env.client.get("/api/v1/loads/1", headers=headers).json()
    assert detail["rejects"] == [{"row_number": 5, "field": "id_number", "reason": "id_check_digit"}]
    _is_problem(env.client.get("/api/v1/jobs", headers=headers), 403)


def test_token_cannot_exceed_the_role(env: Env) -> None:
    """An analyst's token asking for people:read still gets no personal data (aggregates only)."""
    headers = env.token("analyst", "people:read", "loads:read")
    _is_problem(env.client.get(f"/api/v1/townships/{TOWN_A}/people", headers=headers), 403)
    assert env.client.get("/api/v1/loads", headers=headers).status_code == 200


def test_read_only_roles_cannot_upload(env: Env) -> None:
    headers = env.token("supervisor", "loads:read")
    files = {"file": ("persons.csv", b"id_number\n", "text/csv")}
    _is_problem(env.client.post("/api/v1/loads", headers=headers, files=files), 403)


def test_township_sees_own_township_only_and_denials_are_logged(env: Env) -> None:
    headers = env.token("township", "people:read")
    own = env.client.get(f"/api/v1/townships/{TOWN_A}/people", headers=headers).json()
    assert own["total"] == 2
    assert all("********" in p["id_masked"] for p in own["items"])
    other = _is_problem(env.client.get(f"/api/v1/townships/{TOWN_B}/people", headers=headers), 404)
    missing = _is_problem(env.client.get("/api/v1/townships/370830999/people", headers=headers), 404)
    assert other["detail"].replace(TOWN_B, "X") == missing["detail"].replace("370830999", "X")  # indistinguishable
    actions = env.audit_actions()
    assert ("township", "access.denied", f"township:{TOWN_B}") in actions
    assert ("township", "sensitive_read", f"township:{TOWN_A}") in actions


def test_clerk_sees_every_township(env: Env) -> None:
    headers = env.token("clerk", "people:read")
    assert env.client.get(f"/api/v1/townships/{TOWN_B}/people", headers=headers).json()["total"] == 1


@pytest.mark.parametrize("path", [
    "/api/v1/loads?limit=abc", "/api/v1/loads?limit=100000", "/api/v1/loads/notanumber",
    "/api/v1/townships/12/people", "/api/v1/jobs/1.5",
])
def test_bad_input_is_422_problem(env: Env, path: str) -> None:
    body = _is_problem(env.client.get(path, headers=env.token("admin", "loads:read", "jobs:read", "people:read")), 422)
    assert body["errors"]


def test_nul_in_the_query_is_400_problem_not_a_driver_error(env: Env) -> None:
    """PostgreSQL text cannot hold NUL: the fuzz tests once drove one into a LIKE and got a 500."""
    headers = env.token("admin", "people:read", "loads:read")
    body = _is_problem(env.client.get("/api/v1/people/search?q=%00", headers=headers), 400)
    assert "NUL" in body["detail"] and "空字符" in body["detail_zh"]
    _is_problem(env.client.get("/api/v1/people/search?q=%E5%BC%A0%00x", headers=headers), 400)
    assert env.client.get("/api/v1/people/search?q=%E5%BC%A0", headers=headers).status_code == 200


def test_unknown_objects_are_404_problem(env: Env) -> None:
    headers = env.token("admin", "loads:read", "jobs:read")
    _is_problem(env.client.get("/api/v1/loads/999", headers=headers), 404)
    _is_problem(env.client.get("/api/v1/jobs/999", headers=headers), 404)
    _is_problem(env.client.get("/api/v1/nothing-here", headers=headers), 404)


def test_upload_rejects_a_non_contract_name(env: Env) -> None:
    headers = env.token("clerk", "loads:write")
    files = {"file": ("holiday.csv", b"a,b\n", "text/csv")}
    body = _is_problem(env.client.post("/api/v1/loads", headers=headers, files=files), 422)
    assert "persons.csv" in body["detail_zh"]


def test_idempotency_key_replays_and_conflicts(env: Env) -> None:
    headers = env.token("clerk", "loads:write") | {"Idempotency-Key": "k-1"}

    def post(content: bytes):  # type: ignore[no-untyped-def]
        return env.client.post("/api/v1/loads", headers=headers,
                               files={"file": ("deaths.csv", io.BytesIO(content), "text/csv")})

    first = post(b"id_number,name,death_date\n")
    assert first.status_code == 202
    again = post(b"id_number,name,death_date\n")
    assert again.status_code == 202 and again.json() == first.json()
    _is_problem(post(b"different\n"), 409)


def test_openapi_lists_the_v1_paths(env: Env) -> None:
    paths = env.client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/health", "/api/v1/me", "/api/v1/loads", "/api/v1/loads/{load_id}", "/api/v1/jobs",
            "/api/v1/jobs/{job_id}"} <= set(paths)
    assert not any(p.startswith("/login") for p in paths)


def test_uploads_do_not_stay_on_disk(env: Env) -> None:
    """Uploaded files hold unmasked ID numbers: gone after the job, and replays keep nothing."""
    headers = env.token("clerk", "loads:write", "jobs:read") | {"Idempotency-Key": "k-2"}
    files = {"file": ("deaths.csv", b"id_number,name,death_date\n", "text/csv")}
    first = env.client.post("/api/v1/loads", headers=headers, files=files).json()
    env.client.post("/api/v1/loads", headers=headers, files=files)
    env.client.app.state.jobs.shutdown(wait=True)  # let the job finish
    job = env.client.get(first["status_url"], headers=headers).json()
    assert job["status"] in ("succeeded", "failed")
    uploads = env.client.app.state.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.rglob("*.csv"))
