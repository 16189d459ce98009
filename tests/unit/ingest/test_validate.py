"""Validation pieces that need no database: the ID lookup and the SQL value rules."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from medaid.domain.idnumber import make, mask
from medaid.ingest.validate import IdLookup, trimmed
from medaid.privacy.tokens import id_stem_token, id_token

ID = make("370830", dt.date(1980, 2, 29), 17, "M")


def test_lookup_tokens_agree_with_the_privacy_module() -> None:
    lookup = IdLookup(today=dt.date(2026, 11, 24))
    token, problem, shown, stem = lookup.lookup(ID.lower().replace("0", "０"))
    assert problem is None and token == id_token(ID) and shown == mask(ID) and stem is None
    assert token is not None and lookup.pending[token][3:6] == ("370830", dt.date(1980, 2, 29), "M")
    assert lookup.pending[token][6] == id_stem_token(ID) != token
    assert lookup.lookup(ID.lower().replace("0", "０"))[0] == token  # cached
    lookup.mark_stored([token])
    assert token not in lookup.pending


def test_lookup_explains_invalid_numbers_and_masks_them() -> None:
    bad = ID[:17] + ("1" if ID[17] != "1" else "2")
    lookup = IdLookup()
    token, problem, shown, stem = lookup.lookup(bad)
    assert token is None and not lookup.pending
    assert problem is not None and "校验位" in problem and "check digit" in problem
    assert shown == mask(bad) and bad not in shown
    assert stem == (id_stem_token(ID), dt.date(1980, 2, 29), "M")  # same first 17 digits as the valid ID


@pytest.mark.parametrize("bad", [ID[:6] + "19801332" + ID[14:], "990830" + ID[6:], ID[:16] + "a" + ID[17], ID[:17]])
def test_lookup_keeps_no_stem_when_the_first_17_are_malformed(bad: str) -> None:
    token, problem, _shown, stem = IdLookup(today=dt.date(2026, 11, 24)).lookup(bad)
    assert token is None and problem is not None and stem is None


@pytest.mark.parametrize("text", [" a ", "\u3000a\t", "a", "\u00a0\u2003a b\n", "", "  "])
def test_sql_trim_matches_python_strip(text: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x VARCHAR)")
    con.execute("INSERT INTO t VALUES (?)", [text])
    got = con.execute(f"SELECT {trimmed('x')} FROM t").fetchone()
    assert got is not None
    assert got[0] == (text.strip() or None)


def test_batch_check_agrees_with_the_one_value_path() -> None:
    """``build_ids`` (SQL check + batched keyed work) gives what ``lookup`` gives, value by value,
    including values only the Python path may decide (non-ASCII) and across files (cache)."""
    from medaid.ingest.validate import build_ids

    wrong = ID[:17] + ("1" if ID[17] != "1" else "2")
    values = [ID, ID.lower().replace("0", "０"), wrong, ID[:16], "  ", "3708301980022９017ß", "abc", ID + "\u3000"]
    batch, reference = IdLookup(today=dt.date(2026, 11, 24)), IdLookup(today=dt.date(2026, 11, 24))
    con = duckdb.connect()
    for part in (values[:3], values):  # second "file" repeats three values: they come from the cache
        con.execute("CREATE OR REPLACE TABLE raw (id_number VARCHAR)")
        con.executemany("INSERT INTO raw VALUES (?)", [[v] for v in part])
        build_ids(con, batch)
        got = {r[0]: r[1:] for r in con.execute(
            "SELECT raw, id_token, problem, masked, stem_token, stem_birth_date, stem_sex FROM ids").fetchall()}
        assert set(got) == set(part)
        for raw in part:
            tok, problem, shown, stem = reference.lookup(raw)
            assert got[raw] == (tok, problem, shown, *(stem or (None, None, None))), raw
        stored = con.execute("SELECT id_token, region_code, birth_date, sex, id_stem_token FROM identities_all").fetchall()
        assert stored == [(id_token(ID), "370830", dt.date(1980, 2, 29), "M", id_stem_token(ID))]
        batch.mark_stored([id_token(ID)])
