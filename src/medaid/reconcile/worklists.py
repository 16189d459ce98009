"""Township work lists (乡镇核查工作清单) out, township feedback (反馈) back in.

One XLSX per township: Chinese headers, masked ID numbers only, and three columns for the township
to fill (处理结果 from a drop-down, 反馈说明, 经办人). ``import_feedback`` reads returned files,
checks every row (problem exists, belongs to this township and year, result is one of the allowed
values) and reports *all* bad rows at once before changing anything; then closes or reopens problems
and records who did what as problem events and one audit event per file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from medaid.errors import ContractError, FeedbackRejected
from medaid.reconcile.export import open_problems
from medaid.reconcile.problems import Problem
from medaid.reconcile.rounds import now_text
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import recon_problem, recon_problem_event

HEADERS = ["问题编号", "身份证号", "姓名", "乡镇代码", "问题类型", "问题说明", "问题详情", "处理建议",
           "处理结果", "反馈说明", "经办人"]
DONE, NOT_DONE, DISPUTED = "已处理", "未处理", "情况不属实"
RESULTS = (DONE, NOT_DONE, DISPUTED)


def write_worklists(out_dir: Path, year: int, *, url: str | None = None,
                    township: str | None = None) -> dict[str, Path]:
    """One file per township with its open problems; returns township code → file.
    ``township``: write only that township's list (the web download)."""
    import xlsxwriter

    with engine_for(url).connect() as conn:
        rows = open_problems(conn, year)
    if township is not None:
        rows = [r for r in rows if str(r["township_code"]) == township]
    by_town: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_town.setdefault(str(r["township_code"]) or "unknown", []).append(r)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for town, items in sorted(by_town.items()):
        path = out_dir / f"核查清单_{town}_{year}.xlsx"
        book = xlsxwriter.Workbook(str(path))
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        fill = book.add_format({"bg_color": "#FFF2CC", "border": 1})
        sheet = book.add_worksheet("核查清单")
        sheet.write_row(0, 0, HEADERS, head)
        for i, r in enumerate(items, start=1):
            problem = Problem(str(r["problem"]))
            sheet.write_row(i, 0, [int(str(r["id"])), str(r["id_masked"]), str(r["name"]), town, problem.value,
                                   problem.zh, str(r["detail"]), str(r["action"])])
            sheet.write_row(i, 8, ["", "", ""], fill)
        if items:
            sheet.data_validation(1, 8, len(items), 8, {"validate": "list", "source": list(RESULTS)})
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 0, 9)
        sheet.set_column(1, 1, 21)
        sheet.set_column(4, 7, 28)
        sheet.set_column(8, 10, 14)
        book.close()
        files[town] = path
    return files


@dataclass(slots=True)
class FeedbackReport:
    """Counts of one import: rows read, problems closed, reopened, left open, rows blank."""

    files: int = 0
    rows: int = 0
    closed: int = 0
    reopened: int = 0
    noted: int = 0
    blank: int = 0
    errors: list[str] = field(default_factory=list)


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(it, ())]
    missing = [h for h in ("问题编号", "乡镇代码", "处理结果") if h not in header]
    if missing:
        book.close()
        raise ContractError(f"{path.name}: missing column(s) {missing}; use the work list medaid wrote",
                            f"{path.name}：缺少列 {missing}，请使用系统导出的核查清单填写", file=path.name)
    rows = []
    for n, values in enumerate(it, start=2):
        cells = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, values, strict=False)}
        if any(cells.values()):
            rows.append((n, cells))
    book.close()
    return rows


def import_feedback(paths: Iterable[Path], year: int, *, url: str | None = None,
                    actor: str = "cli", township: str | None = None) -> FeedbackReport:
    """Validate all files, then apply them in one transaction (nothing changes if any row is bad).

    ``township``: the uploader may only answer that township's problems (township staff on the web);
    any other row is an error. The raised ContractError carries every bad row in ``.problems``.
    """
    from medaid.audit.log import append_event

    report = FeedbackReport()
    parsed = [(p, _read(p)) for p in paths]
    engine = engine_for(url)
    with engine.begin() as conn:
        known = {int(i): (str(town), str(status)) for i, town, status in conn.execute(
            select(recon_problem.c.id, recon_problem.c.township_code, recon_problem.c.status)
            .where(recon_problem.c.year == year))}
        todo: list[tuple[Path, int, int, str, str, str]] = []
        for path, rows in parsed:
            for n, cells in rows:
                where = f"{path.name} 第{n}行 row {n}"
                result = cells.get("处理结果", "")
                try:
                    pid = int(float(cells.get("问题编号", "")))
                except ValueError:
                    report.errors.append(f"{where}: 问题编号无效 problem number is not a number")
                    continue
                if pid not in known:
                    report.errors.append(f"{where}: 问题编号 {pid} 不属于 {year} 年 not a problem of {year}")
                    continue
                if township is not None and known[pid][0] != township:
                    report.errors.append(f"{where}: 问题 {pid} 不属于本乡镇 {township} "
                                         f"problem is not of your township")
                    continue
                if known[pid][0] != cells.get("乡镇代码", ""):
                    report.errors.append(f"{where}: 问题 {pid} 不属于乡镇 {cells.get('乡镇代码')} "
                                         f"problem belongs to township {known[pid][0]}")
                    continue
                if result and result not in RESULTS:
                    report.errors.append(f"{where}: 处理结果应为 {'/'.join(RESULTS)} result must be one of them")
                    continue
                todo.append((path, n, pid, result, cells.get("反馈说明", ""), cells.get("经办人", "") or actor))
        if report.errors:
            raise FeedbackRejected("; ".join(report.errors[:20]) + (" …" if len(report.errors) > 20 else ""),
                                   f"反馈文件有 {len(report.errors)} 处错误，未导入任何内容，请更正后重新导入",
                                   file=",".join(p.name for p, _ in parsed), problems=list(report.errors))
        at = now_text()
        for path, _n, pid, result, note, who in todo:
            report.rows += 1
            status = known[pid][1]
            if not result:
                report.blank += 1
                continue
            if result in (DONE, DISPUTED) and status == "open":
                kind, new_status = "closed", "closed"
                report.closed += 1
            elif result == NOT_DONE and status != "open":
                kind, new_status = "reopened", "open"
                report.reopened += 1
            else:
                kind, new_status = "feedback", status
                report.noted += 1
            conn.execute(update(recon_problem).where(recon_problem.c.id == pid).values(status=new_status))
            known[pid] = (known[pid][0], new_status)
            conn.execute(recon_problem_event.insert().values(
                problem_id=pid, round_id=None, at=at, actor=who[:64], kind=kind,
                note=f"{result}: {note} ({path.name})".strip()))
        for path, rows in parsed:
            append_event(conn, actor=actor, action="reconcile.feedback", subject=path.name,
                         detail={"year": year, "rows": len(rows)})
    report.files = len(parsed)
    return report


def problem_history(problem_id: int, *, url: str | None = None) -> list[dict[str, object]]:
    """Every event of one problem, oldest first (round by round, who did what)."""
    ev = recon_problem_event
    with engine_for(url).connect() as conn:
        return [dict(r) for r in conn.execute(select(ev).where(ev.c.problem_id == problem_id)
                                              .order_by(ev.c.id)).mappings()]
