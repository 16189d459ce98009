"""A round finds exactly the planted problems; rounds compare; feedback closes and reopens; on both DBs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from medaid.privacy.tokens import id_token
from medaid.reconcile.export import export_problems
from medaid.reconcile.rounds import run_round
from medaid.reconcile.worklists import import_feedback, problem_history, write_worklists
from medaid.store import tables as t
from medaid.store.reconcile_tables import recon_problem
from tests.integration.reconcile.factory import CountyFactory

pytestmark = pytest.mark.integration
D = dt.date


def planted(url: str) -> tuple[CountyFactory, dict[str, str]]:
    """One clean assisted person, one clean non-assisted person, and one person per problem code."""
    f = CountyFactory(url)
    who: dict[str, str] = {}
    clean = f.person("张三")
    f.roster(clean, "张三")
    f.enrol(clean, "张三")
    plain = f.person("李四")
    f.enrol(plain, "李四", waived=False, paid_fen=40000)
    who["not_enrolled"] = a = f.person("王一")
    f.roster(a, "王一")
    who["deceased"] = a = f.person("王二")
    f.roster(a, "王二")
    f.enrol(a, "王二")
    f.death(a, "王二", D(2026, 3, 5))
    f.claim(a, "王二", D(2026, 4, 1), "C-after")
    who["enrolled_elsewhere"] = a = f.person("王三")
    f.roster(a, "王三", "lifted")
    f.enrol(a, "王三", region="110101", waived=False, paid_fen=40000)
    who["employee_scheme"] = a = f.person("王四")
    f.roster(a, "王四", "tekun")
    f.enrol(a, "王四", scheme="employee", waived=False, paid_fen=None)
    who["premium_charged"] = a = f.person("王五")
    f.roster(a, "王五")
    f.enrol(a, "王五", waived=True, paid_fen=40000)
    who["waiver_missing"] = a = f.person("王六")
    f.roster(a, "王六")
    f.enrol(a, "王六", waived=False, paid_fen=0)
    who["waiver_without_basis"] = a = f.person("王七")
    f.enrol(a, "王七", waived=True)
    who["identity_mismatch"] = a = f.person("王晓明")
    f.enrol(a, "王小明", waived=False, paid_fen=40000)
    who["lost_contact"] = a = f.person("王九", address=None, phone="")
    f.roster(a, "王九")
    f.enrol(a, "王九")
    who["delisted_keep_waiver"] = a = f.person("王十")
    f.roster(a, "王十", valid_to=D(2026, 6, 30))
    f.enrol(a, "王十")
    f.bad_id("roster", "370830196005010010", "赵错")
    f.write()
    return f, who


def _found(url: str) -> set[tuple[str | None, str]]:
    from medaid.store.db import engine_for

    with engine_for(url).connect() as conn:
        return {(r.id_token, r.problem) for r in conn.execute(
            select(recon_problem.c.id_token, recon_problem.c.problem).where(recon_problem.c.status == "open"))}


def test_round_finds_every_planted_problem_and_nothing_else(db_url: str) -> None:
    _, who = planted(db_url)
    summary = run_round(2026, url=db_url)
    expected = {(id_token(idn), code) for code, idn in who.items()} | {(None, "identity_mismatch")}
    assert _found(db_url) == expected
    assert summary.transitions == {"new": len(expected)}


def test_second_round_marks_fixed_still_open_and_regressed(db_url: str, tmp_path: Path) -> None:
    _, who = planted(db_url)
    first = run_round(2026, url=db_url)
    from medaid.store.db import engine_for

    engine = engine_for(db_url)
    with engine.begin() as conn:  # the bureau enrols the not-enrolled person with a waiver
        conn.execute(t.enrolment.insert().values(
            id_token=id_token(who["not_enrolled"]), name="王一", year=2026, scheme="resident", region_code="370830",
            status="active", premium_waived=True, paid_by_self_fen=0, load_id=1, source_row=99))
    # township feedback closes the waiver_without_basis problem although the data still shows it
    files = write_worklists(tmp_path / "lists", 2026, url=db_url)
    assert set(files) == {"370830100"}
    from openpyxl import load_workbook

    book = load_workbook(files["370830100"])
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["问题编号", "身份证号", "姓名"]
    for row in sheet.iter_rows(min_row=2):
        assert "*" in str(row[1].value)  # township lists carry masked IDs only
        if row[4].value == "waiver_without_basis":
            row[8].value, row[9].value, row[10].value = "已处理", "已取消资助", "李经办"
            target = int(row[0].value)
    book.save(files["370830100"])
    report = import_feedback([files["370830100"]], 2026, url=db_url)
    assert report.closed == 1
    second = run_round(2026, url=db_url)
    assert second.previous_round_id == first.round_id
    assert second.transitions["fixed"] == 1
    assert second.transitions["regressed"] == 1  # closed by feedback, but the data still shows it
    kinds = [e["kind"] for e in problem_history(target, url=db_url)]
    assert kinds == ["new", "closed", "regressed"]


def test_bad_feedback_is_rejected_whole_with_every_error(db_url: str, tmp_path: Path) -> None:
    planted(db_url)
    run_round(2026, url=db_url)
    files = write_worklists(tmp_path / "lists", 2026, url=db_url)
    from openpyxl import load_workbook

    from medaid.errors import ContractError

    path = files["370830100"]
    book = load_workbook(path)
    sheet = book.active
    sheet.cell(2, 9).value = "好了"
    sheet.cell(3, 1).value = 99999
    sheet.cell(4, 9).value = "已处理"
    book.save(path)
    with pytest.raises(ContractError) as err:
        import_feedback([path], 2026, url=db_url)
    assert "row 2" in str(err.value) and "row 3" in str(err.value)
    with engine_for_url(db_url).connect() as conn:
        assert conn.execute(select(recon_problem.c.id).where(recon_problem.c.status == "closed")).first() is None


def engine_for_url(url: str):  # type: ignore[no-untyped-def]
    from medaid.store.db import engine_for

    return engine_for(url)


def test_export_full_ids_are_audited_and_masked_option(db_url: str, tmp_path: Path) -> None:
    _, who = planted(db_url)
    run_round(2026, url=db_url)
    n = export_problems(tmp_path / "p.csv", 2026, url=db_url)
    text = (tmp_path / "p.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "id_number,name,township_code,problem,detail,action"
    assert who["deceased"] in text and n == len(text.splitlines()) - 1
    export_problems(tmp_path / "m.xlsx", 2026, url=db_url, masked=True)
    from medaid.store.audit_tables import audit_event

    with engine_for_url(db_url).connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_event.c.action))]
    assert actions.count("sensitive_read") == 1
    with engine_for_url(db_url).begin() as conn:
        conn.execute(update(t.load).values(status="superseded"))
    run_round(2026, url=db_url)
    assert _found(db_url) == set()
