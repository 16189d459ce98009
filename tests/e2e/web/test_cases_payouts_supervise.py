"""Browser journeys for cases, payouts and supervision: two departments approve one case in
parallel (two approver logins in two browser contexts), the clerk runs the payout batch as a job,
downloads the bank file, imports the bank's result and sees the case paid; the supervisor sees an
overdue case and its chart page."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.api.roles import Department, Role
from medaid.api.users import create_user
from medaid.cases.service import open_cases
from medaid.store.cases_tables import aid_case, case_line, case_share
from medaid.store.db import engine_for, migrate
from tests.e2e.web.conftest import PASSWORD, SCREENSHOTS, Server, running_server
from tests.e2e.web.test_journeys import sign_in
from tests.integration.cases.conftest import POLICY
from tests.integration.cases.factory import County

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Overrides the shared fixture: a database with two cases, each needing two departments."""


    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrate(url)
    engine = engine_for(url)
    c = County()
    for i in range(2):
        c.add_claim(f"E{i}", c.add_person(200 + i, category="dibao", name=f"病人{i}"))
    c.insert(engine)
    open_cases(url=url, year=2026, policy_path=POLICY, today=dt.date(2026, 3, 12))
    with engine.begin() as conn:
        for case_id in conn.execute(sa.select(aid_case.c.id)).scalars():
            conn.execute(case_line.insert().values(case_id=case_id, program="temp_aid", department="civil_affairs",
                                                   planned_fen=0, amount_fen=0, rule="temp_aid.all.base"))
            conn.execute(case_share.insert().values(case_id=case_id, department="civil_affairs", status="pending"))
        create_user(conn, "ca", PASSWORD, Role.APPROVER, department=Department.CIVIL_AFFAIRS, actor="e2e")
        create_user(conn, "ms", PASSWORD, Role.APPROVER, department=Department.MEDICAL_SECURITY, actor="e2e")
        create_user(conn, "clerk", PASSWORD, Role.CLERK, actor="e2e")
        create_user(conn, "sup", PASSWORD, Role.SUPERVISOR, actor="e2e")
    with running_server(url, tmp_path / "data") as server:
        yield server


def approve_first_case(page, shot: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("[data-testid=cases-table]")
    page.click("[data-testid=case-link] >> nth=0")
    page.wait_for_selector("[data-testid=decide-form]")
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    page.click("[data-testid=decide-approve]")
    page.wait_for_selector("[data-testid=case-status]")


def test_two_departments_approve_and_the_clerk_pays(page, browser, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "ca")
    page.click("a[href='/cases']")
    assert page.inner_text("[data-testid=cases-total]") == "2"  # the civil-affairs inbox
    other = browser.new_context(base_url=server.base, locale="zh-CN")
    ms = other.new_page()
    ms.set_default_timeout(20_000)
    sign_in(ms, "ms")
    ms.click("a[href='/cases']")
    approve_first_case(page, "10-approver-civil-affairs-case.png")
    approve_first_case(ms, "11-approver-medical-security-case.png")
    assert ms.get_attribute("[data-testid=case-status]", "data-status") == "approved"
    assert ms.get_attribute("[data-testid=share-civil_affairs]", "data-status") == "approved"
    ms.goto("/cases")
    assert ms.inner_text("[data-testid=cases-total]") == "1"  # one share left in the inbox
    other.close()

    page.click("[data-testid=logout]")
    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=work]")
    page.click("a[href='/payouts']")
    page.fill("[data-testid=batch-key]", "2026-e2e-01")
    page.fill("[data-testid=batch-year]", "2026")
    page.click("[data-testid=batch-create]")
    assert page.inner_text("[data-testid=state-queued]") == "1"
    page.click("[data-testid=batch-run]")
    page.wait_for_selector("[data-testid=job-status][data-status=succeeded]")  # htmx polled the job
    page.goto("/payouts/2026-e2e-01")
    assert page.inner_text("[data-testid=state-issued]") == "1"
    with page.expect_download() as info:
        page.click("[data-testid=bank-file]")
    bank = tmp_path / "bank.csv"
    info.value.save_as(bank)
    rows = list(csv.DictReader(bank.open(encoding="utf-8")))
    result = tmp_path / "result.csv"
    result.write_text("line_key,result,bank_ref,reason\n" + "".join(f"{r['line_key']},paid,B1,\n" for r in rows),
                      encoding="utf-8")
    page.goto("/payouts")
    page.set_input_files("[data-testid=result-file]", str(result))
    page.click("[data-testid=result-submit]")
    assert page.inner_text("[data-testid=import-paid]") == "1"
    page.goto("/payouts/2026-e2e-01")
    assert page.inner_text("[data-testid=state-paid]") == "1"
    page.screenshot(path=str(SCREENSHOTS / "12-clerk-batch-paid.png"), full_page=True)
    page.click("[data-testid=line] a")
    assert page.get_attribute("[data-testid=case-status]", "data-status") == "paid"


