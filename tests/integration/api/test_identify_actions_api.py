"""Acting on identification over HTTP (SQLite and PostgreSQL): moving a management task along its
workflow and verifying/closing a warning (township scope → logged 404, CSRF, illegal transition →
bilingual 409, idempotent retry), starting an identification round as a background job (clerk only),
and the bank file with full ID numbers on a typed reason (audited, role-checked)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.domain.idnumber import make, mask
from medaid.privacy.vault import encryptor
from medaid.store import tables
from medaid.store.cases_tables import aid_case
from medaid.store.identify_tables import early_warning, mgmt_task
from tests.integration.api.conftest import TOWN_A, TOWN_B, Env
from tests.integration.api.test_cases_payouts_api import decide, two_department_cases, wait_job

pytestmark = pytest.mark.integration
TODAY = dt.date.today()


def seed_tasks(env: Env) -> dict[str, int]:
    """A screening task and a red warning in township A, a home visit in township B."""
    ids: dict[str, int] = {}
    with env.engine.begin() as conn:
        for name, kind, town, state, due in (("screen_a", "screening", TOWN_A, "found", TODAY + dt.timedelta(days=5)),
                                             ("visit_b", "home_visit", TOWN_B, "due", TODAY - dt.timedelta(days=2)),
                                             ("visit_a", "home_visit", TOWN_A, "due", TODAY - dt.timedelta(days=1))):
            history = json.dumps([{"state": state, "on": TODAY.isoformat(), "actor": "system"}])
            ids[name] = int(conn.execute(mgmt_task.insert().values(
                kind=kind, dedupe_key=f"{name}:1", household_id=f"H-{name}", id_token=None, township_code=town,
                state=state, opened_on=TODAY, due_on=due, detail='{"why": "测试"}', history=history)
            ).inserted_primary_key[0])
        for name, town in (("warn_a", TOWN_A), ("warn_b", TOWN_B)):
            ids[name] = int(conn.execute(early_warning.insert().values(
                year=TODAY.year, household_id=f"H-{name}", id_token="tok" + "0" * 29, township_code=town,
                village="东村", rule="single_admission", tier="high", colour="red", owner_level="county",
                raised_on=TODAY - dt.timedelta(days=9), due_on=TODAY - dt.timedelta(days=4), state="open",
                detail="单次住院自付 12,000 元")).inserted_primary_key[0])
    return ids


def test_township_staff_advance_their_tasks_only(env: Env) -> None:
    ids = seed_tasks(env)
    town = env.token("township", "identify:read", "identify:write")
    due = env.client.get("/api/v1/identify/due", headers=town).json()
    assert {d["id"] for d in due} == {ids["screen_a"], ids["visit_a"]}  # own township only
    screen = next(d for d in due if d["id"] == ids["screen_a"])
    assert screen["next_states"] == ["applied", "rejected"] and screen["state_zh"] == "筛查发现"
    assert next(d for d in due if d["id"] == ids["visit_a"])["overdue"] is True
    overdue = env.client.get("/api/v1/identify/due?overdue=true&kind=home_visit", headers=town).json()
    assert [d["id"] for d in overdue] == [ids["visit_a"]]

    url = f"/api/v1/identify/tasks/{ids['screen_a']}/advance"
    r = env.client.post(url, json={"state": "applied", "note": "已帮助申请"}, headers={**town, "Idempotency-Key": "k1"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "applied" and r.json()["next_states"] == ["reviewed", "rejected"]
    # the same key again replays the first answer instead of a second (now illegal) move
    again = env.client.post(url, json={"state": "applied", "note": "已帮助申请"},
                            headers={**town, "Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json() == r.json()
    assert env.client.post(url, json={"state": "certified"}, headers={**town, "Idempotency-Key": "k1"}
                           ).status_code == 409  # same key, different request
    # without a key the repeat is an illegal transition: a bilingual problem naming the allowed states
    illegal = env.client.post(url, json={"state": "applied"}, headers=town)
    assert illegal.status_code == 409 and illegal.headers["content-type"].startswith("application/problem+json")
    problem = illegal.json()
    assert "allowed: reviewed, rejected" in problem["detail"] and "可选：专家评审通过、未通过" in problem["detail_zh"]
    assert env.client.post(url, json={"state": "Done!"}, headers=town).status_code == 422

    # another township's task: 404 like a missing one, and an access.denied event
    before = len([a for a in env.audit_actions() if a[1] == "access.denied"])
    other = env.client.post(f"/api/v1/identify/tasks/{ids['visit_b']}/advance", json={"state": "done"}, headers=town)
    assert other.status_code == 404
    assert env.client.get(f"/api/v1/identify/tasks/{ids['visit_b']}", headers=town).status_code == 404
    denied = [a for a in env.audit_actions() if a[1] == "access.denied"]
    assert len(denied) == before + 2 and denied[-1] == ("township", "access.denied", f"township:{TOWN_B}")
    assert env.client.post("/api/v1/identify/tasks/999999/advance", json={"state": "done"},
                           headers=town).status_code == 404

    with env.engine.connect() as conn:
        row = conn.execute(sa.select(mgmt_task).where(mgmt_task.c.id == ids["screen_a"])).mappings().one()
        assert row["state"] == "applied"
        assert json.loads(row["history"])[-1] == {"state": "applied", "on": TODAY.isoformat(), "actor": "township",
                                                   "note": "已帮助申请"}
        visit_b = conn.execute(sa.select(mgmt_task.c.state).where(mgmt_task.c.id == ids["visit_b"])).scalar_one()
        assert visit_b == "due"  # untouched
    moves = [a for a in env.audit_actions() if a[1] == "identify.task"]
    assert moves == [("township", "identify.task", f"mgmt_task:{ids['screen_a']}")]  # one move, not two

    # roles: a supervisor reads but may not act; the clerk acts county-wide
    sup = env.token("supervisor", "identify:read")
    assert env.client.post(f"/api/v1/identify/tasks/{ids['visit_b']}/advance", json={"state": "done"},
                           headers=sup).status_code == 403
    clerk = env.token("clerk", "identify:read", "identify:write")
    done = env.client.post(f"/api/v1/identify/tasks/{ids['visit_b']}/advance", json={"state": "done", "note": "已入户"},
                           headers=clerk)
    assert done.status_code == 200 and done.json()["closed_on"] == TODAY.isoformat()
    assert ids["visit_b"] not in {d["id"] for d in env.client.get("/api/v1/identify/due", headers=clerk).json()}


def test_warnings_are_verified_and_closed_in_scope(env: Env) -> None:
    ids = seed_tasks(env)
    town = env.token("township", "identify:read", "identify:write")
    warn = env.client.get(f"/api/v1/identify/warnings?year={TODAY.year}", headers=town).json()
    assert [(w["id"], w["overdue"], w["next_states"]) for w in warn] == [(ids["warn_a"], True, ["verified", "closed"])]
    url = f"/api/v1/identify/warnings/{ids['warn_a']}/state"
    r = env.client.post(url, json={"state": "verified", "note": "已核实"}, headers={**town, "Idempotency-Key": "w1"})
    assert r.status_code == 200 and r.json()["state"] == "verified" and r.json()["next_states"] == ["closed"]
    assert env.client.post(url, json={"state": "verified", "note": "已核实"},
                           headers={**town, "Idempotency-Key": "w1"}).json() == r.json()
    bad = env.client.post(url, json={"state": "open"}, headers=town)
    assert bad.status_code == 409 and "已核实" in bad.json()["detail_zh"]
    now = env.client.get(f"/api/v1/identify/warnings?year={TODAY.year}", headers=town).json()[0]
    assert now["state"] == "verified" and now["overdue"] is False
    closed = env.client.post(url, json={"state": "closed", "note": "已纳入救助"}, headers=town)
    assert closed.json()["closed_on"] == TODAY.isoformat() and closed.json()["next_states"] == []
    assert env.client.post(f"/api/v1/identify/warnings/{ids['warn_b']}/state", json={"state": "closed"},
                           headers=town).status_code == 404
    assert [a for a in env.audit_actions() if a[1] == "identify.warning"] == [
        ("township", "identify.warning", f"early_warning:{ids['warn_a']}")] * 2


def test_warnings_filter_by_state(env: Env) -> None:
    ids = seed_tasks(env)
    with env.engine.begin() as conn:
        ids["warn_c"] = int(conn.execute(early_warning.insert().values(
            year=TODAY.year, household_id="H-warn_c", id_token="tok" + "0" * 29, township_code=TOWN_B,
            village="西村", rule="oop_share", tier="medium", colour="yellow", owner_level="township",
            raised_on=TODAY, due_on=TODAY + dt.timedelta(days=10), state="open", detail="医疗支出占收入 40%")
        ).inserted_primary_key[0])
    clerk = env.token("clerk", "identify:read", "identify:write")
    for warning, state in (("warn_a", "verified"), ("warn_b", "closed")):
        moved = env.client.post(f"/api/v1/identify/warnings/{ids[warning]}/state", json={"state": state}, headers=clerk)
        assert moved.status_code == 200, moved.text

    def listed(query: str, headers: dict[str, str] = clerk) -> list[tuple[int, str]]:
        r = env.client.get(f"/api/v1/identify/warnings?year={TODAY.year}{query}", headers=headers)
        assert r.status_code == 200, r.text
        return sorted((w["id"], w["state"]) for w in r.json())

    assert listed("&state=open") == [(ids["warn_c"], "open")]
    assert listed("&state=verified") == [(ids["warn_a"], "verified")]
    assert listed("&state=closed") == [(ids["warn_b"], "closed")]
    assert listed("") == sorted([(ids["warn_a"], "verified"), (ids["warn_b"], "closed"), (ids["warn_c"], "open")])
    assert listed("&state=open&colour=red") == []  # filters combine
    town = env.token("township", "identify:read")
    assert listed("&state=verified", town) == [(ids["warn_a"], "verified")]
    assert listed("&state=closed", town) == []  # the closed one is another township's
    for bad in ("done", "OPEN", "", "open%00"):
        r = env.client.get(f"/api/v1/identify/warnings?state={bad}", headers=clerk)
        assert r.status_code in (400, 422) and r.headers["content-type"].startswith("application/problem+json"), bad


def test_forms_need_csrf_and_offer_only_allowed_moves(env: Env) -> None:
    ids = seed_tasks(env)
    csrf = env.login("township")
    page = env.client.get("/identify/due")
    assert page.status_code == 200
    form = re.search(rf'data-testid="act-form-{ids["screen_a"]}".*?</form>', page.text, re.S)
    assert form is not None
    assert re.findall(r'<option value="([a-z_]+)"', form.group(0)) == ["applied", "rejected"]
    assert f'data-testid="task-{ids["visit_b"]}"' not in page.text
    url = f"/identify/tasks/{ids['screen_a']}/advance"
    assert env.client.post(url, data={"state": "applied"}, follow_redirects=False).status_code == 403  # no CSRF
    assert env.client.post(url, data={"state": "applied", "csrf_token": "forged"},
                           follow_redirects=False).status_code == 403
    bad = env.client.post(url, data={"state": "certified", "csrf_token": csrf}, follow_redirects=False)
    assert bad.status_code == 409 and "不能从「筛查发现」变为「已发证」" in bad.text
    ok = env.client.post(url, data={"state": "applied", "note": "上门登记", "csrf_token": csrf,
                                    "back": "/identify/due?overdue=true"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/identify/due?overdue=true"
    evil = env.client.post(url, data={"state": "reviewed", "csrf_token": csrf, "back": "https://evil.example/"},
                           follow_redirects=False)
    assert evil.headers["location"] == f"/identify/tasks/{ids['screen_a']}"
    detail = env.client.get(f"/identify/tasks/{ids['screen_a']}")
    assert "上门登记" in detail.text and 'data-state="reviewed"' in detail.text
    assert env.client.get(f"/identify/tasks/{ids['visit_b']}").status_code == 404
    warn = env.client.post(f"/identify/warnings/{ids['warn_a']}/state", data={"state": "verified", "csrf_token": csrf},
                           follow_redirects=False)
    assert warn.status_code == 303
    assert f'data-testid="warning-{ids["warn_a"]}" data-state="verified"' in env.client.get("/identify/warnings").text
    # the state filter: a select of every state (all by default, as before it existed)
    states = re.search(r'data-testid="warn-state">(.*?)</select>', env.client.get("/identify/warnings").text, re.S)
    assert states and re.findall(r'<option value="([a-z]*)"', states.group(1)) == ["", "open", "verified", "closed"]
    verified = env.client.get("/identify/warnings?state=verified")
    assert f'data-testid="warning-{ids["warn_a"]}"' in verified.text
    assert re.search(r'<option value="verified" selected>', verified.text)
    assert f'data-testid="warning-{ids["warn_a"]}"' not in env.client.get("/identify/warnings?state=open").text
    assert env.client.get("/identify/warnings?state=").status_code == 200  # the "all states" choice
    assert env.client.get("/identify/warnings?state=done").status_code == 422
    # township staff cannot start a county-wide round; the form is not offered to them either
    assert "ident-run-form" not in env.client.get("/identify").text
    assert env.client.post("/identify/run", data={"year": "2026", "csrf_token": csrf}).status_code == 403


def test_county_wide_users_choose_a_township_by_name(env: Env) -> None:
    ids = seed_tasks(env)
    env.login("clerk")
    pages = (("/identify/due", "due-township", "due-total", "task-", ids["visit_b"], ids["screen_a"]),
             ("/identify/warnings", "warn-township", "warn-total", "warning-", ids["warn_b"], ids["warn_a"]))
    for path, select_id, total_id, row, in_b, in_a in pages:
        page = env.client.get(path).text
        select = re.search(rf'<select name="township" data-testid="{select_id}">(.*?)</select>', page, re.S)
        assert select, path  # a choice of the register's townships by name and code, not a text box
        assert re.findall(r'<option value="(\d*)">([^<]*)</option>', select.group(1)) == [
            ("", "全部乡镇"), (TOWN_A, f"南旺镇 {TOWN_A}"), (TOWN_B, f"次丘镇 {TOWN_B}")]
        chosen = env.client.get(f"{path}?township={TOWN_B}").text
        assert f'<option value="{TOWN_B}" selected>' in chosen
        assert f'data-testid="{row}{in_b}"' in chosen and f'data-testid="{row}{in_a}"' not in chosen
        # a code no one is registered in filters to nothing, as before, and stays chosen
        unknown = env.client.get(f"{path}?township=370830999")
        assert unknown.status_code == 200 and f'data-testid="{total_id}">0<' in unknown.text
        assert '<option value="370830999" selected>370830999</option>' in unknown.text
        assert env.client.get(f"{path}?township=12345").status_code == 422
    env.client.get("/lang/en?next=/")
    assert ">All townships</option>" in env.client.get("/identify/due").text
    env.client.cookies.clear()
    env.login("township")  # township staff: their own township only, no choice
    for path, *_ in pages:
        assert 'name="township"' not in env.client.get(path).text


def test_clerk_starts_an_identification_round_job(env: Env) -> None:
    from tests.integration.identify.conftest import CORE, County, known_county

    tables.metadata.create_all(env.engine, tables=CORE, checkfirst=True)
    c = County()
    known_county(c)
    c.write(env.engine)
    town = env.token("township", "identify:read", "identify:write", "jobs:read")
    assert env.client.post("/api/v1/identify/runs", json={"year": 2026}, headers=town).status_code == 403
    clerk = env.token("clerk", "identify:read", "identify:run", "jobs:read")
    assert env.client.post("/api/v1/identify/runs", json={"year": 1999}, headers=clerk).status_code == 422
    r = env.client.post("/api/v1/identify/runs", json={"year": 2026}, headers={**clerk, "Idempotency-Key": "round-1"})
    assert r.status_code == 202, r.text
    again = env.client.post("/api/v1/identify/runs", json={"year": 2026}, headers={**clerk, "Idempotency-Key": "round-1"})
    assert again.json()["job_id"] == r.json()["job_id"]  # the retry did not start a second round
    job = wait_job(env, clerk, r.json()["job_id"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["flagged"] > 0 and result["warnings_raised"] > 0 and result["tasks_opened"]["notice"] > 0
    assert job["kind"] == "identify" and job["done"] == job["total"] == 3
    page = env.client.get("/api/v1/identify/candidates?year=2026", headers=clerk).json()
    assert page["run_id"] == result["run_id"] and page["total"] == result["flagged"]
    assert ("clerk", "identify.run", f"identify_run:{result['run_id']}") in env.audit_actions()
    env.login("clerk")
    shown = env.client.get(f"/jobs/{r.json()['job_id']}")
    assert 'data-testid="identify-result"' in shown.text and f"#{result['run_id']}" in shown.text


def test_the_round_job_uses_the_model_in_the_apps_data_dir(env: Env, db_url: str, tmp_path: Path) -> None:
    """An app made with its own data dir identifies with the model trained there, not the settings' one."""
    from medaid.identify.service import model_dir, train_from_truth
    from tests.integration.identify.conftest import CORE, YEAR, County, known_county, random_households

    tables.metadata.create_all(env.engine, tables=CORE, checkfirst=True)
    c = County()
    known_county(c)
    random_households(c, 400)
    c.write(env.engine)
    app_dir: Path = env.client.app.state.data_dir  # type: ignore[attr-defined]
    trained = train_from_truth(YEAR, c.write_truth(tmp_path / "truth.csv"), url=db_url, data_dir=app_dir, seed=3)
    assert not (model_dir() / "current.txt").exists()  # the settings' data dir has no model
    clerk = env.token("clerk", "identify:read", "identify:run", "jobs:read")
    r = env.client.post("/api/v1/identify/runs", json={"year": YEAR}, headers=clerk)
    job = wait_job(env, clerk, r.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["model_id"] == trained.model.model_id  # type: ignore[index]


def _paid_batch(env: Env) -> tuple[str, dict[str, str], dict[str, str]]:
    """An issued two-line batch whose people have stored (encrypted) ID numbers."""
    ids = two_department_cases(env, temp_fen=0)
    for user in ("approver", "ms_approver"):
        h = env.token(user, "cases:read", "cases:approve")
        for case_id in ids:
            assert decide(env, h, case_id, "approve")[0] == 200
    numbers: dict[str, str] = {}
    encrypt = encryptor()
    with env.engine.begin() as conn:
        for i, tok in enumerate(conn.execute(sa.select(aid_case.c.id_token).order_by(aid_case.c.id)).scalars()):
            number = make("370830", dt.date(1960, 1, 1), 40 + i, "F")
            numbers[tok] = number
            conn.execute(tables.identity.insert().values(id_token=tok, id_cipher=encrypt(number, tok),
                                                         id_masked=mask(number), region_code="370830",
                                                         birth_date=dt.date(1960, 1, 1), sex="F"))
    clerk = env.token("clerk", "payouts:read", "payouts:write", "jobs:read", "id:reveal")
    key = "2026-03-assistance-rv"
    assert env.client.post("/api/v1/payouts/batches", json={"batch_key": key, "program": "assistance", "year": 2026},
                           headers=clerk).status_code == 201
    run = env.client.post(f"/api/v1/payouts/batches/{key}/run", headers=clerk)
    assert wait_job(env, clerk, run.json()["job_id"])["status"] == "succeeded"
    return key, clerk, numbers


def test_bank_file_with_full_ids_needs_role_and_reason(env: Env) -> None:
    key, clerk, numbers = _paid_batch(env)
    masked = env.client.get(f"/api/v1/payouts/batches/{key}/bank-file", headers=clerk)
    assert all("*" in r["id_number"] for r in csv.DictReader(io.StringIO(masked.text)))
    url = f"/api/v1/payouts/batches/{key}/bank-file/reveal"
    for reason in ("", " x "):
        r = env.client.post(url, json={"reason": reason}, headers=clerk)
        assert r.status_code == 422 and r.json()["detail_zh"].startswith("请填写查看完整身份证号的原因")
    assert env.client.post(url, json={}, headers=clerk).status_code == 422
    no_scope = env.token("clerk", "payouts:write")
    assert env.client.post(url, json={"reason": "银行代发"}, headers=no_scope).status_code == 403
    assert env.client.post(url, json={"reason": "银行代发"},
                           headers=env.token("supervisor", "payouts:read")).status_code == 403
    assert env.client.post("/api/v1/payouts/batches/nope/bank-file/reveal", json={"reason": "银行代发"},
                           headers=clerk).status_code == 404
    full = env.client.post(url, json={"reason": "三月救助金银行代发"}, headers=clerk)
    assert full.status_code == 200 and "full-id" in full.headers["content-disposition"]
    assert {r["id_number"] for r in csv.DictReader(io.StringIO(full.text))} == set(numbers.values())
    with env.engine.connect() as conn:
        reads = [json.loads(d) for (d,) in conn.execute(sa.text(
            "SELECT detail FROM audit_event WHERE action = 'sensitive_read' AND subject = :s ORDER BY seq"),
            {"s": f"batch:{key}"})]
    assert reads == [{"reason": "三月救助金银行代发", "what": "银行代发文件 / bank payout file with 2 ID numbers"}]
    with env.engine.connect() as conn:
        log_text = " ".join(str(d) for (d,) in conn.execute(sa.text("SELECT detail FROM audit_event")))
    assert not any(n in log_text for n in numbers.values())  # the log never holds the numbers

    # the browser form: CSRF and a reason, same rules
    csrf = env.login("clerk")
    form_url = f"/payouts/{key}/bank-file/reveal"
    assert 'data-testid="bank-reveal-form"' in env.client.get(f"/payouts/{key}").text
    assert env.client.post(form_url, data={"reason": "核对"}).status_code == 403  # no CSRF token
    assert env.client.post(form_url, data={"reason": "", "csrf_token": csrf}).status_code == 422
    page = env.client.post(form_url, data={"reason": "核对代发名单", "csrf_token": csrf})
    assert page.status_code == 200 and set(numbers.values()) <= set(re.findall(r"\d{17}[\dX]", page.text))
