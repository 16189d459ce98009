"""POST /api/v1/quote on SQLite and PostgreSQL: the DESIGN §5 worked example, year-to-date state,
idempotency, reversal, authorisation, and concurrent quotes of one person never exceeding a cap."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from medaid.domain.idnumber import make
from medaid.errors import StateError
from medaid.policy.quote_store import QuoteRequest, policy_for, reserve_quote
from medaid.policy.settle_store import default_policy_path
from medaid.privacy.tokens import id_token
from medaid.store import tables
from medaid.store.quote_tables import quote as quote_t
from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration

DIBAO_ID = make("370830", dt.date(1960, 3, 4), 7, "F")
PLAIN_ID = make("370830", dt.date(1970, 5, 6), 8, "M")


def _seed_dibao(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(tables.roster.insert().values(
            id_token=id_token(DIBAO_ID), name="李四", category="dibao", valid_from=dt.date(2025, 1, 1),
            valid_to=None, township_code="370830101", source_dept="civil_affairs", load_id=1, source_row=2))


def _claim(claim_id: str, id_number: str = DIBAO_ID, **over: Any) -> dict[str, Any]:
    body = {"claim_id": claim_id, "id_number": id_number, "hospital_code": "H001", "hospital_level": 2,
            "location": "county", "visit_type": "inpatient", "settle_date": "2026-03-10",
            "total": "50000.00", "in_scope": "40000.00"}
    body.update(over)
    return body


def _paid(body: dict[str, Any]) -> dict[str, str]:
    return {line["layer"]: line["paid"] for line in body["layers"]}


def test_worked_example_a_and_idempotent_retry(env: Env) -> None:
    _seed_dibao(env.engine)
    headers = {**env.token("clerk", "claims:quote"), "Idempotency-Key": "k-a-1"}
    first = env.client.post("/api/v1/quote", json=_claim("A1"), headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert _paid(body) == {"basic": "31520.00", "critical": "637.00", "assistance": "5490.10", "reassist": "0.00"}
    assert body["categories"] == ["dibao"] and body["status"] == "reserved"
    assert body["person"] != DIBAO_ID and "*" in body["person"]
    assert DIBAO_ID not in first.text
    retry = env.client.post("/api/v1/quote", json=_claim("A1"), headers=headers)
    assert retry.status_code == 200 and retry.json() == body
    assert retry.headers["Idempotent-Replayed"] == "true"
    other = env.client.post("/api/v1/quote", json=_claim("A1", total="50001.00"), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    with env.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(quote_t)).scalar_one() == 1
    # the same claim under a new key is not settled twice either
    again = env.client.post("/api/v1/quote", json=_claim("A1"), headers={**headers, "Idempotency-Key": "k-a-2"})
    assert again.status_code == 409


def test_ytd_state_and_reversal(env: Env) -> None:
    headers = env.token("clerk", "claims:quote")
    chronic = {"visit_type": "chronic_outpatient", "in_scope": "10000.00", "total": "10000.00"}
    one = env.client.post("/api/v1/quote", json=_claim("C1", PLAIN_ID, **chronic),
                          headers={**headers, "Idempotency-Key": "c1"})
    assert one.status_code == 201, one.text
    assert _paid(one.json())["basic"] == "6790.00"  # (10000 − 300) × 70 %
    two = env.client.post("/api/v1/quote", json=_claim("C2", PLAIN_ID, **chronic, settle_date="2026-04-01"),
                          headers={**headers, "Idempotency-Key": "c2"})
    assert _paid(two.json())["basic"] == "3210.00"  # the annual cap 10,000 leaves 3,210
    rev = env.client.post("/api/v1/quote", json=_claim("C1R", PLAIN_ID, **chronic, settle_date="2026-04-02",
                                                       reverses_claim_id="C1"),
                          headers={**headers, "Idempotency-Key": "c1r"})
    assert rev.status_code == 201, rev.text
    assert rev.json()["status"] == "reversal" and _paid(rev.json())["basic"] == "0.00"
    assert {line["layer"]: line["paid"] for line in rev.json()["released"]}["basic"] == "6790.00"
    three = env.client.post("/api/v1/quote", json=_claim("C3", PLAIN_ID, **chronic, settle_date="2026-05-01"),
                            headers={**headers, "Idempotency-Key": "c3"})
    # without C1 the year holds C2 (6,790 paid when replayed first) so C3 gets the remaining 3,210
    assert _paid(three.json())["basic"] == "3210.00"
    missing = env.client.post("/api/v1/quote", json=_claim("C9R", PLAIN_ID, **chronic, reverses_claim_id="NOPE"),
                              headers={**headers, "Idempotency-Key": "c9r"})
    assert missing.status_code == 404


def test_loaded_claims_count_in_ytd(env: Env) -> None:
    with env.engine.begin() as conn:
        conn.execute(tables.claim.insert().values(
            claim_id="L1", id_token=id_token(PLAIN_ID), name="王五", hospital_code="H9", hospital_level=2,
            location="county", visit_type="chronic_outpatient", settle_date=dt.date(2026, 2, 1),
            diagnosis_code="E11", total_fen=1_000_000, in_scope_fen=1_000_000, load_id=1, source_row=2))
    headers = {**env.token("clerk", "claims:quote"), "Idempotency-Key": "l2"}
    body = env.client.post("/api/v1/quote", json=_claim("L2", PLAIN_ID, visit_type="chronic_outpatient",
                                                        in_scope="10000.00", total="10000.00"), headers=headers)
    assert _paid(body.json())["basic"] == "3210.00"
    dup = env.client.post("/api/v1/quote", json=_claim("L1", PLAIN_ID), headers={**headers, "Idempotency-Key": "l1"})
    assert dup.status_code == 409  # already settled by the loaded file


@pytest.mark.parametrize("bad", [
    {"id_number": "370830196003040071"}, {"in_scope": "60000.00"}, {"total": "1.001"}, {"hospital_level": 4},
    {"location": "moon"}, {"settle_date": "2030-01-01"}, {"claim_id": "a b"}, {"total": "-1"},
])
def test_bad_input_is_422(env: Env, bad: dict[str, Any]) -> None:
    headers = {**env.token("clerk", "claims:quote"), "Idempotency-Key": "bad"}
    response = env.client.post("/api/v1/quote", json={**_claim("B1"), **bad}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_authorisation(env: Env) -> None:
    assert env.client.post("/api/v1/quote", json=_claim("X1"), headers={"Idempotency-Key": "x"}).status_code == 401
    analyst = env.token("analyst", "policy:read")
    assert env.client.post("/api/v1/quote", json=_claim("X1"),
                           headers={**analyst, "Idempotency-Key": "x"}).status_code == 403
    narrow = env.token("clerk", "loads:read")
    assert env.client.post("/api/v1/quote", json=_claim("X1"),
                           headers={**narrow, "Idempotency-Key": "x"}).status_code == 403
    no_key = env.client.post("/api/v1/quote", json=_claim("X1"), headers=env.token("clerk", "claims:quote"))
    assert no_key.status_code == 422


def test_concurrent_quotes_of_one_person_respect_the_cap(env: Env) -> None:
    """Eight threads each post a 5,000-yuan chronic claim at once: uncapped they would pay 8 × 3,290
    (or more); the annual chronic cap is 10,000, so the reservations must add up to exactly 10,000."""
    policy = policy_for(default_policy_path())
    user_id = env.users["clerk"].id
    token = id_token(PLAIN_ID)
    barrier = threading.Barrier(8)

    def post(i: int) -> Decimal:
        req = QuoteRequest(claim_id=f"P{i}", id_token=token, hospital_code="H1", hospital_level=2,
                           location="county", visit_type="chronic_outpatient", settle_date=dt.date(2026, 6, 1 + i),
                           total=Decimal("5000"), in_scope=Decimal("5000"))
        barrier.wait()
        result = reserve_quote(env.engine, req, policy, user_id=user_id, idempotency_key=f"p{i}",
                               id_masked="370830********0000")
        return Decimal(_paid(result.body)["basic"])

    with ThreadPoolExecutor(8) as pool:
        paid = list(pool.map(post, range(8)))
    assert sum(paid) == Decimal("10000.00")
    # whichever thread locks first pays (5000 − 300) × 70 %, the next 3,500, the third what is left
    assert sorted(paid, reverse=True) == [Decimal(x) for x in ("3500.00", "3290.00", "3210.00", *["0.00"] * 5)]
    with env.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.sum(quote_t.c.paid_fen))).scalar_one()
    assert stored == 1_900_000  # basic 10,000 + critical (40,000 − 10,000 − 15,000) × 60 % = 9,000


def test_concurrent_retries_of_one_key_reserve_once(env: Env) -> None:
    policy = policy_for(default_policy_path())
    user_id = env.users["clerk"].id
    req = QuoteRequest(claim_id="R1", id_token=id_token(PLAIN_ID), hospital_code="H1", hospital_level=1,
                       location="county", visit_type="inpatient", settle_date=dt.date(2026, 7, 1),
                       total=Decimal("3000"), in_scope=Decimal("3000"))
    barrier = threading.Barrier(6)

    def post(_: int) -> tuple[int, str]:
        barrier.wait()
        try:
            result = reserve_quote(env.engine, req, policy, user_id=user_id, idempotency_key="same",
                                   id_masked="370830********0000")
        except StateError:  # pragma: no cover - would mean the retry was treated as a new claim
            return 409, ""
        return result.status_code, result.body["total_paid"]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(post, range(6)))
    assert sorted(code for code, _ in results) == [200] * 5 + [201]
    assert len({paid for _, paid in results}) == 1


def test_statement_budget_of_a_quote(env: Env) -> None:
    """Decision 0009: once the token is verified, a quote is lock, person-year read (roster and claims in
    one statement), insert — no statement for authentication. Guards against round trips creeping back."""
    headers = env.token("clerk", "claims:quote")
    first = env.client.post("/api/v1/quote", json=_claim("S1", PLAIN_ID), headers={**headers, "Idempotency-Key": "s1"})
    assert first.status_code == 201, first.text
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    sa.event.listen(env.engine, "before_cursor_execute", record)
    try:
        second = env.client.post("/api/v1/quote", json=_claim("S2", PLAIN_ID, settle_date="2026-03-11"),
                                 headers={**headers, "Idempotency-Key": "s2"})
    finally:
        sa.event.remove(env.engine, "before_cursor_execute", record)
    assert second.status_code == 201, second.text
    expected = {"postgresql": ["INSERT", "SELECT", "INSERT"],
                "sqlite": ["BEGIN", "SELECT", "SELECT", "INSERT"]}[env.engine.dialect.name]
    assert statements == expected


def test_roster_validity_dates_decide_the_categories(env: Env) -> None:
    """The roster comes back in the same statement as the year's claims: its dates must survive that."""
    with env.engine.begin() as conn:
        conn.execute(tables.roster.insert().values(
            id_token=id_token(PLAIN_ID), name="王五", category="dibao", valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2026, 2, 28), township_code="370830101", source_dept="civil_affairs", load_id=1,
            source_row=3))
    headers = env.token("clerk", "claims:quote")
    on_roster = env.client.post("/api/v1/quote", json=_claim("V1", PLAIN_ID, settle_date="2026-02-28"),
                                headers={**headers, "Idempotency-Key": "v1"})
    off_roster = env.client.post("/api/v1/quote", json=_claim("V2", PLAIN_ID, settle_date="2026-03-01"),
                                 headers={**headers, "Idempotency-Key": "v2"})
    assert on_roster.json()["categories"] == ["dibao"] and _paid(on_roster.json())["assistance"] == "5490.10"
    assert off_roster.json()["categories"] == [] and _paid(off_roster.json())["assistance"] == "0.00"


