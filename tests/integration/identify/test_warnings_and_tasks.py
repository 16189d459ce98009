"""Warnings, management tasks and their deadlines on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from medaid.audit.log import tail, verify
from medaid.domain.workdays import add_workdays
from medaid.errors import StateError
from medaid.identify.alerts import list_warnings, raise_warnings
from medaid.identify.manage import plan_tasks
from medaid.identify.service import identify_year
from medaid.identify.tasks import NewTask, advance, due_tasks, funnel, open_tasks
from medaid.store.db import engine_for
from medaid.store.identify_tables import mgmt_task

pytestmark = pytest.mark.integration
FRIDAY = date(2026, 2, 13)  # the day before the 2026 Spring Festival make-up Saturday


def test_warnings_colour_owner_deadline_and_idempotence(make_county) -> None:
    url, _c = make_county()
    first = raise_warnings(2026, url=url, as_of=FRIDAY)
    again = raise_warnings(2026, url=url, as_of=FRIDAY)
    assert first.raised > 0 and again.raised == 0
    with engine_for(url).connect() as conn:
        rows = list_warnings(conn, year=2026, as_of=FRIDAY)
        by = {(r["household_id"], r["rule"]): r for r in rows}
        # h04: rare disease stay with OOP 70,000 → single admission, severe patient → red, county
        red = by[("h04", "single_admission")]
        assert (red["colour"], red["owner_level"]) == ("red", "county")
        assert red["due_on"] == add_workdays(FRIDAY, 3) == date(2026, 2, 25)
        # h05: main earner unemployed, no severe patient, share below 30% → blue, village
        blue = by[("h05", "unemployed")]
        assert (blue["colour"], blue["owner_level"]) == ("blue", "village")
        assert not red["overdue"]
        later = list_warnings(conn, year=2026, as_of=date(2026, 3, 2))
        assert any(r["overdue"] for r in later if r["colour"] == "red")
        visits = due_tasks(conn, as_of=FRIDAY, kind="home_visit")
        assert {v["household_id"] for v in visits} >= {"h04"}


def test_plan_opens_tasks_once_with_working_day_deadlines(make_county) -> None:
    url, _c = make_county()
    identify_year(2026, url=url, use_model=False)
    s1 = plan_tasks(2026, url=url, as_of=FRIDAY)
    s2 = plan_tasks(2026, url=url, as_of=FRIDAY)
    assert sum(s2.opened.values()) == 0
    assert s1.opened["notice"] == s1.opened["publicity"] > 0
    assert s1.opened["screening"] >= 1  # h07: hypertension stay, no chronic certificate
    assert s1.opened.get("green_channel", 0) >= 1  # h05: main earner unemployed, not on a roster
    with engine_for(url).connect() as conn:
        tasks = due_tasks(conn, as_of=FRIDAY)
        notice = next(t for t in tasks if t["kind"] == "notice")
        assert notice["due_on"] == add_workdays(FRIDAY, 10)
        pub = next(t for t in tasks if t["kind"] == "publicity")
        assert (pub["due_on"] - FRIDAY).days == 5
        review = next(t for t in tasks if t["kind"] == "review" and t["household_id"] == "h06")
        assert review["due_on"] == date(2026, 6, 30)  # dibao: half-yearly
        screening = next(t for t in tasks if t["kind"] == "screening")
        assert screening["household_id"] == "h07" and screening["township_code"] == "370830101"


def test_state_machine_and_seed_002_funnel(db_url: str) -> None:
    from medaid.store.db import migrate

    migrate(db_url)
    engine = engine_for(db_url)
    with engine.begin() as conn:
        n = open_tasks(conn, [NewTask("screening", f"s:{i}", FRIDAY, add_workdays(FRIDAY, 20), {})
                              for i in range(4046)])
        assert n == 4046
        ids = list(conn.execute(select(mgmt_task.c.id).order_by(mgmt_task.c.id)).scalars())
        for i in ids[:503]:
            advance(conn, i, "applied", actor="t", on=FRIDAY)
            advance(conn, i, "reviewed", actor="expert", on=FRIDAY)
        for i in ids[:407]:
            advance(conn, i, "certified", actor="t", on=FRIDAY)
        for i in ids[407:503]:
            advance(conn, i, "rejected", actor="expert", on=FRIDAY, note="不符合标准")
        with pytest.raises(StateError):
            advance(conn, ids[0], "applied", actor="t", on=FRIDAY)
        with pytest.raises(StateError):
            advance(conn, ids[600], "certified", actor="t", on=FRIDAY)
        f = funnel(conn)
    assert (f["found"], f["reviewed"], f["certified"]) == (4046, 503, 407)
    with engine.connect() as conn:
        open_now = due_tasks(conn, as_of=date(2026, 4, 1), kind="screening")
        report = verify(conn)
        events = tail(conn, 1, action_prefix="identify.task")
    assert len(open_now) == 4046 - 503 and all(t["overdue"] for t in open_now)
    assert report.ok and report.events == 503 * 2 + 503  # every transition is an audit event
    assert events[0]["detail"]["to"] == "rejected"


def test_a_warning_is_verified_then_closed_with_history_and_audit(make_county) -> None:
    from medaid.identify.alerts import get_warning, set_warning_state

    url, _c = make_county()
    raise_warnings(2026, url=url, as_of=FRIDAY)
    late = date(2026, 3, 2)  # after the red warnings' 3-working-day deadline
    with engine_for(url).begin() as conn:
        red = next(r for r in list_warnings(conn, year=2026, as_of=late) if r["colour"] == "red")
        assert red["overdue"] and red["state"] == "open"
        with pytest.raises(StateError) as bad:
            set_warning_state(conn, int(red["id"]), "done", actor="t", on=late)
        assert "可选：已核实、已办结" in bad.value.zh and "allowed: verified, closed" in bad.value.en
        set_warning_state(conn, int(red["id"]), "verified", actor="county", on=FRIDAY, note="已入户核实")
        again = next(r for r in list_warnings(conn, year=2026, as_of=late) if r["id"] == red["id"])
        assert again["state"] == "verified" and not again["overdue"]  # verified in time is not overdue
        set_warning_state(conn, int(red["id"]), "closed", actor="county", on=late, note="已纳入救助")
        row = get_warning(conn, int(red["id"]))
        assert row["closed_on"] == late
        with pytest.raises(StateError) as closed:
            set_warning_state(conn, int(red["id"]), "closed", actor="t", on=late)
        assert "无（已办结）" in closed.value.zh
    history = json.loads(row["history"])
    assert [h["state"] for h in history] == ["open", "verified", "closed"]
    assert history[1]["note"] == "已入户核实"
    with engine_for(url).connect() as conn:
        events = list(reversed(tail(conn, 50, action_prefix="identify.warning")))
        assert [(e["detail"]["from"], e["detail"]["to"]) for e in events] == [("open", "verified"),
                                                                               ("verified", "closed")]
        assert verify(conn).ok


def test_one_round_identifies_warns_and_plans_once(make_county) -> None:
    from medaid.identify.pipeline import run_round

    url, _c = make_county()
    stages: list[str] = []
    first = run_round(2026, url=url, as_of=FRIDAY, use_model=False, actor="clerk",
                      progress=lambda s, _d, _n: stages.append(s))
    assert first["flagged"] > 0 and first["warnings_raised"] > 0 and first["tasks_opened"]["notice"] > 0
    assert [s[:3] for s in stages if s[:3] in ("1/3", "2/3", "3/3")][-2:] == ["2/3", "3/3"]
    second = run_round(2026, url=url, as_of=FRIDAY, use_model=False, actor="clerk")
    assert second["run_id"] == first["run_id"] + 1
    assert second["warnings_raised"] == 0
    # notices and publicity are once per household and year: a second round reopens nothing
    assert not any(second["tasks_opened"].values()), second["tasks_opened"]
