"""Browser journeys for acting on identification: a clerk starts an identification round (identify →
warnings → tasks) as a background job, sees it finish and filters the due list by township and the
warnings by state; a township user filters the due list,
moves a screening task along its workflow with a note and sees it in the task's history, and finds
no way to another township's task."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.api.roles import Role
from medaid.api.users import create_user
from medaid.store import tables
from medaid.store.db import engine_for, migrate
from medaid.store.identify_tables import mgmt_task
from tests.e2e.web.conftest import PASSWORD, SCREENSHOTS, Server, running_server
from tests.e2e.web.test_journeys import sign_in
from tests.integration.identify.conftest import CORE, County, known_county

pytestmark = pytest.mark.e2e
TOWN = "370830101"  # h07 lives here: an inpatient stay for hypertension, no chronic certificate


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Overrides the shared fixture: the identification test county (rules only, no model)."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrate(url)
    engine = engine_for(url)
    tables.metadata.create_all(engine, tables=CORE, checkfirst=True)
    c = County()
    known_county(c)
    c.write(engine)
    with engine.begin() as conn:
        create_user(conn, "clerk", PASSWORD, Role.CLERK, actor="e2e")
        create_user(conn, "town", PASSWORD, Role.TOWNSHIP, township_code=TOWN, actor="e2e")
    with running_server(url, tmp_path / "data") as srv:
        yield srv


def test_clerk_starts_an_identification_round_and_sees_it_finish(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "clerk")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/identify")
    page.fill("[data-testid=ident-run-year]", "2026")
    page.screenshot(path=str(SCREENSHOTS / "J1-identify-start.png"), full_page=True)
    page.click("[data-testid=ident-run-go]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("[data-testid=job-status][data-status=succeeded]", timeout=120_000)  # htmx polling
    assert "发现" in page.inner_text("[data-testid=identify-result]")
    assert int(page.inner_text("[data-testid=identify-warnings]")) > 0
    assert int(page.inner_text("[data-testid=identify-tasks]")) > 0
    page.screenshot(path=str(SCREENSHOTS / "J2-identify-job-finished.png"), full_page=True)
    page.click("[data-testid=identify-run-link]")
    page.wait_for_selector("[data-testid=candidates]")
    assert int(page.inner_text("[data-testid=cand-total]")) > 0
    with engine_for(server.url).connect() as conn:
        runs = conn.execute(sa.text("SELECT COUNT(*) FROM identify_run")).scalar_one()
        warnings = conn.execute(sa.text("SELECT COUNT(*) FROM early_warning")).scalar_one()
    assert runs == 1 and warnings > 0
    # the due list's township filter is a choice by name; the warnings page filters by state
    page.goto("/identify/due")
    page.select_option("[data-testid=due-township]", label=f"南旺镇 {TOWN}")
    page.click("[data-testid=due-filter] button[type=submit]")
    page.wait_for_url(f"**township={TOWN}**")
    towns = page.eval_on_selector_all("[data-testid=due] tbody tr td:nth-child(4)", "cells => cells.map(c => c.textContent)")
    assert towns and set(towns) == {TOWN}
    page.goto("/identify/warnings?year=2026")
    page.select_option("[data-testid=warn-state]", "open")
    page.click("[data-testid=warn-filter] button[type=submit]")
    page.wait_for_url("**state=open**")
    states = page.eval_on_selector_all("[data-testid=warnings] tbody tr", "rows => rows.map(r => r.dataset.state)")
    assert states and set(states) == {"open"}
    page.screenshot(path=str(SCREENSHOTS / "J2b-identify-filters.png"), full_page=True)


def test_township_user_advances_a_task_with_a_note(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    from medaid.identify.pipeline import run_round

    today = dt.date.today()
    run_round(2026, url=server.url, as_of=today, use_model=False, actor="e2e")
    with engine_for(server.url).begin() as conn:
        screening = conn.execute(sa.select(mgmt_task.c.id).where(mgmt_task.c.kind == "screening",
                                                                 mgmt_task.c.township_code == TOWN)).scalar_one()
        late = int(conn.execute(mgmt_task.insert().values(
            kind="home_visit", dedupe_key="e2e:late", household_id="h07", id_token=None, township_code=TOWN,
            state="due", opened_on=today - dt.timedelta(days=3), due_on=today - dt.timedelta(days=2),
            detail='{"why": "红色预警"}', history="[]")).inserted_primary_key[0])
        elsewhere = conn.execute(sa.select(mgmt_task.c.id).where(mgmt_task.c.township_code != TOWN)
                                 .limit(1)).scalar_one()
    sign_in(page, "town")
    page.wait_for_selector("[data-testid=user]")
    page.goto("/identify/due")
    assert page.query_selector(f"[data-testid=task-{elsewhere}]") is None  # another township's work
    assert page.get_attribute(f"[data-testid=task-{late}]", "data-overdue") == "true"
    page.check("[data-testid=due-overdue]")
    page.click("[data-testid=due-filter] button")
    page.wait_for_url("**overdue=true**")
    assert page.inner_text("[data-testid=due-total]") == "1"
    page.select_option("[data-testid=due-kind]", "screening")
    page.uncheck("[data-testid=due-overdue]")
    page.click("[data-testid=due-filter] button")
    page.wait_for_url("**kind=screening**")
    options = page.eval_on_selector_all(f"[data-testid=act-state-{screening}] option", "els => els.map(e => e.value)")
    assert options == ["applied", "rejected"]  # only the allowed next states are offered
    page.select_option(f"[data-testid=act-state-{screening}]", "applied")
    page.fill(f"[data-testid=act-note-{screening}]", "已上门帮助申请慢特病证")
    page.screenshot(path=str(SCREENSHOTS / "J3-township-due-list.png"), full_page=True)
    page.click(f"[data-testid=act-go-{screening}]")
    page.wait_for_selector(f"[data-testid=task-{screening}][data-state=applied]")
    assert "kind=screening" in page.url  # back on the same filtered list
    page.goto(f"/identify/tasks/{screening}")
    assert page.get_attribute("[data-testid=task-state]", "data-state") == "applied"
    assert "已上门帮助申请慢特病证" in page.inner_text("[data-testid=task-history]")
    page.screenshot(path=str(SCREENSHOTS / "J4-township-task-history.png"), full_page=True)
    page.goto(f"/identify/tasks/{elsewhere}")
    assert page.inner_text("[data-testid=error-status]").startswith("404")
    with engine_for(server.url).connect() as conn:
        history = json.loads(conn.execute(sa.select(mgmt_task.c.history).where(mgmt_task.c.id == screening))
                             .scalar_one())
    assert history[-1]["actor"] == "town" and history[-1]["state"] == "applied"
