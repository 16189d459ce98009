"""Cases, parallel approvals, payouts and reports over HTTP (SQLite and PostgreSQL): department scope
(logged 404), idempotent decisions and batch writes, a batch run as a job, bank file and result
import, supervision views read-only, and the pages rendering for each role."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pytest
import sqlalchemy as sa

from medaid.api.roles import Department, Role
from medaid.api.users import create_user
from medaid.cases.service import open_cases
from medaid.store.cases_tables import aid_case, case_line, case_share
from tests.integration.api.conftest import PASSWORD, Env
from tests.integration.cases.conftest import POLICY
from tests.integration.cases.factory import County

pytestmark = pytest.mark.integration


def two_department_cases(env: Env, n: int = 2, temp_fen: int = 100000) -> list[int]:
    """``n`` cases; each also gets a civil-affairs line (``temp_fen``) and share so two departments
    must decide. The reference policy has no civil-affairs fund, so payout tests use 0 there."""
    url = env.engine.url.render_as_string(hide_password=False)
    c = County()
    for i in range(n):
        c.add_claim(f"C{i}", c.add_person(100 + i, category="dibao"))
    c.insert(env.engine)
    open_cases(url=url, year=2026, policy_path=POLICY, today=dt.date(2026, 3, 12))
    with env.engine.begin() as conn:
        ids = list(conn.execute(sa.select(aid_case.c.id).order_by(aid_case.c.id)).scalars())
        for case_id in ids:
            conn.execute(case_line.insert().values(case_id=case_id, program="temp_aid", department="civil_affairs",
                                                   planned_fen=temp_fen, amount_fen=temp_fen, rule="temp_aid.all.base",
                                                   cap_fen=None))
            conn.execute(case_share.insert().values(case_id=case_id, department="civil_affairs", status="pending",
                                                    version=1))
        create_user(conn, "ms_approver", PASSWORD, Role.APPROVER, department=Department.MEDICAL_SECURITY,
                    actor="test")
        create_user(conn, "vet_approver", PASSWORD, Role.APPROVER, department=Department.VETERANS, actor="test")
        env.users["ms_approver"] = env.users["approver"].__class__(
            *conn.execute(sa.text("SELECT id, username, display_name FROM app_user WHERE username='ms_approver'"))
            .one(), Role.APPROVER, None, Department.MEDICAL_SECURITY)
        env.users["vet_approver"] = env.users["approver"].__class__(
            *conn.execute(sa.text("SELECT id, username, display_name FROM app_user WHERE username='vet_approver'"))
            .one(), Role.APPROVER, None, Department.VETERANS)
    return ids


def decide(env: Env, headers: dict[str, str], case_id: int, action: str, key: str | None = None,
           **extra: object) -> tuple[int, dict[str, object]]:
    h = dict(headers, **({"Idempotency-Key": key} if key else {}))
    r = env.client.post(f"/api/v1/cases/{case_id}/decisions", json={"action": action, **extra}, headers=h)
    return r.status_code, r.json()


def wait_job(env: Env, headers: dict[str, str], job_id: int) -> dict[str, object]:
    for _ in range(600):  # a bound, not a timing assertion
        job = env.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_inbox_is_scoped_to_the_department_and_out_of_scope_is_a_logged_404(env: Env) -> None:
    ids = two_department_cases(env)
    ca = env.token("approver", "cases:read", "cases:approve")
    listed = env.client.get("/api/v1/cases?share_status=pending", headers=ca).json()
    assert listed["total"] == 2 and [c["case_id"] for c in listed["cases"]] == ids
    assert {s["department"] for s in listed["cases"][0]["shares"]} == {"civil_affairs", "medical_security"}
    detail = env.client.get(f"/api/v1/cases/{ids[0]}", headers=ca).json()
    assert detail["trace"] and detail["lines"] and detail["history"][0]["action"] == "open"
    assert isinstance(detail["payable_yuan"], str)  # money never a float

    vet = env.token("vet_approver", "cases:read", "cases:approve")
    assert env.client.get("/api/v1/cases", headers=vet).json()["total"] == 0
    r = env.client.get(f"/api/v1/cases/{ids[0]}", headers=vet)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert ("vet_approver", "access.denied", f"case:{ids[0]}") in env.audit_actions()
    assert decide(env, vet, ids[0], "approve")[0] == 404
    assert env.client.get("/api/v1/cases/999999", headers=ca).status_code == 404


def test_parallel_approval_is_idempotent_and_reasons_are_enforced(env: Env) -> None:
    case_id = two_department_cases(env, 1)[0]
    ca = env.token("approver", "cases:read", "cases:approve")
    ms = env.token("ms_approver", "cases:read", "cases:approve")
    first = decide(env, ms, case_id, "approve", key="ms-1")
    assert first == (200, {**first[1], "share_status": "approved", "case_status": "approving"})
    assert decide(env, ms, case_id, "approve", key="ms-1") == first  # retry: same answer, no second decision
    assert decide(env, ms, case_id, "approve")[0] == 409  # without a key: the share is already decided
    assert decide(env, ms, case_id, "deny", key="ms-1")[0] == 409  # same key, different request

    status, body = decide(env, ca, case_id, "return", key="ca-1")
    assert status == 409 and "reason" in str(body["detail"])  # a failed request frees its key
    assert decide(env, ca, case_id, "return", key="ca-1", reason="户籍待核实")[1]["case_status"] == "returned"
    assert decide(env, ca, case_id, "approve")[0] == 409  # must be resubmitted first
    assert decide(env, ca, case_id, "resubmit")[0] == 403  # approvers do not resubmit

    clerk = env.token("clerk", "cases:read", "cases:write")
    assert decide(env, clerk, case_id, "resubmit", department="civil_affairs", reason="已核实")[0] == 200
    assert decide(env, ca, case_id, "approve", department="medical_security")[0] == 403  # not your share
    assert decide(env, ca, case_id, "approve")[1]["case_status"] == "approved"
    with env.engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM case_event WHERE case_id = :c AND action = 'approve'"),
                              {"c": case_id}).scalar_one()
    assert events == 2
    sup = env.token("supervisor", "cases:read")
    assert decide(env, sup, case_id, "approve")[0] == 403  # read-only
    assert decide(env, ca, case_id, "launch")[0] == 422


def test_payout_batch_runs_as_a_job_and_the_bank_result_marks_lines_paid(env: Env) -> None:
    ids = two_department_cases(env, temp_fen=0)
    for user in ("approver", "ms_approver"):
        h = env.token(user, "cases:read", "cases:approve")
        for case_id in ids:
            assert decide(env, h, case_id, "approve")[0] == 200
    clerk = env.token("clerk", "payouts:read", "payouts:write", "jobs:read", "cases:read")
    body = {"batch_key": "2026-03-assistance-01", "program": "assistance", "year": 2026}
    r = env.client.post("/api/v1/payouts/batches", json=body, headers=clerk)
    assert r.status_code == 201 and r.json()["lines"] == 2
    assert env.client.post("/api/v1/payouts/batches", json=body, headers=clerk).status_code == 200  # same key
    assert env.client.post("/api/v1/payouts/batches", json={**body, "year": 2025}, headers=clerk).status_code == 409
    assert env.client.post("/api/v1/payouts/batches", json={**body, "batch_key": "../x"},
                           headers=clerk).status_code == 422

    run = env.client.post(f"/api/v1/payouts/batches/{body['batch_key']}/run",
                          headers={**clerk, "Idempotency-Key": "run-1"})
    assert run.status_code == 202
    again = env.client.post(f"/api/v1/payouts/batches/{body['batch_key']}/run",
                            headers={**clerk, "Idempotency-Key": "run-1"})
    assert again.json()["job_id"] == run.json()["job_id"]  # the retry did not start a second job
    job = wait_job(env, clerk, run.json()["job_id"])
    assert job["status"] == "succeeded" and job["result"]["issued"] == 2, job
    assert env.client.post("/api/v1/payouts/batches/nope/run", headers=clerk).status_code == 404

    bank = env.client.get(f"/api/v1/payouts/batches/{body['batch_key']}/bank-file", headers=clerk)
    rows = list(csv.DictReader(io.StringIO(bank.text)))
    assert len(rows) == 2 and all(r["amount_yuan"] for r in rows)
    result = "line_key,result,bank_ref,reason\n" + "".join(f"{r['line_key']},paid,B{i},\n" for i, r in enumerate(rows))
    files = {"file": ("result.csv", result.encode(), "text/csv")}
    imported = env.client.post("/api/v1/payouts/results", files=files, headers={**clerk, "Idempotency-Key": "res-1"})
    assert imported.json()["paid"] == 2
    assert env.client.post("/api/v1/payouts/results", files=files, headers=clerk).json()["unchanged"] == 2
    bad = env.client.post("/api/v1/payouts/results", files={"file": ("r.csv", b"a,b\n1,2\n", "text/csv")},
                          headers=clerk)
    assert bad.status_code == 422

    batch = env.client.get(f"/api/v1/payouts/batches/{body['batch_key']}", headers=clerk).json()
    assert batch["states"] == {"paid": 2}
    assert env.client.get(f"/api/v1/cases/{ids[0]}", headers=clerk).json()["status"] == "paid"
    sup = env.token("supervisor", "payouts:read")
    assert env.client.get("/api/v1/payouts/batches", headers=sup).status_code == 200
    assert env.client.post("/api/v1/payouts/batches", json=body, headers=sup).status_code == 403

    analyst = env.token("analyst", "dashboard:read")
    funds = env.client.get("/api/v1/reports/funds?year=2026", headers=analyst).json()
    assert any(f["program"] == "assistance" and f["paid_yuan"] != "0.00" for f in funds)
    assert len(env.client.get("/api/v1/reports/indicators?year=2026", headers=analyst).json()) == 12
    assert env.client.get("/api/v1/reports/funnel?year=2026", headers=analyst).json()["months"][0]["completed"] == 2
    assert env.client.get("/api/v1/reports/supervision/overdue", headers=analyst).status_code == 403


def test_supervisor_sees_overdue_cases_and_exports_them(env: Env) -> None:
    ids = two_department_cases(env, 1)  # opened in March 2026, due in April: overdue by now
    sup = env.token("supervisor", "supervise:read")
    rows = env.client.get("/api/v1/reports/supervision/overdue?year=2026", headers=sup).json()
    assert [r["case_id"] for r in rows] == ids
    assert env.client.get("/api/v1/reports/supervision/nonsense", headers=sup).status_code == 422
    env.login("supervisor")
    page = env.client.get("/supervise?year=2026")
    assert page.status_code == 200 and 'data-testid="count-overdue">1<' in page.text
    xlsx = env.client.get("/supervise/overdue?year=2026&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert ("supervisor", "supervise.export", "view:overdue") in env.audit_actions()


def test_pages_render_and_approver_decides_through_the_form(env: Env) -> None:
    case_id = two_department_cases(env, 1)[0]
    csrf = env.login("approver")
    home = env.client.get("/")
    assert 'data-testid="work.waiting-count">1<' in home.text
    inbox = env.client.get("/cases")
    assert inbox.status_code == 200 and f'data-case="{case_id}"' in inbox.text
    page = env.client.get(f"/cases/{case_id}")
    assert 'data-testid="decide-approve"' in page.text
    r = env.client.post(f"/cases/{case_id}/decide", data={"action": "approve", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    assert 'data-testid="share-civil_affairs" data-status="approved"' in env.client.get(f"/cases/{case_id}").text
    r = env.client.post(f"/cases/{case_id}/decide", data={"action": "approve", "csrf_token": csrf})
    assert r.status_code == 409  # already decided: the error page, not a second decision
    assert env.client.post(f"/cases/{case_id}/decide", data={"action": "x", "csrf_token": csrf}).status_code == 422
    assert env.client.post(f"/cases/{case_id}/decide", data={"action": "approve"}).status_code == 403  # no CSRF
    assert env.client.get("/payouts").status_code == 403

    env.client.cookies.clear()
    env.login("clerk")
    for path in ("/", "/cases?overdue=true", "/payouts", f"/cases/{case_id}"):
        assert env.client.get(path).status_code == 200, path
    assert env.client.get("/supervise").status_code == 403
