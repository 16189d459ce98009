"""On a small synthetic county (engineer A's generator, loaded by B's ingest), on SQLite and PostgreSQL:
every injected reconciliation fault is found, nothing clean is flagged, links score against truth,
and a clerk's review decision is applied and audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, select

from medaid.store.db import engine_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    synth = pytest.importorskip("medaid.synth")
    out = tmp_path_factory.mktemp("county")
    synth.generate_county(out, people=1200, year=2026, seed=5)
    return out


@pytest.fixture
def loaded(county: Path, db_url: str) -> str:
    from medaid.ingest.service import load_path

    load_path(county, url=db_url)
    return db_url


def test_round_recall_100_precision_99(county: Path, loaded: str) -> None:
    from medaid.reconcile import run_round
    from medaid.reconcile.score import score_round

    summary = run_round(2026, url=loaded)
    score = score_round(county / "truth", summary.round_id, url=loaded)
    assert score.expected > 0
    assert score.recall == 1.0, score.missed_examples
    assert score.precision >= 0.99, score.extra_examples


def test_linkage_scores_and_review_is_audited(county: Path, loaded: str) -> None:
    from medaid.audit.log import verify
    from medaid.linkage import decide, pending, resolve
    from medaid.linkage.truth import score_store
    from medaid.store.audit_tables import audit_event
    from medaid.store.reconcile_tables import link_review, person_link

    first = resolve(loaded)
    score = score_store(county, url=loaded)
    assert score.precision >= 0.99 and score.f1 >= 0.98, score.as_dict()
    with engine_for(loaded).connect() as conn:
        n_links = conn.execute(select(person_link.c.id)).fetchall()
    assert len(n_links) == first.links
    # Stem tokens leave this county no uncertain pair at the default thresholds; an upper threshold
    # above 1 sends every probabilistic link to the clerk, which is what this test exercises.
    resolve(loaded, upper=1.01)
    queue = pending(url=loaded, limit=5)
    assert queue, "expected probabilistic candidates for the clerk"
    decide(int(queue[0]["id"]), accept=True, reason="核对户籍原件一致", actor="clerk1", url=loaded)
    with pytest.raises(Exception, match="already"):
        decide(int(queue[0]["id"]), accept=False, reason="x", actor="clerk1", url=loaded)
    resolve(loaded)
    with engine_for(loaded).connect() as conn:
        status = conn.execute(select(link_review.c.status).where(link_review.c.id == queue[0]["id"])).scalar()
        left, right = (_key_of(conn, str(queue[0][side])) for side in ("left_uid", "right_uid"))
        actions = [a for (a,) in conn.execute(select(audit_event.c.action))]
        assert verify(conn).ok
    assert status == "accepted"
    assert left == right  # the clerk said "same person": the next run links them
    assert "linkage.review" in actions and actions.count("linkage.run") == 3


def _key_of(conn: Connection, uid: str) -> str:
    """person_key of a linkage record id: ``T:<token>`` or ``<table>:<load_id>:<row>``."""
    from medaid.store.reconcile_tables import person_link as pl

    if uid.startswith("T:"):
        where = [pl.c.id_token == uid[2:]]
    else:
        table, load_id, row = uid.split(":")
        where = [pl.c.table_name == table, pl.c.load_id == int(load_id), pl.c.source_row == int(row)]
    return str(conn.execute(select(pl.c.person_key).where(*where).limit(1)).scalar_one())
