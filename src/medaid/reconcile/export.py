"""The bureau's problem list (DESIGN.md §4 output): id_number, name, township_code, problem, detail, action.

CSV keeps the English contract headers; XLSX has the same columns under Chinese headers. The bureau
list carries the full ID number by default because clerks act on it in the insurance system; every
such export is one audited ``sensitive_read`` (count and file, never the numbers). ``masked=True``
writes the masked form instead (what township lists always do). See docs/decisions/0006.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Connection, select

from medaid.store.db import engine_for
from medaid.store.reconcile_tables import recon_problem
from medaid.store.tables import identity

COLUMNS = ["id_number", "name", "township_code", "problem", "detail", "action"]
HEADERS_ZH = ["身份证号", "姓名", "乡镇代码", "问题类型", "问题详情", "处理建议"]


def open_problems(conn: Connection, year: int) -> list[dict[str, object]]:
    """Open problems of ``year``, ordered by township, problem, name (the order clerks work in)."""
    rp = recon_problem
    rows = conn.execute(select(rp).where(rp.c.year == year, rp.c.status == "open")
                        .order_by(rp.c.township_code, rp.c.problem, rp.c.name, rp.c.id)).mappings()
    return [dict(r) for r in rows]


def _reveal_all(conn: Connection, tokens: list[str]) -> dict[str, str]:
    from medaid.privacy.vault import decrypt

    out: dict[str, str] = {}
    for i in range(0, len(tokens), 5000):
        chunk = tokens[i:i + 5000]
        for tok, cipher in conn.execute(select(identity.c.id_token, identity.c.id_cipher)
                                        .where(identity.c.id_token.in_(chunk))):
            out[tok] = decrypt(cipher, tok)
    return out


def export_problems(out: Path, year: int, *, url: str | None = None, masked: bool = False,
                    actor: str = "cli") -> int:
    """Write the open problems of ``year`` to ``out`` (.csv or .xlsx); returns the row count."""
    from medaid.audit.log import append_event

    with engine_for(url).begin() as conn:
        rows = open_problems(conn, year)
        full = {} if masked else _reveal_all(conn, sorted({str(r["id_token"]) for r in rows if r["id_token"]}))
        table = [[full.get(str(r["id_token"]), r["id_masked"]), r["name"], r["township_code"], r["problem"],
                  r["detail"], r["action"]] for r in rows]
        if not masked:
            append_event(conn, actor=actor, action="sensitive_read", subject=f"reconcile-export:{year}",
                         detail={"file": out.name, "rows": len(table), "revealed": len(full),
                                 "reason": "参保核查问题清单 reconciliation list"})
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        _write_xlsx(out, table)
    else:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            writer.writerows(table)
    return len(table)


def _write_xlsx(out: Path, table: list[list[object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("问题清单")
    sheet.write_row(0, 0, HEADERS_ZH)
    for i, row in enumerate(table, start=1):
        sheet.write_row(i, 0, [str(v) for v in row])
    book.close()
