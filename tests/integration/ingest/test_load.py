"""``load_path`` on SQLite and PostgreSQL: counts, rejects, whole-file failures, idempotency, supersede."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from medaid.errors import ConfigError
from medaid.ingest import write
from medaid.ingest.service import FileReport, load_path
from medaid.privacy.tokens import id_token
from medaid.privacy.vault import reveal
from medaid.store.audit_tables import audit_event
from medaid.store.db import engine_for, migrate
from medaid.store.tables import CONTRACT_TABLES, claim, identity, load, person, reject, roster
from tests.integration.ingest.factories import HEADERS, person_id, row, write_kind

pytestmark = pytest.mark.integration


def count(url: str, table_name: str) -> int:
    with engine_for(url).connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{table_name}"')).scalar_one())


def rejects_of(url: str, load_id: int | None) -> list[tuple[int, str, str, str]]:
    with engine_for(url).connect() as conn:
        rows = conn.execute(select(reject.c.row_number, reject.c.field, reject.c.reason, reject.c.raw)
                            .where(reject.c.load_id == load_id).order_by(reject.c.row_number, reject.c.field))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def only(report_files: list[FileReport]) -> FileReport:
    assert len(report_files) == 1
    return report_files[0]


def assert_counts_add_up(files: list[FileReport]) -> None:
    for f in files:
        assert f.rows_read == f.rows_accepted + f.rows_rejected, f


def test_good_directory_loads_every_kind(db_url: str, tmp_path: Path) -> None:
    for kind in HEADERS:
        write_kind(tmp_path / "in", kind, 4)
    report = load_path(tmp_path / "in", url=db_url, actor="tester")
    assert report.ok
    assert [f.kind for f in report.files][:2] == ["persons", "deaths"]
    assert {f.status for f in report.files} == {"loaded"}
    assert all(f.rows_read == 4 and f.rows_accepted == 4 for f in report.files)
    for table in CONTRACT_TABLES.values():
        assert count(db_url, table.name) == 4
    assert count(db_url, "identity") == 4
    with engine_for(db_url).connect() as conn:
        amounts = conn.execute(select(claim.c.total_fen, claim.c.in_scope_fen)).all()
        assert set(amounts) == {(5_000_000, 4_000_000)}
        events = conn.execute(select(audit_event.c.detail).where(audit_event.c.action == "load")).scalars().all()
        assert len(events) == len(HEADERS)
        assert json.loads(events[0])["rows_accepted"] == 4
        token = id_token(person_id(1))
        assert reveal(conn, token) == person_id(1)
        norm = conn.execute(select(person.c.name_norm).where(person.c.id_token == token)).scalar_one()
        assert norm == "张1"


def test_rejects_name_row_field_and_reason(db_url: str, tmp_path: Path) -> None:
    bad_id = person_id(3)[:17] + ("0" if person_id(3)[17] != "0" else "1")
    rows = [
        row("claims", 0),                                            # row 2: fine
        row("claims", 1, settle_date="2026-02-30"),                  # row 3: bad date
        row("claims", 2, total_yuan="-5", in_scope_yuan="0"),        # row 4: negative amount
        row("claims", 3, id_number=bad_id),                          # row 5: invalid check digit
        row("claims", 4, claim_id="C00000"),                         # row 6: duplicate of row 2
        row("claims", 5, location="moon"),                           # row 7: bad enum
        row("claims", 6, total_yuan="100", in_scope_yuan="200"),     # row 8: in_scope > total
        row("claims", 7, total_yuan="1.234"),                        # row 9: three decimals
        row("claims", 8, name=""),                                   # row 10: required missing
    ]
    f = only(load_path(write_kind(tmp_path, "claims", rows), url=db_url).files)
    assert (f.status, f.rows_read, f.rows_accepted, f.rows_rejected) == ("loaded", 9, 1, 8)
    got = {(r[0], r[1]): r[2] for r in rejects_of(db_url, f.load_id)}
    assert set(got) == {(3, "settle_date"), (4, "total_yuan"), (5, "id_number"), (6, "claim_id"),
                        (7, "location"), (8, "in_scope_yuan"), (9, "total_yuan"), (10, "name")}
    assert "第 2 行" in got[(6, "claim_id")] and "row 2" in got[(6, "claim_id")]
    assert "校验位" in got[(5, "id_number")]
    assert "negative" in got[(4, "total_yuan")]
    for _, _, _, raw in rejects_of(db_url, f.load_id):
        assert person_id(3) not in raw and bad_id not in raw  # IDs are masked in the raw row
    assert json.loads(rejects_of(db_url, f.load_id)[0][3])["id_number"].count("*") == 8
    assert count(db_url, "claim") == 1


def test_missing_required_column_fails_the_whole_file(db_url: str, tmp_path: Path) -> None:
    header = [c for c in HEADERS["persons"] if c not in ("township_code", "sex")]
    f = only(load_path(write_kind(tmp_path, "persons", 3, header=header), url=db_url).files)
    assert f.status == "failed"
    assert "persons.csv" in f.message and "township_code" in f.message and "sex" in f.message
    assert "缺少必填列" in f.message
    assert count(db_url, "person") == 0 and count(db_url, "identity") == 0 and count(db_url, "reject") == 0
    with engine_for(db_url).connect() as conn:
        assert conn.execute(select(load.c.status)).scalars().all() == ["failed"]


def test_gbk_file_is_refused_with_resave_advice(db_url: str, tmp_path: Path) -> None:
    f = only(load_path(write_kind(tmp_path, "persons", 3, encoding="gbk"), url=db_url).files)
    assert f.status == "failed"
    assert "GBK" in f.message and "UTF-8" in f.message and "persons.csv" in f.message
    assert count(db_url, "person") == 0


def test_utf8_bom_is_accepted(db_url: str, tmp_path: Path) -> None:
    f = only(load_path(write_kind(tmp_path, "persons", 3, encoding="utf-8-sig"), url=db_url).files)
    assert (f.status, f.rows_accepted) == ("loaded", 3)


@pytest.mark.parametrize("content", ["", "id_number,name\n"])
def test_empty_file_says_so(db_url: str, tmp_path: Path, content: str) -> None:
    path = tmp_path / "persons.csv"
    path.write_text(content, encoding="utf-8")
    f = only(load_path(path, url=db_url).files)
    assert f.status == "failed"
    assert "empty" in f.message or "no data rows" in f.message


def test_reload_is_idempotent(db_url: str, tmp_path: Path) -> None:
    for kind in ("persons", "claims", "roster"):
        write_kind(tmp_path / "in", kind, 3)
    first = load_path(tmp_path / "in", url=db_url)
    before = {t: count(db_url, t) for t in ("person", "claim", "roster", "identity", "reject")}
    second = load_path(tmp_path / "in", url=db_url)
    assert {f.status for f in second.files} == {"duplicate"}
    assert all(str(a.load_id) in b.message for a, b in zip(first.files, second.files, strict=True))
    assert {t: count(db_url, t) for t in before} == before


def test_persons_snapshot_supersedes_the_previous_one(db_url: str, tmp_path: Path) -> None:
    old = only(load_path(write_kind(tmp_path / "a", "persons", 3), url=db_url).files)
    new = only(load_path(write_kind(tmp_path / "b", "persons", [row("persons", 7), row("persons", 8)]),
                         url=db_url).files)
    assert new.status == "loaded" and "superseded 1" in new.message
    with engine_for(db_url).connect() as conn:
        assert conn.execute(select(person.c.load_id).distinct()).scalars().all() == [new.load_id]
        statuses = dict(conn.execute(select(load.c.id, load.c.status)).all())
    assert statuses == {old.load_id: "superseded", new.load_id: "loaded"}
    assert count(db_url, "identity") == 5  # the vault keeps every identity it has seen


def test_roster_snapshot_is_per_source_dept(db_url: str, tmp_path: Path) -> None:
    first = [row("roster", 0), row("roster", 1), row("roster", 2, source_dept="disability_fed")]
    load_path(write_kind(tmp_path / "a", "roster", first), url=db_url)
    load_path(write_kind(tmp_path / "b", "roster", [row("roster", 5, category="tekun")]), url=db_url)
    with engine_for(db_url).connect() as conn:
        got = sorted(conn.execute(select(roster.c.source_dept, roster.c.category)).all())
    assert got == [("civil_affairs", "tekun"), ("disability_fed", "dibao")]


def test_enrolment_snapshot_is_per_year(db_url: str, tmp_path: Path) -> None:
    load_path(write_kind(tmp_path / "a", "enrolment", [row("enrolment", 0, year="2025"), row("enrolment", 1)]),
              url=db_url)
    load_path(write_kind(tmp_path / "b", "enrolment", [row("enrolment", 2), row("enrolment", 3)]), url=db_url)
    with engine_for(db_url).connect() as conn:
        years = sorted(conn.execute(text("SELECT year FROM enrolment")).scalars().all())
    assert years == [2025, 2026, 2026]


def test_newer_claim_row_wins(db_url: str, tmp_path: Path) -> None:
    load_path(write_kind(tmp_path / "a", "claims", 2), url=db_url)
    newer = [row("claims", 1, total_yuan="60000", in_scope_yuan="45000.5"), row("claims", 2)]
    f = only(load_path(write_kind(tmp_path / "b", "claims", newer), url=db_url).files)
    with engine_for(db_url).connect() as conn:
        got = dict(conn.execute(select(claim.c.claim_id, claim.c.in_scope_fen)).all())
        loads = dict(conn.execute(select(claim.c.claim_id, claim.c.load_id)).all())
    assert got == {"C00000": 4_000_000, "C00001": 4_500_050, "C00002": 4_000_000}
    assert loads["C00001"] == f.load_id


def test_deaths_are_keyed_by_person(db_url: str, tmp_path: Path) -> None:
    load_path(write_kind(tmp_path / "a", "deaths", 2), url=db_url)
    load_path(write_kind(tmp_path / "b", "deaths", [row("deaths", 1, death_date="2026-04-02")]), url=db_url)
    with engine_for(db_url).connect() as conn:
        dates = sorted(str(d) for d in conn.execute(text("SELECT death_date FROM death")).scalars())
    assert dates == ["2026-03-01", "2026-04-02"]


class Boom(Exception):
    pass


def test_failure_mid_file_leaves_nothing_behind(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction per file: rows, rejects, identities, load record and audit event, or none."""
    migrate(db_url)
    monkeypatch.setattr(write, "BATCH_ROWS", 2)
    monkeypatch.setattr(write, "COPY_CHUNK_BYTES", 64)
    monkeypatch.setattr(write, "REBUILD_INDEXES_ABOVE", 1)  # SQLite drops indexes first: rollback restores
    rows = [row("persons", n) for n in range(6)] + [row("persons", 9, sex="X")]

    def progress(stage: str, done: int, total: int) -> None:
        if 0 < done < total:
            raise Boom("disk full")

    with pytest.raises(Boom):
        load_path(write_kind(tmp_path, "persons", rows), url=db_url, progress=progress)
    for table_name in ("person", "identity", "reject", "load"):
        assert count(db_url, table_name) == 0
    with engine_for(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_event)).scalar_one() == 0
    assert {"ix_person_id_token", "ix_person_load_id"} <= person_indexes(db_url)


