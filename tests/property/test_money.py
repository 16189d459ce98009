"""Money parsing invariants, and the vectorised (DuckDB) parser agrees with ``parse_yuan`` exactly."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medaid.domain.money import MoneyFormatError, format_yuan, parse_yuan, to_yuan
from medaid.ingest.validate import amount_fen, trimmed

fen_values = st.integers(min_value=-(10**14), max_value=10**14)


@given(fen_values)
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(str(to_yuan(fen))) == fen


@given(st.integers(0, 10**12), st.integers(0, 999))
def test_three_decimals_are_refused(whole: int, thousandths: int) -> None:
    with pytest.raises(MoneyFormatError):
        parse_yuan(f"{whole}.{thousandths:03d}")


# Text that looks like what departments send: digits (half and full width), separators, signs,
# spaces, plus stray characters that must be refused.
amount_text = st.text(st.sampled_from(list("0123456789０１２３４５６７８９.,，-－． \t\u3000+e$٣x")), max_size=14)


def _duck_fen(con: duckdb.DuckDBPyConnection, values: list[str]) -> list[int | None]:
    con.execute("CREATE OR REPLACE TABLE a (i INTEGER, t VARCHAR)")
    con.executemany("INSERT INTO a VALUES (?, ?)", list(enumerate(values)))
    sql = f"SELECT {amount_fen(trimmed('t'))} FROM a ORDER BY i"
    return [r[0] for r in con.execute(sql).fetchall()]


def _python_fen(text: str) -> int | None:
    try:
        value = parse_yuan(text)
    except MoneyFormatError:
        return None
    return int(value) if text.strip() else None


_CON = duckdb.connect()


@settings(max_examples=150, deadline=None)
@given(st.lists(amount_text, min_size=1, max_size=40))
def test_vectorised_parser_agrees_with_parse_yuan(values: list[str]) -> None:
    assert _duck_fen(_CON, values) == [_python_fen(v) for v in values]


def test_examples_agree() -> None:
    con = duckdb.connect()
    values = ["1,234.50", "１２３", " 7.1 ", "-0.05", "5.123", "1e3", "¥5", "", "٣", "12.", ".5", "0"]
    assert _duck_fen(con, values) == [_python_fen(v) for v in values]
    assert _duck_fen(con, ["1,234.50", "１２３", "-0.05"]) == [123450, 12300, -5]
