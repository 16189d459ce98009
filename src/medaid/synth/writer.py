"""Write a contract file as CSV (UTF-8, comma, header) or XLSX (same header, every cell text).

CSV goes through pyarrow (fast, byte-stable); values are written unquoted because the generator
never produces commas, quotes or newlines — if one ever does, we fall back to quoting strings.
XLSX uses xlsxwriter's constant_memory mode (rows streamed to disk, flat memory); cells are text so
IDs keep their digits and amounts keep their two decimals, exactly as in the CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from medaid.errors import ContractError

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row


def write_csv(df: pd.DataFrame, path: Path, *, quoted: bool = False) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False, schema=pa.schema([(c, pa.string()) for c in df.columns]))
    style = "needed" if quoted else "none"
    header = ",".join(f'"{c}"' if quoted else c for c in df.columns) + "\n"
    for attempt in (style, "needed"):
        with path.open("wb") as fh:
            fh.write(header.encode("utf-8"))
            try:
                pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style=attempt))
                return
            except pa.ArrowInvalid:
                continue


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    import xlsxwriter

    if len(df) > XLSX_MAX_ROWS:
        raise ContractError(
            f"{path.name}: {len(df):,} rows do not fit one XLSX sheet (max {XLSX_MAX_ROWS:,}); "
            "use --format csv or fewer --people",
            f"{path.name} 有 {len(df):,} 行，超过 XLSX 单表上限 {XLSX_MAX_ROWS:,} 行；请改用 --format csv 或减少 --people",
            file=path.name,
        )
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        ws = wb.add_worksheet(path.stem[:31])
        ws.write_row(0, 0, list(df.columns))
        for r, values in enumerate(df.itertuples(index=False, name=None), start=1):
            for col, v in enumerate(values):
                if v != "":
                    ws.write_string(r, col, v)
    finally:
        wb.close()
