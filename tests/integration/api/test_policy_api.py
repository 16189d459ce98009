"""Policy viewer and what-if API on SQLite and PostgreSQL: listing, layers, validation listing every
problem, a what-if job on loaded claims (aggregates only, analysts allowed), role checks."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from medaid.domain.idnumber import make
from medaid.privacy.tokens import id_token
from medaid.settings import get_settings
from medaid.store import tables
from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration


def _reference_text() -> str:
    return (get_settings().policies_dir / "reference-2026.yaml").read_text(encoding="utf-8")


def test_list_and_detail(env: Env) -> None:
    headers = env.token("approver", "policy:read")
    listing = env.client.get("/api/v1/policies", headers=headers).json()
    assert {"reference-2026.yaml", "wenshang-tilt-2026.yaml"} <= {p["file"] for p in listing}
    detail = env.client.get("/api/v1/policies/reference-2026.yaml", headers=headers).json()
    assert [x["id"] for x in detail["layers"]] == ["basic", "critical", "assistance", "reassist"]
    critical = detail["layers"][1]
    assert critical["department"] == "medical_security"
    assert critical["schedules"][0]["cap"] == "400,000" and critical["schedules"][0]["deductible"] == "15,000"
    assert any("no cap" in t for t in critical["schedules"][0]["tilts"])
    assert env.client.get("/api/v1/policies/..%2Fpyproject.toml", headers=headers).status_code == 404
    assert env.client.get("/api/v1/policies", headers=env.token("township", "dashboard:read")).status_code == 403


def test_check_lists_every_problem(env: Env) -> None:
    headers = env.token("analyst", "policy:simulate")
    bad = _reference_text().replace('ratio: "0.60"', 'ratio: "1.60"').replace("id: critical", "id: Critical!")
    result = env.client.post("/api/v1/policies/check", json={"yaml": bad}, headers=headers).json()
    assert result["valid"] is False and len(result["problems"]) >= 2
    assert env.client.post("/api/v1/policies/check", json={"yaml": ": : ["}, headers=headers).json()["valid"] is False
    good = env.client.post("/api/v1/policies/check", json={"yaml": _reference_text()}, headers=headers).json()
    assert good == {"valid": True, "policy_id": "reference-2026", "problems": []}
    start = env.client.post("/api/v1/policies/whatif", json={"base": "reference-2026.yaml", "yaml": bad,
                                                             "year": 2026}, headers=headers)
    assert start.status_code == 422 and "problems" in start.json()["detail"]


def test_whatif_job_compares_aggregates(env: Env) -> None:
    person = make("370830", dt.date(1970, 1, 1), 3, "M")
    with env.engine.begin() as conn:
        conn.execute(tables.claim.insert().values(
            claim_id="W1", id_token=id_token(person), name="赵六", hospital_code="H1", hospital_level=2,
            location="county", visit_type="inpatient", settle_date=dt.date(2026, 5, 1), diagnosis_code="C34",
            total_fen=12_000_000, in_scope_fen=10_000_000, load_id=1, source_row=2))
    modified = _reference_text().replace('deductible: "15000"', 'deductible: "10000"').replace(
        "id: reference-2026", "id: lower-critical-deductible")
    headers = env.token("analyst", "policy:simulate")
    start = env.client.post("/api/v1/policies/whatif", json={"base": "reference-2026.yaml", "yaml": modified,
                                                             "year": 2026}, headers=headers)
    assert start.status_code == 202, start.text
    url = start.json()["status_url"]
    for _ in range(600):
        status = env.client.get(url, headers=headers).json()
        if status["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "succeeded", status
    result = status["result"]
    layers = {x["layer"]: x for x in result["layers"]}
    assert layers["critical"]["old_fen"] == 328_800 and layers["critical"]["delta_fen"] == 300_000
    assert (result["people"], result["gainers"], result["losers"]) == (1, 1, 0)
    assert result["biggest_gains_fen"] == [300_000]
    text = str(status)
    assert id_token(person) not in text and "W1" not in text  # aggregates only
    # a load job is not visible through the what-if endpoint
    assert env.client.get("/api/v1/policies/whatif/999999", headers=headers).status_code == 404
    assert env.client.post("/api/v1/policies/whatif", json={"base": "reference-2026.yaml", "yaml": modified},
                           headers=env.token("supervisor", "policy:read")).status_code == 403


def test_pages_render_for_analyst(env: Env) -> None:
    env.login("analyst")
    listing = env.client.get("/policies")
    assert listing.status_code == 200 and "reference-2026.yaml" in listing.text
    detail = env.client.get("/policies/reference-2026.yaml")
    assert detail.status_code == 200 and 'data-testid="whatif-run"' in detail.text and "大病保险" in detail.text