def test_at_capacity_a_quote_is_503_with_retry_after_and_the_retry_goes_through(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decision 0011: past the per-process bound a quote waits a bounded time, then is told to retry,
    having reserved nothing; the retry with the same key is then an ordinary first answer (201)."""
    from medaid.api.admission import Gate
    from medaid.api.v1 import quote as quote_route

    _seed_dibao(env.engine)
    env.client.app.state.quote_gate = Gate("quote", "结算试算", concurrency=1, wait_seconds=0.1)
    entered, release = threading.Event(), threading.Event()
    real = quote_route.reserve_quote

    def held(*args: Any, **kwargs: Any) -> Any:
        if kwargs["idempotency_key"] == "first":
            entered.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(quote_route, "reserve_quote", held)
    headers = env.token("clerk", "claims:quote")
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(env.client.post, "/api/v1/quote", json=_claim("B1"),
                            headers={**headers, "Idempotency-Key": "first"})
        assert entered.wait(10)
        busy = env.client.post("/api/v1/quote", json=_claim("B2"), headers={**headers, "Idempotency-Key": "second"})
        release.set()
        assert first.result().status_code == 201
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.headers["content-type"].startswith("application/problem+json") and "请稍后" in busy.json()["detail_zh"]
    with env.engine.connect() as conn:
        assert conn.execute(sa.select(quote_t.c.claim_id)).scalars().all() == ["B1"]
    retry = env.client.post("/api/v1/quote", json=_claim("B2"), headers={**headers, "Idempotency-Key": "second"})
    assert retry.status_code == 201, retry.text