def test_supervisor_sees_an_overdue_case(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "sup")
    page.click("a[href='/supervise']")
    page.goto("/supervise?year=2026")
    page.wait_for_function("document.querySelector('#funnel-chart canvas') !== null")
    assert page.inner_text("[data-testid=count-overdue]") == "2"
    page.screenshot(path=str(SCREENSHOTS / "13-supervisor-overview.png"), full_page=True)
    page.click("[data-testid=check-overdue]")
    assert page.inner_text("[data-testid=view-rows]") == "2"
    page.screenshot(path=str(SCREENSHOTS / "14-supervisor-overdue.png"), full_page=True)
    page.click("[data-testid=view-table] a >> nth=0")
    page.wait_for_selector("[data-testid=case-overdue]")
    assert page.query_selector("[data-testid=decide-form]") is None  # read-only


def test_clerk_downloads_the_bank_file_with_full_ids_only_with_a_reason(page, server: Server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from medaid.cases.approval import decide
    from medaid.cases.payout import create_batch, run_batch
    from medaid.domain.idnumber import make, mask
    from medaid.privacy.vault import encryptor
    from medaid.store.tables import identity

    engine = engine_for(server.url)
    numbers: dict[str, str] = {}
    encrypt = encryptor()
    with engine.begin() as conn:
        cases = list(conn.execute(sa.select(aid_case.c.id, aid_case.c.id_token).order_by(aid_case.c.id)))
        for i, (_, tok) in enumerate(cases):
            numbers[tok] = make("370830", dt.date(1960, 1, 1), 60 + i, "F")
            conn.execute(identity.insert().values(id_token=tok, id_cipher=encrypt(numbers[tok], tok),
                                                  id_masked=mask(numbers[tok]), region_code="370830",
                                                  birth_date=dt.date(1960, 1, 1), sex="F"))
    for case_id, _ in cases:
        for department in ("civil_affairs", "medical_security"):
            decide(case_id, department, "approve", actor="e2e", url=server.url, today=dt.date(2026, 3, 13))
    create_batch("2026-e2e-rv", program="assistance", year=2026, actor="e2e", url=server.url)
    assert run_batch("2026-e2e-rv", actor="e2e", url=server.url).issued == 2

    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/payouts/2026-e2e-rv")
    page.wait_for_selector("[data-testid=bank-reveal-form]")
    # the browser refuses an empty reason (required); with its check switched off the server refuses too
    page.click("[data-testid=bank-reveal-go]")
    assert page.url.endswith("/payouts/2026-e2e-rv")
    page.eval_on_selector("[data-testid=bank-reveal-form]", "f => { f.noValidate = true; }")
    page.click("[data-testid=bank-reveal-go]")
    page.wait_for_selector("[data-testid=error-status]")
    assert page.inner_text("[data-testid=error-status]").startswith("422")
    assert "请填写查看完整身份证号的原因" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "15-bank-file-reveal-needs-reason.png"), full_page=True)
    page.goto("/payouts/2026-e2e-rv")
    page.fill("[data-testid=bank-reveal-reason]", "三月救助金银行代发")
    page.screenshot(path=str(SCREENSHOTS / "16-bank-file-reveal-reason.png"), full_page=True)
    with page.expect_download() as info:
        page.click("[data-testid=bank-reveal-go]")
    assert info.value.suggested_filename == "2026-e2e-rv.bank.full-id.csv"
    target = tmp_path / "bank-full.csv"
    info.value.save_as(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert sorted(r["id_number"] for r in rows) == sorted(numbers.values())
    with page.expect_download() as masked_info:
        page.click("[data-testid=bank-file]")
    masked = tmp_path / "bank-masked.csv"
    masked_info.value.save_as(masked)
    assert all("*" in r["id_number"] for r in csv.DictReader(masked.open(encoding="utf-8")))
    page.click("[data-testid=logout]")

    sign_in(page, "sup")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/audit?action=sensitive_read")
    assert "三月救助金银行代发" in page.content()
    assert not any(n in page.content() for n in numbers.values())
    page.screenshot(path=str(SCREENSHOTS / "17-audit-bank-file-reveal.png"), full_page=True)
