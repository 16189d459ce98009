"""The audit chain on a real database (SQLite and PostgreSQL): append, triggers, tamper detection."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from medaid.audit.log import append_event, record_sensitive_read, tail, verify
from medaid.store.db import engine_for, migrate

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    migrate(db_url)
    return engine_for(db_url)


def _append(engine: sa.Engine, n: int, actor: str = "tester") -> list[int]:
    with engine.begin() as conn:
        return [append_event(conn, actor=actor, action="load", subject=f"load:{i}", detail={"i": i, "名": "张三"})
                for i in range(n)]


def _drop_triggers(engine: sa.Engine) -> None:
    """Simulate a DBA who removes the append-only protection before editing rows."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")


def test_append_returns_consecutive_seq_and_verifies(engine: sa.Engine) -> None:
    assert _append(engine, 3) == [1, 2, 3]
    with engine.begin() as conn:
        assert record_sensitive_read(conn, "clerk1", "person:abc", "case review") == 4
        report = verify(conn)
        newest = tail(conn, 2)
    assert report.ok and report.events == 4 and report.last_seq == 4
    assert [e["seq"] for e in newest] == [4, 3]
    assert newest[0]["action"] == "sensitive_read" and newest[0]["detail"] == {"reason": "case review"}
    assert newest[1]["detail"]["名"] == "张三"


def test_empty_log_verifies(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert verify(conn).ok


def test_rolled_back_event_leaves_no_gap(engine: sa.Engine) -> None:
    _append(engine, 1)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        append_event(conn, actor="x", action="load", subject="s", detail={})
        raise RuntimeError("caller fails")
    assert _append(engine, 1) == [2]
    with engine.connect() as conn:
        assert verify(conn).ok


def test_id_numbers_are_masked_in_subject_and_detail(engine: sa.Engine) -> None:
    raw = "11010519491231002X"
    with engine.begin() as conn:
        append_event(conn, actor="x", action="sensitive_read", subject=f"person {raw}", detail={"ids": [raw]})
        row = conn.execute(sa.text("SELECT subject, detail FROM audit_event")).one()
    assert raw not in row.subject and raw not in row.detail
    assert "110105********002X" in row.subject


def test_triggers_reject_update_and_delete(engine: sa.Engine) -> None:
    _append(engine, 2)
    for statement in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event WHERE seq = 1"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with engine.connect() as conn:
        assert verify(conn).ok


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        ("UPDATE audit_event SET detail = '{\"i\":99,\"名\":\"张三\"}' WHERE seq = 3", 3),
        ("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2", 2),
        ("DELETE FROM audit_event WHERE seq = 2", 2),
        ("DELETE FROM audit_event WHERE seq = 5", 5),
    ],
    ids=["edit-detail", "edit-actor", "delete-middle", "delete-tail"],
)
def test_verify_names_the_first_broken_seq(engine: sa.Engine, tamper: str, broken_at: int) -> None:
    _append(engine, 5)
    _drop_triggers(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(tamper)
    with engine.connect() as conn:
        report = verify(conn)
    assert not report.ok
    assert report.broken_at == broken_at, report
    assert str(broken_at) in report.message()


def test_verify_detects_reordered_events(engine: sa.Engine) -> None:
    """Swapping the contents of two rows (keeping their seq) breaks the chain at the first of them."""
    _append(engine, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(sa.text("SELECT * FROM audit_event WHERE seq IN (2, 3)"))}
        for seq, other in ((2, 3), (3, 2)):
            src = rows[other]
            conn.execute(
                sa.text("UPDATE audit_event SET at=:at, subject=:s, detail=:d, prev_hash=:p, hash=:h WHERE seq=:q"),
                {"at": src.at, "s": src.subject, "d": src.detail, "p": src.prev_hash, "h": src.hash, "q": seq},
            )
    with engine.connect() as conn:
        report = verify(conn)
    assert not report.ok and report.broken_at == 2


def test_concurrent_appends_keep_one_chain(engine: sa.Engine) -> None:
    """Writers in parallel threads: every event lands, sequence numbers are unique, chain verifies."""
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for _ in range(10):
                _append(engine, 1, actor=name)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with engine.connect() as conn:
        report = verify(conn)
    assert report.ok and report.events == 40


def test_append_events_batches_into_the_same_chain(engine: sa.Engine) -> None:
    from medaid.audit.log import Event, append_events

    _append(engine, 2)
    with engine.begin() as conn:
        seqs = append_events(conn, [Event("batch", "case.open", f"case:{i}", {"i": i}) for i in range(5)])
        assert append_events(conn, []) == []
    assert seqs == [3, 4, 5, 6, 7]
    assert _append(engine, 1) == [8]
    with engine.connect() as conn:
        report = verify(conn)
    assert report.ok and report.events == 8
