"""Browser journeys for the policy viewer and what-if: an analyst reads a policy's layers, submits a
broken edit (every problem listed), then a valid one whose what-if job finishes via htmx polling."""

from __future__ import annotations

import datetime as dt

import pytest

from medaid.api.roles import Role
from medaid.api.users import create_user
from medaid.domain.idnumber import make
from medaid.privacy.tokens import id_token
from medaid.store import tables
from medaid.store.db import engine_for
from tests.e2e.web.conftest import PASSWORD, SCREENSHOTS, Server
from tests.e2e.web.test_journeys import sign_in

pytestmark = pytest.mark.e2e


def _seed(server: Server) -> None:
    person = make("370830", dt.date(1970, 1, 1), 3, "M")
    with engine_for(server.url).begin() as conn:
        create_user(conn, "analyst", PASSWORD, Role.ANALYST, actor="e2e")
        conn.execute(tables.claim.insert().values(
            claim_id="W1", id_token=id_token(person), name="赵六", hospital_code="H1", hospital_level=2,
            location="county", visit_type="inpatient", settle_date=dt.date(2026, 5, 1), diagnosis_code="C34",
            total_fen=12_000_000, in_scope_fen=10_000_000, load_id=1, source_row=2))


def test_analyst_views_a_policy_and_runs_a_what_if(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    _seed(server)
    sign_in(page, "analyst")
    page.click("a[href='/policies']")
    page.click("text=reference-2026.yaml")
    assert "大病保险" in page.inner_text("[data-testid=policy-layers]")
    page.screenshot(path=str(SCREENSHOTS / "k1-policy-layers.png"), full_page=True)

    original = page.input_value("[data-testid=whatif-yaml]")
    page.fill("[data-testid=whatif-yaml]", original.replace('ratio: "0.60"', 'ratio: "1.60"')
              .replace("id: critical", "id: Critical!"))
    page.fill("[data-testid=whatif-year]", "2026")
    page.click("[data-testid=whatif-run]")
    problems = page.inner_text("[data-testid=policy-problems]")
    assert problems.count("modified.yaml") >= 2
    page.screenshot(path=str(SCREENSHOTS / "k2-policy-problems.png"), full_page=True)

    page.fill("[data-testid=whatif-yaml]", original.replace('deductible: "15000"', 'deductible: "10000"'))
    page.fill("[data-testid=whatif-year]", "2026")
    page.click("[data-testid=whatif-run]")
    page.wait_for_selector("[data-testid=whatif-status][data-status=succeeded]", timeout=60_000)
    assert page.inner_text("[data-testid=delta-critical]") == "3,000.00"
    assert page.inner_text("[data-testid=gainers]") == "1"
    assert "370830" not in page.content()  # aggregates only
    page.wait_for_timeout(300)  # let ECharts draw before the screenshot
    page.screenshot(path=str(SCREENSHOTS / "k3-whatif-result.png"), full_page=True)
