"""Export rejected rows (问题数据) for the departments to fix: XLSX with Chinese headers, or CSV.

CSV is written UTF-8 with a BOM so that Excel on Chinese Windows opens it without garbling; our
own loader accepts the BOM too.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate
from medaid.store.tables import reject

COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "批次号"),
    ("file_name", "文件"),
    ("row_number", "行号"),
    ("field", "字段"),
    ("reason", "原因"),
    ("raw", "原始数据（身份证号已脱敏）"),
)


def export_rejects(out: Path, *, url: str | None = None, load_id: int | None = None) -> int:
    """Write rejects (all, or of one load) to ``out`` (.xlsx or .csv by suffix); returns rows written."""
    url = url or get_settings().resolved_database_url()
    migrate(url)
    query = select(*(reject.c[name] for name, _ in COLUMNS)).order_by(reject.c.load_id, reject.c.row_number,
                                                                      reject.c.field)
    if load_id is not None:
        query = query.where(reject.c.load_id == load_id)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with engine_for(url).connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(query)
        if out.suffix.lower() == ".xlsx":
            import xlsxwriter

            book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
            sheet = book.add_worksheet("问题数据")
            bold = book.add_format({"bold": True})
            for col, (_, zh) in enumerate(COLUMNS):
                sheet.write(0, col, zh, bold)
            for count, row in enumerate(rows, start=1):
                for col, value in enumerate(row):
                    # write_string: a reason or raw text starting with '=' must never become a formula
                    if isinstance(value, int):
                        sheet.write_number(count, col, value)
                    else:
                        sheet.write_string(count, col, str(value))
            book.close()
        else:
            with out.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([name for name, _ in COLUMNS])
                for row in rows:
                    writer.writerow(row)
                    count += 1
    return count
