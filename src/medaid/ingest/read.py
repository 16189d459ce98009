"""Readers: a contract file (CSV or XLSX) → DuckDB table ``raw`` of strings with ``source_row``.

CSV must be UTF-8 (a BOM is fine). GBK/GB18030 from Excel's plain "CSV" save is detected and
refused with a message that says how to re-save, rather than guessed at: a wrong guess would
store garbled names that linkage then fails on silently. The whole file is checked in one
streaming pass that also computes the sha256 used for duplicate detection.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from medaid.errors import ContractError, EncodingError

_CHUNK = 4 << 20
SOURCE_ROW = "source_row"  # record number in the file, header = row 1 (what Excel shows)


@dataclass(frozen=True, slots=True)
class ReadResult:
    columns: list[str]  # normalised header names, in file order
    rows: int


def sha256_and_check_utf8(path: Path) -> str:
    """The file's sha256; raises ``EncodingError`` if it is not UTF-8 (naming line and likely cause)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if path.suffix.lower() == ".csv":
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    _raise_encoding(path, chunk, exc.start, newlines + chunk[: exc.start].count(b"\n") + 1)
                newlines += chunk.count(b"\n")
            offset += len(chunk)
        if path.suffix.lower() == ".csv":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                _raise_encoding(path, b"", 0, newlines + 1)
    return digest.hexdigest()


def _raise_encoding(path: Path, chunk: bytes, start: int, line: int) -> None:
    sample = chunk[max(0, start - 64): start + 64]
    try:
        sample.decode("gb18030")
        likely = ("looks like GBK/GB18030 (Excel 'CSV' on Chinese Windows)", "疑似 GBK/GB18030 编码（Excel 默认另存为 CSV）")
    except UnicodeDecodeError:
        likely = ("unknown encoding", "编码未知")
    raise EncodingError(
        f"{path.name}: line {line} is not UTF-8 — {likely[0]}. Re-save as 'CSV UTF-8 (comma delimited)' "
        "and load again; nothing was loaded.",
        f"{path.name}：第 {line} 行不是 UTF-8 编码，{likely[1]}。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入；本文件未导入任何数据。",
        file=path.name, row=line,
    )


def _header(path: Path, cells: list[str]) -> list[str]:
    names = [c.strip().lower() for c in cells]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise ContractError(f"{path.name}: column '{name}' appears twice in the header",
                                f"{path.name}：表头中列“{name}”出现了两次", file=path.name, row=1, field=name)
        seen.add(name)
    return [n or f"_blank{i}" for i, n in enumerate(names)]


def _empty(path: Path) -> ContractError:
    return ContractError(f"{path.name}: the file is empty (no header row); nothing was loaded",
                         f"{path.name}：文件为空（没有表头），未导入任何数据", file=path.name)


def read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> ReadResult:
    """Load a UTF-8 CSV into ``raw`` (all VARCHAR; '' becomes NULL) via DuckDB's parallel reader."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = next(csv.reader(fh), None)
    if not first or all(not c.strip() for c in first):
        raise _empty(path)
    columns = _header(path, first)
    spec = "{" + ", ".join(f"'{_q(c)}': 'VARCHAR'" for c in columns) + "}"
    sql = (f"CREATE OR REPLACE TABLE raw_read AS SELECT * FROM read_csv('{_q(str(path))}', header=true, "
           f"auto_detect=false, columns={spec}, delim=',', quote='\"', escape='\"', null_padding=true, "
           "encoding='utf-8'")
    try:
        try:
            con.execute(sql + ")")
        except duckdb.Error as exc:
            # Short rows (null_padding) plus quoted newlines need DuckDB's serial reader; rare, so retry.
            if "parallel=false" not in str(exc):
                raise
            con.execute(sql + ", parallel=false)")
    except duckdb.Error as exc:
        detail = str(exc).split("Possible fixes")[0].strip()
        raise ContractError(
            f"{path.name}: not a well-formed CSV ({detail}); fix that line (too many fields or an unclosed "
            "quote) and load again; nothing was loaded",
            f"{path.name}：CSV 格式错误（{detail}）；请修正该行（字段过多或引号未闭合）后重新导入，本文件未导入任何数据",
            file=path.name,
        ) from exc
    # rowid is insertion order, which DuckDB keeps equal to file order (preserve_insertion_order).
    con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT rowid + 2 AS {SOURCE_ROW}, * FROM raw_read")
    con.execute("DROP TABLE raw_read")
    return ReadResult(columns, _count(con))


def _cell(value: object) -> str | None:
    """Spreadsheet cell → contract text: dates as YYYY-MM-DD, integral floats without '.0'."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path) -> ReadResult:
    """Load the first sheet of an XLSX into ``raw`` (python-calamine; every cell as contract text).

    An 18-digit ID typed as a number has already lost digits inside Excel; it arrives as a float,
    fails the ID check and is rejected with the reason, which is the honest outcome.
    """
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:
        raise ContractError(f"{path.name}: cannot read as XLSX ({exc})", f"{path.name}：无法按 XLSX 读取（{exc}）",
                            file=path.name) from exc
    while sheet and all(_cell(c) is None for c in sheet[-1]):
        sheet.pop()
    if not sheet or all(_cell(c) is None for c in sheet[0]):
        raise _empty(path)
    columns = _header(path, [_cell(c) or "" for c in sheet[0]])
    body = sheet[1:]
    arrays = {SOURCE_ROW: pa.array(range(2, len(body) + 2), pa.int64())}
    for i, name in enumerate(columns):
        arrays[name] = pa.array([_cell(r[i]) if i < len(r) else None for r in body], pa.string())
    arrow_rows = pa.table(arrays)  # noqa: F841  (read by DuckDB's replacement scan below)
    con.execute("CREATE OR REPLACE TABLE raw AS SELECT * FROM arrow_rows")
    return ReadResult(columns, _count(con))


def read_file(con: duckdb.DuckDBPyConnection, path: Path) -> ReadResult:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(con, path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(con, path)
    raise ContractError(f"{path.name}: unsupported file type {suffix}; use .csv or .xlsx",
                        f"{path.name}：不支持的文件类型 {suffix}，请使用 .csv 或 .xlsx", file=path.name)


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM raw").fetchone()
    return int(row[0]) if row else 0


def _q(text: str) -> str:
    """Quote for a DuckDB single-quoted literal."""
    return text.replace("'", "''")

