"""Browser journeys for the person view and reconciliation: a clerk runs a round (background job),
a township user downloads the work list and uploads feedback; a clerk opens a person, sees the
per-layer trace, reveals the ID number with a reason and an admin finds it on the audit page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from medaid.privacy.tokens import id_token
from tests.e2e.web.conftest import SCREENSHOTS, TOWN_A, Server
from tests.e2e.web.test_journeys import sign_in
from tests.integration.reconcile.factory import CountyFactory

pytestmark = pytest.mark.e2e


def seed(url: str) -> dict[str, str]:
    """Two assisted people in township A: one not enrolled, one with an inpatient claim."""
    f = CountyFactory(url)
    who = {}
    who["patient"] = a = f.person("刘病人", town=TOWN_A)
    f.roster(a, "刘病人")
    f.enrol(a, "刘病人")
    f.claim(a, "刘病人", dt.date(2026, 4, 2), "E2E-C1")
    who["missing"] = a = f.person("陈未保", town=TOWN_A)
    f.roster(a, "陈未保")
    f.write()
    return who


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login**")


def test_round_then_township_worklist_and_feedback(page, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(server.url)
    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/reconcile")
    page.fill("[data-testid=recon-year]", "2026")
    page.click("[data-testid=recon-run]")
    page.wait_for_selector("[data-testid=job-status][data-status=succeeded]", timeout=60_000)
    page.goto("/reconcile?year=2026")
    page.wait_for_function("document.querySelector('#recon-chart canvas') !== null")
    page.screenshot(path=str(SCREENSHOTS / "I1-reconcile-overview.png"), full_page=True)
    sign_out(page)

    sign_in(page, "town_a")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/reconcile")
    page.wait_for_selector("[data-testid=worklist]")
    assert page.url.split("?")[0].endswith(f"/reconcile/townships/{TOWN_A}")
    assert page.inner_text("[data-testid=worklist-total]") == "1"
    assert "陈未保" in page.inner_text("[data-testid=worklist]")
    with page.expect_download() as info:
        page.click("[data-testid=worklist-download]")
    target = tmp_path / f"核查清单_{TOWN_A}_2026.xlsx"
    info.value.save_as(target)
    book = openpyxl.load_workbook(target)
    row = next(book.active.iter_rows(min_row=2))
    assert "*" in str(row[1].value)
    row[8].value, row[9].value, row[10].value = "已处理", "已补办参保", "乡镇王"
    book.save(target)
    page.set_input_files("[data-testid=feedback-file]", str(target))
    page.click("[data-testid=feedback-submit]")
    page.wait_for_selector("[data-testid=feedback-ok]")
    assert page.inner_text("[data-testid=worklist-total]") == "0"
    page.screenshot(path=str(SCREENSHOTS / "I2-township-feedback.png"), full_page=True)


def test_clerk_sees_trace_and_reveals_id_with_reason(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    who = seed(server.url)
    token = id_token(who["patient"])
    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/person?q=刘病人")
    page.wait_for_selector("[data-testid=trace]")  # one hit → straight to the person
    assert page.url.split("?")[0].endswith(f"/person/{token}")
    trace = page.inner_text("[data-testid=trace]")
    assert "E2E-C1" in page.inner_text("[data-testid=claim]") and trace.count("\n") >= 2
    assert who["patient"] not in page.content()
    page.fill("[data-testid=reveal-reason]", "核对医院结算单")
    page.click("[data-testid=reveal-go]")
    page.wait_for_selector("[data-testid=revealed-number]")
    assert page.inner_text("[data-testid=revealed-number]") == who["patient"]
    page.screenshot(path=str(SCREENSHOTS / "I3-person-trace-revealed.png"), full_page=True)
    page.reload()
    assert who["patient"] not in page.content()  # shown once, not kept in the page
    sign_out(page)

    sign_in(page, "admin")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/audit?action=sensitive_read")
    assert "核对医院结算单" in page.content()
    assert who["patient"] not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "I4-audit-reveal.png"), full_page=True)
