"""End to end through the CLI: load contract files and open cases in one run, approve, pay through a
bank file round trip, print the notice, and read the supervision views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medaid.cli.app import app
from medaid.domain.idnumber import make
from medaid.settings import get_settings

pytestmark = pytest.mark.e2e


def _contract_files(folder: Path) -> None:
    folder.mkdir()
    a = make("370830", dt.date(1960, 5, 1), 11, "M")
    b = make("370830", dt.date(1955, 2, 3), 12, "F")
    (folder / "persons.csv").write_text(
        "id_number,name,sex,birth_date,household_id,relation,township_code,village\n"
        f"{a},张三,M,1960-05-01,H1,head,370830101,一村\n{b},李四,F,1955-02-03,H2,head,370830101,二村\n",
        encoding="utf-8")
    (folder / "roster.csv").write_text(
        f"id_number,name,category,valid_from,valid_to\n{a},张三,dibao,2020-01-01,\n{b},李四,tekun,2019-01-01,\n",
        encoding="utf-8")
    (folder / "claims.csv").write_text(
        "claim_id,id_number,name,hospital_code,hospital_level,location,visit_type,admit_date,discharge_date,"
        "settle_date,diagnosis_code,total_yuan,in_scope_yuan\n"
        f"A,{a},张三,H01,2,county,inpatient,2026-03-01,2026-03-10,2026-03-10,I63,50000,40000\n"
        f"B,{b},李四,H02,3,county,inpatient,2026-04-01,2026-04-20,2026-04-20,C34,200000,180000\n",
        encoding="utf-8")


def test_load_open_approve_pay_notice_supervise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDAID_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    get_settings.cache_clear()
    _contract_files(tmp_path / "in")
    run = CliRunner().invoke
    r = run(app, ["cases", "open", "--year", "2026", "--load", str(tmp_path / "in")])
    assert r.exit_code == 0, r.output
    assert "opened 2 cases" in r.output.replace("[bold]", "")
    r = run(app, ["cases", "open", "--year", "2026"])
    assert "opened 0 cases (2 already open" in r.output
    assert run(app, ["cases", "return", "2", "-d", "medical_security", "--reason", "核对住院天数"]).exit_code == 0
    assert run(app, ["cases", "approve", "2", "-d", "medical_security"]).exit_code != 0  # returned: resubmit first
    assert run(app, ["cases", "resubmit", "2", "-d", "medical_security", "--reason", "已核对"]).exit_code == 0
    for case_id in ("1", "2"):
        assert run(app, ["cases", "approve", case_id, "-d", "medical_security", "--actor", "ms1"]).exit_code == 0
    r = run(app, ["cases", "batch", "create", "2026-05-a", "--program", "assistance", "--year", "2026"])
    assert "2 lines, 32,688.10 yuan" in r.output
    assert "issued 2" in run(app, ["cases", "batch", "run", "2026-05-a"]).output
    bank = tmp_path / "bank.csv"
    assert run(app, ["cases", "batch", "export", "2026-05-a", "--out", str(bank)]).exit_code == 0
    lines = bank.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "370830********" in lines[1]  # masked unless --reveal
    result = tmp_path / "result.csv"
    keys = [line.split(",")[1] for line in lines[1:]]
    result.write_text(f"line_key,result,bank_ref,reason\n{keys[0]},paid,R1,\n{keys[1]},paid,R2,\n", encoding="utf-8")
    assert "paid 2" in run(app, ["cases", "batch", "import", str(result)]).output
    r = run(app, ["cases", "notice", "1"])
    assert "5,490.10" in r.output and "张三" in r.output
    r = run(app, ["cases", "show", "2"])
    assert "核对住院天数" in r.output and "27,198.00" in r.output
    r = run(app, ["supervise", "indicators", "--year", "2026", "--out", str(tmp_path / "ind.xlsx")])
    assert r.exit_code == 0 and "12 rows" in r.output and (tmp_path / "ind.xlsx").exists()
    r = run(app, ["supervise", "funnel", "--year", "2026"])
    assert "17,089" in r.output and "2026-03" in r.output
    for view in ("untouched", "overdue", "shortfall", "favouritism", "duplicates", "funds"):
        assert run(app, ["supervise", view, "--year", "2026"]).exit_code == 0, view