def person_indexes(url: str) -> set[str]:
    from sqlalchemy import inspect

    return {str(i["name"]) for i in inspect(engine_for(url)).get_indexes("person")}


def test_bulk_index_rebuild_keeps_indexes(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "REBUILD_INDEXES_ABOVE", 1)
    f = only(load_path(write_kind(tmp_path, "persons", 5), url=db_url).files)
    assert f.rows_accepted == 5 and count(db_url, "person") == 5
    assert {"ix_person_id_token", "ix_person_household_id", "ix_person_load_id"} <= person_indexes(db_url)


def test_counts_always_add_up(db_url: str, tmp_path: Path) -> None:
    rows = [row("income", n, yuan=v) for n, v in enumerate(["1", "x", "-1", "2.5", "", "3.999", "１２", "7"])]
    rows += [row("income", 20, period_to="2025-01-01")]  # period_to before period_from
    files = load_path(write_kind(tmp_path, "income", rows), url=db_url).files
    assert_counts_add_up(files)
    assert (files[0].rows_accepted, files[0].rows_rejected) == (4, 5)


def test_xlsx_loads_like_csv(db_url: str, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS["claims"])
    import datetime as dt

    for n in range(3):
        r = row("claims", n)
        values: list[object] = [r.get(c, None) for c in HEADERS["claims"]]
        values[HEADERS["claims"].index("settle_date")] = dt.datetime(2026, 1, 6)
        values[HEADERS["claims"].index("total_yuan")] = 50000.0
        values[HEADERS["claims"].index("in_scope_yuan")] = 39999.99
        values[HEADERS["claims"].index("hospital_level")] = 2
        sheet.append(values)
    book.save(tmp_path / "claims.xlsx")
    f = only(load_path(tmp_path / "claims.xlsx", url=db_url).files)
    assert (f.status, f.rows_accepted, f.rows_rejected) == ("loaded", 3, 0)
    with engine_for(db_url).connect() as conn:
        assert set(conn.execute(select(claim.c.total_fen, claim.c.in_scope_fen)).all()) == {(5_000_000, 3_999_999)}


