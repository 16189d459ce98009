"""Browser journeys in a real Chromium: clerk upload with rejects, township scope, logout, lockout."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from medaid.store.db import engine_for
from tests.e2e.web.conftest import PASSWORD, SCREENSHOTS, TOWN_A, TOWN_B, Server, bad_persons_file

pytestmark = pytest.mark.e2e


def sign_in(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_clerk_uploads_a_file_with_bad_rows_and_downloads_rejects(page, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=user]")
    page.wait_for_function("document.querySelector('#rows-chart canvas') !== null")
    page.screenshot(path=str(SCREENSHOTS / "01-clerk-home.png"), full_page=True)

    page.click("a[href='/loads']")
    page.set_input_files("[data-testid=upload-file]", str(bad_persons_file(tmp_path / "upload")))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=job-status][data-status=succeeded]")  # htmx polling replaced it
    page.screenshot(path=str(SCREENSHOTS / "02-clerk-job-done.png"), full_page=True)
    assert page.inner_text("[data-testid=result-rejected]").strip() == "2"

    page.click("[data-testid=result-load-link]")
    assert page.inner_text("[data-testid=rows-rejected]").strip() == "2"
    assert page.inner_text("[data-testid=rows-accepted]").strip() == "5"
    page.screenshot(path=str(SCREENSHOTS / "03-clerk-load-rejects.png"), full_page=True)
    with page.expect_download() as info:
        page.click("[data-testid=download-rejects]")
    target = tmp_path / "rejects.xlsx"
    info.value.save_as(target)
    sheet = openpyxl.load_workbook(target, read_only=True).active
    assert sheet is not None
    assert len([r for r in sheet.iter_rows(values_only=True) if any(r)]) == 3  # header + 2 rejects


def test_township_user_cannot_see_another_township(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "town_a")
    page.click("a[href='/people']")
    page.wait_for_selector("[data-testid=people-table]")
    assert page.url.endswith(f"/people/{TOWN_A}")
    assert page.inner_text("[data-testid=people-total]") == "4"
    assert "********" in page.inner_text("[data-testid=people-table]")
    page.screenshot(path=str(SCREENSHOTS / "04-township-own.png"), full_page=True)

    response = page.goto(f"/people/{TOWN_B}")
    assert response is not None and response.status == 404
    assert "404" in page.inner_text("[data-testid=error-status]")
    page.screenshot(path=str(SCREENSHOTS / "05-township-other-404.png"), full_page=True)
    api = page.request.get(f"/api/v1/townships/{TOWN_B}/people")
    assert api.status == 404 and api.headers["content-type"].startswith("application/problem+json")
    with engine_for(server.url).connect() as conn:
        denied = conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE action = 'access.denied' "
                                      "AND actor = 'town_a'")).scalar_one()
    assert denied == 2


def test_logout_ends_the_session(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "admin")
    page.wait_for_selector("[data-testid=user]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login")
    page.goto("/audit")
    assert "/login" in page.url
    page.screenshot(path=str(SCREENSHOTS / "06-after-logout.png"), full_page=True)


def test_wrong_password_locks_the_account(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        sign_in(page, "clerk", "not-the-password")
    assert "锁定" in page.inner_text("[data-testid=login-error]")
    sign_in(page, "clerk")
    assert "锁定" in page.inner_text("[data-testid=login-error]")
    assert "/login" in page.url
    page.screenshot(path=str(SCREENSHOTS / "07-locked.png"), full_page=True)
