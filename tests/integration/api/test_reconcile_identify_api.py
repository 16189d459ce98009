"""Person view, reconciliation and identification over HTTP on SQLite and PostgreSQL: scope (logged
404), background round job, township work list download → feedback upload (row errors), reveal with
a reason, live per-layer trace, candidates/warnings/due lists."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from medaid.api.app import create_app
from medaid.api.credentials import issue_token
from medaid.api.roles import Role
from medaid.api.users import User, create_user
from medaid.privacy.tokens import id_token
from medaid.store.identify_tables import early_warning, identify_result, identify_run, mgmt_task
from tests.integration.reconcile.factory import TOWN, CountyFactory

pytestmark = pytest.mark.integration
OTHER = "370830199"
PASSWORD = "correct-horse-1"


@dataclass
class Env:
    client: TestClient
    engine: sa.Engine
    users: dict[str, User]
    who: dict[str, str]

    def bearer(self, username: str, *scopes: str) -> dict[str, str]:
        with self.engine.begin() as conn:
            return {"Authorization": f"Bearer {issue_token(conn, self.users[username], set(scopes), actor='t')}"}

    def login(self, username: str) -> str:
        self.client.cookies.clear()
        page = self.client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        r = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": csrf.group(1), "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', self.client.get("/").text)
        assert token
        return token.group(1)

    def audit(self, action: str) -> list[tuple[str, str, str]]:
        with self.engine.connect() as conn:
            return [(r.actor, r.subject, r.detail) for r in conn.execute(
                sa.text("SELECT actor, subject, detail FROM audit_event WHERE action = :a ORDER BY seq"), {"a": action})]


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr("medaid.api.users._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    f = CountyFactory(db_url)
    who: dict[str, str] = {}
    who["assisted"] = a = f.person("张三")
    f.roster(a, "张三")
    f.enrol(a, "张三")
    f.claim(a, "张三", dt.date(2026, 3, 1), "C-1")
    who["not_enrolled"] = a = f.person("王一")
    f.roster(a, "王一")
    who["waiver_missing"] = a = f.person("王六")
    f.roster(a, "王六")
    f.enrol(a, "王六", waived=False, paid_fen=0)
    who["other"] = a = f.person("李五", town=OTHER)
    f.enrol(a, "李五", waived=True)  # waiver without basis, in the other township
    engine = f.write()
    users: dict[str, User] = {}
    with engine.begin() as conn:
        users["clerk"] = create_user(conn, "clerk", PASSWORD, Role.CLERK, actor="t")
        users["town"] = create_user(conn, "town", PASSWORD, Role.TOWNSHIP, township_code=TOWN, actor="t")
        users["analyst"] = create_user(conn, "analyst", PASSWORD, Role.ANALYST, actor="t")
    with TestClient(create_app(url=db_url, data_dir=tmp_path / "data")) as client:
        yield Env(client, engine, users, who)


def _run_round(env: Env, headers: dict[str, str]) -> dict[str, object]:
    r = env.client.post("/api/v1/reconcile/rounds", json={"year": 2026}, headers=headers)
    assert r.status_code == 202, r.text
    job_url = r.json()["status_url"]
    for _ in range(600):
        job = env.client.get(job_url, headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    return dict(job["result"])


def test_round_job_problems_scope_and_history(env: Env) -> None:
    clerk = env.bearer("clerk", "reconcile:read", "reconcile:write", "jobs:read")
    result = _run_round(env, clerk)
    assert result["transitions"] == {"new": 3}
    rounds = env.client.get("/api/v1/reconcile/rounds", headers=clerk).json()
    assert rounds[0]["transitions"]["new"] == 3 and rounds[0]["previous_round_id"] is None
    page = env.client.get("/api/v1/reconcile/problems?year=2026", headers=clerk).json()
    assert page["total"] == 3
    assert all("*" in p["id_masked"] for p in page["items"])
    other = next(p for p in page["items"] if p["township_code"] == OTHER)
    detail = env.client.get(f"/api/v1/reconcile/problems/{other['id']}", headers=clerk).json()
    assert [e["kind"] for e in detail["events"]] == ["new"]

    town = env.bearer("town", "reconcile:read", "reconcile:write")
    mine = env.client.get("/api/v1/reconcile/problems", headers=town).json()
    assert {p["township_code"] for p in mine["items"]} == {TOWN} and mine["total"] == 2
    assert env.client.get(f"/api/v1/reconcile/problems/{other['id']}", headers=town).status_code == 404
    assert env.client.get(f"/api/v1/reconcile/problems?township={OTHER}", headers=town).status_code == 404
    assert [s for _, s, _ in env.audit("access.denied")] == [f"township:{OTHER}", f"township:{OTHER}"]
    assert env.client.post("/api/v1/reconcile/rounds", json={"year": 2026}, headers=town).status_code == 403
    bad = env.client.get("/api/v1/reconcile/problems?status=nonsense", headers=clerk)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_township_downloads_worklist_and_uploads_feedback(env: Env) -> None:
    from openpyxl import load_workbook

    _run_round(env, env.bearer("clerk", "reconcile:write", "jobs:read"))
    env.login("town")
    assert env.client.get("/reconcile", follow_redirects=False).headers["location"] == f"/reconcile/townships/{TOWN}"
    page = env.client.get(f"/reconcile/townships/{TOWN}")
    assert page.status_code == 200 and "王一" in page.text and "李五" not in page.text
    assert env.client.get(f"/reconcile/townships/{OTHER}").status_code == 404
    xlsx = env.client.get(f"/reconcile/townships/{TOWN}/worklist.xlsx?year=2026")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2 and all("*" in str(r[1].value) for r in rows)
    csrf = env.login("town")
    # a bad file: unknown result and a problem number that does not exist → nothing imported
    rows[0][8].value = "好了"
    rows[1][0].value = 99999
    bad = io.BytesIO()
    book.save(bad)
    r = env.client.post(f"/reconcile/townships/{TOWN}/feedback", data={"year": "2026", "csrf_token": csrf},
                        files={"file": ("feedback.xlsx", bad.getvalue())})
    assert r.status_code == 422
    assert "第2行" in r.text and "第3行" in r.text
    # a row answering another township's problem is refused, even if its township column is edited
    other_id = next(p["id"] for p in env.client.get(
        "/api/v1/reconcile/problems", headers=env.bearer("clerk", "reconcile:read")).json()["items"]
        if p["township_code"] == OTHER)
    book = load_workbook(io.BytesIO(xlsx.content))
    first = next(book.active.iter_rows(min_row=2))
    first[0].value, first[3].value, first[8].value = other_id, OTHER, "已处理"
    forged = io.BytesIO()
    book.save(forged)
    r = env.client.post(f"/reconcile/townships/{TOWN}/feedback", data={"year": "2026", "csrf_token": csrf},
                        files={"file": ("feedback.xlsx", forged.getvalue())})
    assert r.status_code == 422 and "不属于本乡镇" in r.text
    # the good file closes one problem
    book = load_workbook(io.BytesIO(xlsx.content))
    first = next(book.active.iter_rows(min_row=2))
    first[8].value, first[9].value, first[10].value = "已处理", "已补登", "王经办"
    good = io.BytesIO()
    book.save(good)
    r = env.client.post(f"/reconcile/townships/{TOWN}/feedback", data={"year": "2026", "csrf_token": csrf},
                        files={"file": ("feedback.xlsx", good.getvalue())})
    assert r.status_code == 200, r.text
    assert 'data-testid="feedback-ok"' in r.text
    assert env.audit("reconcile.feedback")[0][0] == "town"
    problem_id = int(first[0].value)
    history = env.client.get(f"/reconcile/problems/{problem_id}")
    assert history.status_code == 200 and "已补登" in history.text
    # a round-over-round comparison follows from the next round: closed but still in the data → regressed
    second = _run_round(env, env.bearer("clerk", "reconcile:write", "jobs:read"))
    assert second["transitions"] == {"still_open": 2, "regressed": 1}


def test_person_view_trace_reveal_and_scope(env: Env) -> None:
    token = id_token(env.who["assisted"])
    csrf = env.login("clerk")
    r = env.client.get(f"/person/{token}?year=2026")
    assert r.status_code == 200
    assert "C-1" in r.text and "live quote" in r.text  # no settlement run: replayed online
    assert env.who["assisted"] not in r.text  # masked only
    api = env.client.get(f"/api/v1/people/{token}?year=2026").json()
    layers = api["claims"][0]["layers"]
    assert layers and layers[0]["layer"] and all(isinstance(x["paid_fen"], int) for x in layers)
    assert sum(x["paid_fen"] for x in layers) == api["claims"][0]["paid_fen"] > 0
    assert api["categories"][0]["source_dept"] == "民政"
    # reveal: a reason is required; the number is shown once and the reason is audit-logged
    no_reason = env.client.post(f"/person/{token}/reveal", data={"reason": ""}, headers={"X-CSRF-Token": csrf})
    assert no_reason.status_code == 422
    shown = env.client.post(f"/person/{token}/reveal", data={"reason": "核对银行账户"}, headers={"X-CSRF-Token": csrf})
    assert shown.status_code == 200 and env.who["assisted"] in shown.text
    reads = [d for a, s, d in env.audit("sensitive_read") if s == f"person:{token}" and "核对银行账户" in d]
    assert len(reads) == 1 and env.who["assisted"] not in reads[0]
    # township staff: the other township's person is a logged 404, on the page and the API
    env.login("town")
    other = id_token(env.who["other"])
    assert env.client.get(f"/person/{other}").status_code == 404
    assert env.client.get(f"/api/v1/people/{other}").status_code == 404
    assert env.client.get(f"/person/{token}").status_code == 200
    assert env.client.post(f"/person/{token}/reveal", data={"reason": "x"}).status_code == 403  # no id:reveal


def test_person_lookup_by_id_number_and_search(env: Env) -> None:
    clerk = env.bearer("clerk", "people:read")
    hit = env.client.post("/api/v1/people/lookup", json={"id_number": env.who["assisted"]}, headers=clerk)
    assert hit.status_code == 200 and hit.json()["id_token"] == id_token(env.who["assisted"])
    assert env.who["assisted"] not in hit.text
    bad = env.client.post("/api/v1/people/lookup", json={"id_number": "370830196005010010"}, headers=clerk)
    assert bad.status_code == 422
    assert env.client.get("/api/v1/people/search?q=王", headers=clerk).status_code == 200
    assert env.client.get(f"/api/v1/people/search?q={env.who['assisted']}", headers=clerk).status_code == 422
    csrf = env.login("clerk")
    posted = env.client.post("/person", data={"q": env.who["assisted"], "csrf_token": csrf}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == f"/person/{id_token(env.who['assisted'])}"
    got = env.client.get(f"/person?q={env.who['assisted']}")  # a full ID in a URL is not searched or echoed
    assert got.status_code == 200 and env.who["assisted"] not in got.text and "person-results" not in got.text
    town = env.bearer("town", "people:read")
    assert env.client.post("/api/v1/people/lookup", json={"id_number": env.who["other"]},
                           headers=town).status_code == 404
    names = {h["name"] for h in env.client.get("/api/v1/people/search?q=李", headers=town).json()}
    assert names == set()
    assert env.client.get("/api/v1/people/search?q=王", headers=env.bearer("analyst", "people:read")).status_code == 403


def test_identify_candidates_warnings_due(env: Env) -> None:
    clerk = env.bearer("clerk", "identify:read")
    assert env.client.get("/api/v1/identify/candidates", headers=clerk).status_code == 404
    now = dt.datetime.now(dt.UTC)
    today = dt.date.today()
    head = id_token(env.who["assisted"])
    with env.engine.begin() as conn:
        run = conn.execute(identify_run.insert().values(
            year=2026, thresholds_id="t", model_id=None, oop_source="claims", households=2, flagged=2,
            not_on_roster=1, started_at=now, finished_at=now, actor="t")).inserted_primary_key[0]
        for hid, town, on_roster, tier, verify in (("H1", TOWN, True, "high", False), ("H9", OTHER, False, "medium", False),
                                                   ("H5", TOWN, False, "low", True)):
            conn.execute(identify_result.insert().values(
                run_id=run, household_id=hid, head_token=head, township_code=town, tier=tier, score=0.9,
                risk_score=20, rules_in_need=True, rigid=False, model_probability=None, on_roster=on_roster,
                verify=verify, reasons="人均收入 3,000 元，低于低保标准；模型依据：人均工资收入 3,200 元"))
        conn.execute(early_warning.insert().values(
            year=2026, household_id="H1", id_token=head, township_code=TOWN, village="某村", rule="single_admission",
            tier="high", colour="red", owner_level="county", raised_on=today - dt.timedelta(days=10),
            due_on=today - dt.timedelta(days=3), state="open", detail="单次住院自付 12,000 元"))
        conn.execute(mgmt_task.insert().values(
            kind="home_visit", dedupe_key="hv:1", household_id="H1", id_token=head, township_code=TOWN,
            state="due", opened_on=today, due_on=today - dt.timedelta(days=1), detail='{"why": "红色预警"}',
            history="[]"))
    page = env.client.get("/api/v1/identify/candidates?year=2026", headers=clerk).json()
    assert page["total"] == 3 and page["items"][0]["tier"] == "high"
    assert page["items"][0]["model_explanation"].startswith("模型依据")
    off = env.client.get("/api/v1/identify/candidates?not_on_roster=true", headers=clerk).json()
    assert [c["household_id"] for c in off["items"]] == ["H9", "H5"]
    band = env.client.get("/api/v1/identify/candidates?verify=true", headers=clerk).json()
    assert [(c["household_id"], c["verify"]) for c in band["items"]] == [("H5", True)]
    warn = env.client.get("/api/v1/identify/warnings?year=2026&colour=red", headers=clerk).json()
    assert warn[0]["overdue"] is True and warn[0]["owner_level"] == "county" and "*" in warn[0]["id_masked"]
    due = env.client.get("/api/v1/identify/due?overdue=true", headers=clerk).json()
    assert due[0]["kind"] == "home_visit" and due[0]["overdue"] is True and due[0]["what"] == "红色预警"
    town = env.bearer("town", "identify:read")
    assert env.client.get("/api/v1/identify/candidates", headers=town).json()["total"] == 2
    assert env.client.get(f"/api/v1/identify/warnings?township={OTHER}", headers=town).status_code == 404
    env.login("clerk")
    for path in ("/identify?not_on_roster=true", "/identify/warnings", "/identify/due?overdue=true"):
        r = env.client.get(path)
        assert r.status_code == 200, path
    assert "已逾期" in env.client.get("/identify/warnings").text
    page_band = env.client.get("/identify?verify=true").text
    assert "H5" in page_band and "H1" not in page_band and 'data-testid="verify-badge"' in page_band


def test_person_trace_comes_from_the_newest_settlement_run(env: Env) -> None:
    from medaid.store.settlement_tables import settlement_line, settlement_run

    token = id_token(env.who["assisted"])
    now = dt.datetime.now(dt.UTC)
    with env.engine.begin() as conn:
        run = conn.execute(settlement_run.insert().values(
            year=2026, policy_id="reference-2026", policy_sha256="0" * 64, layer_order="basic,assistance",
            engine="duckdb", claims=1, lines=2, paid_fen=50001, started_at=now, finished_at=now,
            actor="t")).inserted_primary_key[0]
        for pos, (layer, paid, rest) in enumerate((("basic", 40000, 40000), ("assistance", 10001, 29999))):
            conn.execute(settlement_line.insert().values(
                run_id=run, claim_id="C-1", id_token=token, settle_date=dt.date(2026, 3, 1), layer=layer,
                position=pos, base_fen=80000 if pos == 0 else 40000, paid_fen=paid, remaining_fen=rest,
                rule=f"{layer}.rule"))
    view = env.client.get(f"/api/v1/people/{token}?year=2026", headers=env.bearer("clerk", "people:read")).json()
    assert view["trace_source"] == f"settlement run {run}"
    claim = view["claims"][0]
    assert [x["layer"] for x in claim["layers"]] == ["basic", "assistance"]
    assert claim["paid_fen"] == 50001 and claim["paid"] == "500.01" and claim["oop"] == "299.99"