def test_vault_refuses_a_moved_ciphertext(db_url: str, tmp_path: Path) -> None:
    load_path(write_kind(tmp_path, "persons", 2), url=db_url)
    a, b = id_token(person_id(0)), id_token(person_id(1))
    with engine_for(db_url).begin() as conn:
        cipher = conn.execute(select(identity.c.id_cipher).where(identity.c.id_token == a)).scalar_one()
        conn.execute(identity.update().where(identity.c.id_token == b).values(id_cipher=cipher))
    with engine_for(db_url).connect() as conn, pytest.raises(ConfigError):
        reveal(conn, b)


def test_migration_creates_every_table(db_url: str) -> None:
    from sqlalchemy import inspect

    migrate(db_url)
    migrate(db_url)  # idempotent
    names = set(inspect(engine_for(db_url)).get_table_names())
    assert {"load", "reject", "identity", *(t.name for t in CONTRACT_TABLES.values())} <= names
    indexes = {i["name"] for i in inspect(engine_for(db_url)).get_indexes("claim")}
    assert {"ix_claim_person_date", "ix_claim_settle_date", "ix_claim_load_id"} <= indexes


def test_ids_in_unknown_columns_are_masked_in_rejects(db_url: str, tmp_path: Path) -> None:
    header = [*HEADERS["persons"], "spouse_id"]
    rows = [{**row("persons", 0, sex="?"), "spouse_id": f"see {person_id(5)}"}]
    f = only(load_path(write_kind(tmp_path, "persons", rows, header=header), url=db_url).files)
    (_, field, _, raw), = rejects_of(db_url, f.load_id)
    assert field == "sex"
    assert person_id(5) not in raw and person_id(0) not in raw
    assert json.loads(raw)["spouse_id"] == f"see {person_id(5)[:6]}********{person_id(5)[-4:]}"


