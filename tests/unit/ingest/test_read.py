"""Readers: encoding detection, headers, CSV shape errors, spreadsheet cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from medaid.errors import ContractError, EncodingError
from medaid.ingest.read import _cell, read_csv, sha256_and_check_utf8


def test_gbk_is_named_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_bytes("id_number,name\n1,ok\n2,张三\n".encode("gbk"))
    with pytest.raises(EncodingError) as info:
        sha256_and_check_utf8(path)
    assert info.value.row == 3 and info.value.file == "persons.csv"
    assert "GBK" in str(info.value) and "CSV UTF-8" in str(info.value)


def test_utf8_passes_and_hashes_the_bytes(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "persons.csv"
    data = "\ufeffid_number,name\n1,张三\n".encode()
    path.write_bytes(data)
    assert sha256_and_check_utf8(path) == hashlib.sha256(data).hexdigest()


def test_rows_are_numbered_like_excel_and_header_is_normalised(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('\ufeff ID_Number ,Name\n1,"a, b"\n2,"multi\nline"\n3,\n', encoding="utf-8")
    con = duckdb.connect()
    result = read_csv(con, path)
    assert result.columns == ["id_number", "name"] and result.rows == 3
    assert con.execute("SELECT source_row, id_number, name FROM raw ORDER BY source_row").fetchall() == [
        (2, "1", "a, b"), (3, "2", "multi\nline"), (4, "3", None)]


def test_too_many_fields_fails_the_file_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(ContractError, match="Line: 3"):
        read_csv(duckdb.connect(), path)


def test_duplicate_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,A\n1,2\n", encoding="utf-8")
    with pytest.raises(ContractError, match="twice"):
        read_csv(duckdb.connect(), path)


@pytest.mark.parametrize(("value", "text"), [
    (None, None), ("", None), (12.0, "12"), (12.5, "12.5"), (dt.date(2026, 1, 2), "2026-01-02"),
    (dt.datetime(2026, 1, 2), "2026-01-02"), (True, "Y"), ("  x ", "  x "), # An ID typed as a number lost its last digits in Excel; keep the float spelling so it is rejected
    # (as digits it might pass the check digit by chance, 1 in 11, as the wrong person).
    (3.7083019800229e17, "3.7083019800229e+17"),
])
def test_spreadsheet_cells_become_contract_text(value: object, text: str | None) -> None:
    assert _cell(value) == text
