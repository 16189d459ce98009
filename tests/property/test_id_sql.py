"""The ingest's SQL ID check (``id_problem_sql``) agrees with ``idnumber.find_problem``, the reference.

The loader checks every new distinct ID of a county in DuckDB and falls back to Python only where
the SQL normal form says NULL (non-ASCII after mapping); these properties hold that to the domain.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.domain.idnumber import check_char, find_problem, make, normalise
from medaid.domain.regions import PROVINCE_PREFIXES
from medaid.ingest.validate import id_birth_sql, id_normal_sql, id_problem_sql, id_stem_ok_sql

TODAY = dt.date(2026, 11, 24)
regions = st.builds(lambda p, rest: p + f"{rest:04d}", st.sampled_from([*sorted(PROVINCE_PREFIXES), "99", "00"]),
                    st.integers(0, 9999))
births = st.dates(min_value=dt.date(1870, 1, 1), max_value=dt.date(2030, 12, 31))
valid_ids = st.builds(make, regions, births, st.integers(0, 499), st.sampled_from(["M", "F"]))
noise = st.sampled_from([*"0123456789Xx０１２３４５６７８９ｘＸ", " ", "\u3000", "\t", "a", "é", "ß", "-", "\u00a0"])


@st.composite
def id_like(draw: st.DrawFn) -> str:
    """A valid number, then a few edits: substitutions, insertions, deletions, case, width, spaces."""
    text = list(draw(valid_ids))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["sub", "ins", "del", "date"]))
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "sub" and text:
            text[pos] = draw(noise)
        elif op == "ins":
            text.insert(pos, draw(noise))
        elif op == "del" and text:
            del text[pos]
        elif op == "date" and len(text) >= 14:
            text[10:14] = list(draw(st.sampled_from(["0230", "1301", "0000", "0229", "1231", "0431"])))
    return "".join(text)


def _sql_check(values: list[str]) -> list[tuple[str, str | None, str | None, bool | None, dt.date | None]]:
    con = duckdb.connect()
    con.register("t", pa.table({"raw": pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    rows = con.execute(f"""
        WITH n AS (SELECT i, raw, {id_normal_sql('raw')} AS v FROM t),
             b AS (SELECT i, raw, v, {id_birth_sql('v')} AS born FROM n)
        SELECT raw, v, {id_problem_sql('v', 'born', TODAY)}, {id_stem_ok_sql('v', 'born', TODAY)}, born
        FROM b ORDER BY i""").fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _stem_ok(value: str) -> bool:
    first17 = value[:17]
    return (len(value) == 18 and first17.isascii() and first17.isdigit()
            and find_problem(first17 + check_char(first17), today=TODAY) is None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(id_like(), valid_ids, st.text(noise, max_size=20)), min_size=1, max_size=40))
def test_sql_check_agrees_with_find_problem(values: list[str]) -> None:
    for raw, v, code, stem_ok, born in _sql_check(values):
        if v is None:  # left to the Python path; only allowed for values that are not plain ASCII
            mapped = raw.strip().translate(str.maketrans("０１２３４５６７８９ｘＸ\u3000", "0123456789xX ")).replace(" ", "")
            assert not (mapped.isascii() and mapped.isprintable()) or not mapped, raw
            continue
        assert v == normalise(raw), raw
        problem = find_problem(raw, today=TODAY)
        assert code == (problem.value if problem else None), (raw, code, problem)
        assert bool(stem_ok) == _stem_ok(v), raw
        if stem_ok:
            assert born == dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