def test_only_contract_codes_are_accepted(db_url: str, tmp_path: Path) -> None:
    rows = [row("persons", 0, sex="女"), row("persons", 1, sex="f"), row("persons", 2, relation="HEAD")]
    f = only(load_path(write_kind(tmp_path, "persons", rows), url=db_url).files)
    assert (f.rows_accepted, f.rows_rejected) == (2, 1)
    assert [(r[0], r[1]) for r in rejects_of(db_url, f.load_id)] == [(2, "sex")]
    with engine_for(db_url).connect() as conn:
        assert sorted(conn.execute(select(person.c.sex, person.c.relation)).all()) == [("F", "head"), ("M", "head")]


def test_vault_store_is_an_upsert_that_keeps_the_first_cipher(db_url: str) -> None:
    from medaid.privacy.vault import store

    migrate(db_url)
    with engine_for(db_url).begin() as conn:
        assert store(conn, [person_id(1), person_id(2)]) == 2
        first = conn.execute(select(identity.c.id_cipher).where(identity.c.id_token == id_token(person_id(1)))).scalar_one()
        store(conn, [person_id(1)])
        again = conn.execute(select(identity.c.id_cipher).where(identity.c.id_token == id_token(person_id(1)))).scalar_one()
        assert first == again and reveal(conn, id_token(person_id(2))) == person_id(2)


def test_postgres_load_leaves_statistics_and_the_quote_read_uses_the_person_index(db_url: str,
                                                                                  tmp_path: Path) -> None:
    """Decision 0011: a load ANALYZEs what it wrote, and a person's year of claims is one index range.

    Without statistics the planner took a fresh claims table for a few rows and ANDed the id_token
    index with the settle_date index: a scan of the county's whole year per quote."""
    if not db_url.startswith("postgresql"):
        pytest.skip("planner statistics and EXPLAIN are PostgreSQL's")
    from sqlalchemy.dialects import postgresql

    from medaid.policy.quote_store import _PERSON_YEAR

    only(load_path(write_kind(tmp_path, "claims", 40), url=db_url).files)
    engine = engine_for(db_url)
    with engine.connect() as conn:
        tuples = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'claim'")).scalar_one()
        assert tuples == 40  # -1 (never analysed) without the ANALYZE
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a 40-row table would rather be scanned whole
        read = _PERSON_YEAR.params(token=id_token(person_id(3)), lo=dt.date(2026, 1, 1), hi=dt.date(2026, 12, 31))
        sql = str(read.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    assert "ix_claim_person_date" in plan and "BitmapAnd" not in plan, plan
