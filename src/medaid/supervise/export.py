"""Write supervision rows as CSV (UTF-8 with BOM, so Excel opens Chinese correctly) or XLSX by suffix."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_rows(rows: Sequence[dict[str, Any]], out: Path) -> int:
    """Write ``rows`` (same keys) to ``out``; returns the row count. An empty list writes no header."""
    out.parent.mkdir(parents=True, exist_ok=True)
    columns = list(rows[0]) if rows else []
    if out.suffix.lower() == ".xlsx":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(out))
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, columns)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, ["" if row[c] is None else str(row[c]) for c in columns])
        book.close()
    else:
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            if columns:
                w.writerow(columns)
            for row in rows:
                w.writerow(["" if row[c] is None else row[c] for c in columns])
    return len(rows)
