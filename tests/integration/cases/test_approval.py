"""Parallel approval: guarded transitions, reasons, overrides, audit, concurrency (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from medaid.audit.log import verify
from medaid.cases.approval import decide
from medaid.cases.payout import create_batch, run_batch
from medaid.cases.service import open_cases
from medaid.errors import MedaidError, NotFound, StateError
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share

from .conftest import POLICY, url_of
from .factory import County

pytestmark = pytest.mark.integration


def _two_department_case(engine: sa.Engine) -> int:
    """One case; a second department (civil affairs) is added to show parallel approval."""
    c = County()
    c.add_claim("A", c.add_person(1, category="dibao"))
    c.insert(engine)
    open_cases(url=url_of(engine), year=2026, policy_path=POLICY, today=dt.date(2026, 3, 12))
    with engine.begin() as conn:
        case_id = conn.execute(sa.select(aid_case.c.id)).scalar_one()
        conn.execute(case_line.insert().values(case_id=case_id, program="temp_aid", department="civil_affairs",
                                               planned_fen=100000, amount_fen=100000, rule="temp_aid.all.base",
                                               cap_fen=None))
        conn.execute(case_share.insert().values(case_id=case_id, department="civil_affairs", status="pending",
                                                version=1))
    return int(case_id)


def test_case_is_approved_only_when_every_department_decided(engine: sa.Engine) -> None:
    url = url_of(engine)
    case_id = _two_department_case(engine)
    assert decide(case_id, "medical_security", "approve", actor="ms1", url=url).case_status == "approving"
    r = decide(case_id, "civil_affairs", "return", actor="ca1", reason="户籍信息待核实", url=url)
    assert (r.share_status, r.case_status) == ("returned", "returned")
    with pytest.raises(StateError):
        decide(case_id, "civil_affairs", "approve", actor="ca1", url=url)  # must be resubmitted first
    decide(case_id, "civil_affairs", "resubmit", actor="clerk", reason="已核实", url=url)
    done = decide(case_id, "civil_affairs", "approve", actor="ca1", url=url)
    assert done.case_status == "approved"
    with engine.connect() as conn:
        actions = conn.execute(sa.select(case_event.c.actor, case_event.c.action, case_event.c.reason)
                               .where(case_event.c.case_id == case_id).order_by(case_event.c.id)).all()
        assert verify(conn).ok
    assert [a for _, a, _ in actions] == ["open", "approve", "return", "resubmit", "approve"]
    assert actions[2] == ("ca1", "return", "户籍信息待核实")


def test_guards_reason_unknown_department_and_no_approval_after_payout(engine: sa.Engine) -> None:
    url = url_of(engine)
    case_id = _two_department_case(engine)
    with pytest.raises(StateError):
        decide(case_id, "medical_security", "return", actor="x", reason="  ", url=url)
    with pytest.raises(NotFound):
        decide(case_id, "veterans", "approve", actor="x", url=url)
    with pytest.raises(NotFound):
        decide(999, "medical_security", "approve", actor="x", url=url)
    decide(case_id, "medical_security", "approve", actor="ms1", url=url)
    decide(case_id, "civil_affairs", "approve", actor="ca1", url=url)
    create_batch("b1", program="assistance", year=2026, actor="clerk", url=url)
    run_batch("b1", actor="clerk", url=url)
    with pytest.raises(StateError, match="paying"):
        decide(case_id, "civil_affairs", "resubmit", actor="ca1", url=url)


def test_override_needs_reason_and_is_flagged(engine: sa.Engine) -> None:
    url = url_of(engine)
    case_id = _two_department_case(engine)
    with pytest.raises(StateError):
        decide(case_id, "civil_affairs", "approve", actor="ca1", amounts={"temp_aid": 50000}, url=url)
    decide(case_id, "civil_affairs", "approve", actor="ca1", amounts={"temp_aid": 50000}, reason="已获慈善救助",
           url=url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(aid_case.c.payable_fen)).scalar_one() == 549010 + 50000
        assert conn.execute(sa.select(case_event.c.override).where(case_event.c.action == "approve")).scalar_one() == 1


def test_concurrent_decisions_on_one_case_serialise(engine: sa.Engine) -> None:
    url = url_of(engine)
    case_id = _two_department_case(engine)
    errors: list[Exception] = []

    def act(dept: str) -> None:
        try:
            decide(case_id, dept, "approve", actor=dept, url=url)
        except MedaidError as exc:  # pragma: no cover - would fail the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=act, args=(d,)) for d in ("medical_security", "civil_affairs")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with engine.connect() as conn:
        assert conn.execute(sa.select(aid_case.c.status)).scalar_one() == "approved"


def test_all_shares_denied_stores_a_denial_notice_with_reasons_and_other_help(engine: sa.Engine) -> None:
    from medaid.cases.notices import OTHER_HELP
    from medaid.store.cases_tables import case_notice

    url = url_of(engine)
    case_id = _two_department_case(engine)
    decide(case_id, "medical_security", "deny", actor="ms1", reason="本年度已在外地救助", url=url)
    assert decide(case_id, "civil_affairs", "deny", actor="ca1", reason="非本县户籍", url=url).case_status == "denied"
    with engine.connect() as conn:
        kind, letter = conn.execute(sa.select(case_notice.c.kind, case_notice.c.letter)).one()
    assert kind == "denial" and "非本县户籍" in letter and "本年度已在外地救助" in letter and OTHER_HELP in letter
