"""Through the real ingest: a wrong check digit links exactly by its stem token, and a clerk's
decision on an uncertain pair still applies after the file is loaded again (issues 3 and 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from medaid.ingest.service import load_path
from medaid.linkage import decide, pending, resolve
from medaid.privacy.tokens import id_stem_token, id_token
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import person_link as pl
from medaid.store.tables import identity, load, reject
from tests.integration.ingest.factories import person_id, row, write_kind


def _wrong_check(idn: str) -> str:
    return idn[:17] + ("0" if idn[17] != "0" else "1")


def _link_of(url: str, table: str, load_id: int, source_row: int) -> tuple[str, str]:
    with engine_for(url).connect() as conn:
        key, method = conn.execute(select(pl.c.person_key, pl.c.method).where(
            pl.c.table_name == table, pl.c.load_id == load_id, pl.c.source_row == source_row)).one()
    return str(key), str(method)


def _roster_load(url: str) -> int:
    with engine_for(url).connect() as conn:
        return int(conn.execute(select(load.c.id).where(load.c.kind == "roster", load.c.status == "loaded")).scalar_one())


def test_wrong_check_digit_keeps_a_stem_and_links_exactly(db_url: str, tmp_path: Path) -> None:
    good, other = person_id(1), person_id(2)
    folder = tmp_path / "c"
    write_kind(folder, "persons", [row("persons", 1), row("persons", 2)])
    # same first 17 digits as person 1, a name nobody would call a match, another township
    write_kind(folder, "roster", [row("roster", 1, id_number=_wrong_check(good), name="欧阳某",
                                      township_code="370830999")])
    load_path(folder, url=db_url)
    with engine_for(db_url).connect() as conn:
        stem, born, sex = conn.execute(select(reject.c.id_stem_token, reject.c.id_birth_date, reject.c.id_sex)
                                       .where(reject.c.field == "id_number")).one()
        stems = dict(conn.execute(select(identity.c.id_token, identity.c.id_stem_token)).tuples().all())
    assert stem == id_stem_token(good) == stems[id_token(good)] != id_token(good)
    assert stems[id_token(other)] != stem
    assert born == dt.date(int(good[6:10]), int(good[10:12]), int(good[12:14])) and sex == "M"
    resolve(db_url)
    assert _link_of(db_url, "roster", _roster_load(db_url), 2) == (id_token(good), "id_stem")


def test_malformed_first_17_keep_no_stem(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_kind(folder, "persons", [row("persons", 1)])
    write_kind(folder, "roster", [row("roster", 1, id_number=person_id(1)[:6] + "19801341" + person_id(1)[14:])])
    load_path(folder, url=db_url)
    with engine_for(db_url).connect() as conn:
        assert conn.execute(select(reject.c.id_stem_token, reject.c.id_birth_date, reject.c.id_sex)
                            .where(reject.c.field == "id_number")).one() == (None, None, None)


def test_review_decision_survives_a_reload(db_url: str, tmp_path: Path) -> None:
    good = person_id(1)
    folder = tmp_path / "c"
    write_kind(folder, "persons", [row("persons", 1)])
    bad = row("roster", 1, id_number=good[:16])  # too short: no stem, so only the model can link it
    write_kind(folder, "roster", [bad])
    load_path(folder, url=db_url)
    resolve(db_url, upper=1.01)  # nothing is sure enough: every candidate goes to the clerk
    queue = pending(url=db_url)
    assert len(queue) == 1 and queue[0]["left_uid"].startswith("T:") != queue[0]["right_uid"].startswith("T:")
    decide(int(queue[0]["id"]), accept=True, reason="核对户籍原件一致", actor="clerk1", url=db_url)

    # a new roster delivery: another row first, so the same person's row moves and its load changes
    write_kind(folder, "roster", [row("roster", 2), bad])
    load_path(folder / "roster.csv", url=db_url)
    resolve(db_url, upper=1.01)
    assert _link_of(db_url, "roster", _roster_load(db_url), 3) == (id_token(good), "review")
    assert pending(url=db_url) == []  # the decided pair is not asked again
