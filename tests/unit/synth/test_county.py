"""The synthetic county: contract shape, determinism, faults where truth says, consistent truth."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medaid.domain.categories import CODES
from medaid.domain.names import normalise_name
from medaid.errors import ContractError
from medaid.synth import KINDS, SynthSummary, generate_county
from medaid.synth.acceptance import accepted, date_ok
from medaid.synth.ids import valid_mask

# Written out again on purpose (DESIGN.md §4) so that a drift in synth.tables.COLUMNS fails here.
CONTRACT = {
    "persons": "id_number,name,sex,birth_date,household_id,relation,township_code,village,address,phone",
    "deaths": "id_number,name,death_date,source",
    "roster": "id_number,name,category,valid_from,valid_to,township_code,source_dept",
    "enrolment": "id_number,name,year,scheme,region_code,status,premium_waived,paid_by_self_yuan",
    "claims": "claim_id,id_number,name,hospital_code,hospital_level,location,visit_type,admit_date,"
              "discharge_date,settle_date,diagnosis_code,total_yuan,in_scope_yuan,basic_paid_yuan,"
              "critical_paid_yuan,reverses_claim_id",
    "income": "id_number,kind,yuan,period_from,period_to",
    "assets": "id_number,kind,value_yuan,count",
    "disability": "id_number,level,type",
    "chronic_certs": "id_number,disease_code,valid_from,valid_to",
    "employment": "id_number,status,since",
}
PROBLEMS = {"not_enrolled", "deceased", "enrolled_elsewhere", "employee_scheme", "premium_charged",
            "waiver_missing", "waiver_without_basis", "identity_mismatch", "lost_contact", "delisted_keep_waiver"}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    out = tmp_path_factory.mktemp("county")
    return out, generate_county(out, people=20_000, year=2026, seed=7, fault_rate=0.02)


@pytest.fixture(scope="module")
def files(county: tuple[Path, SynthSummary]) -> dict[str, pd.DataFrame]:
    out, _ = county
    return {k: read(out / f"{k}.csv") for k in KINDS}


@pytest.fixture(scope="module")
def faults(county: tuple[Path, SynthSummary]) -> pd.DataFrame:
    return read(county[0] / "truth" / "faults.csv")


def test_every_file_has_exactly_the_contract_columns(county: tuple[Path, SynthSummary]) -> None:
    out, summary = county
    for kind, header in CONTRACT.items():
        assert (out / f"{kind}.csv").read_text("utf-8").split("\n", 1)[0] == header
    assert set(summary.files) == set(CONTRACT)


def test_row_counts_match_the_summary(county: tuple[Path, SynthSummary], files: dict[str, pd.DataFrame]) -> None:
    _, summary = county
    assert {k: len(v) for k, v in files.items()} == summary.files
    assert summary.files["persons"] >= 20_000


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_county(tmp_path / "a", people=1_500, year=2026, seed=11)
    b = generate_county(tmp_path / "b", people=1_500, year=2026, seed=11)
    c = generate_county(tmp_path / "c", people=1_500, year=2026, seed=12)
    assert _digest(a.out) == _digest(b.out)
    assert _digest(a.out)["claims.csv"] != _digest(c.out)["claims.csv"]


def test_output_does_not_depend_on_the_python_hash_seed(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from medaid.synth import generate_county; "
            "generate_county(Path(sys.argv[1]), people=800, year=2026, seed=4)")
    for name, hash_seed in (("h1", "1"), ("h2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], env=env, check=True, timeout=120)
    assert _digest(tmp_path / "h1") == _digest(tmp_path / "h2")


def test_ids_are_valid_except_the_injected_bad_check_digits(files: dict[str, pd.DataFrame], faults: pd.DataFrame) -> None:
    for kind, df in files.items():
        bad_rows = {str(i + 2) for i in np.flatnonzero(~valid_mask(df["id_number"].to_numpy()))}
        injected = set(faults.loc[(faults["file"] == f"{kind}.csv") & (faults["fault"] == "bad_check_digit"), "row"])
        assert bad_rows == injected, kind


def test_each_fault_is_in_the_file_and_row_that_truth_names(files: dict[str, pd.DataFrame], faults: pd.DataFrame) -> None:
    first = files["persons"].drop_duplicates("id_number", keep="first")  # the loader's "first row wins"
    register = dict(zip(first["id_number"], first["name"], strict=True))
    dead = set(files["deaths"]["id_number"])
    located = faults[faults["row"] != ""]
    assert len(located) > 500
    for f in located.itertuples():
        df = files[f.file.removesuffix(".csv")]
        row = df.iloc[int(f.row) - 2]
        assert row["id_number"] == f.id_number
        value = row[f.field] if f.field else ""
        if f.fault == "missing_required":
            assert value == ""
        elif f.fault == "bad_date":
            assert not date_ok(pd.Series([value]))[0]
        elif f.fault == "negative_amount":
            assert value.startswith("-")
        elif f.fault == "name_typo":
            assert value != register.get(row["id_number"])
        elif f.fault == "dead_still_enrolled":
            assert value == "active" and row["id_number"] in dead
        elif f.fault == "dead_on_roster":
            assert value == ""
        elif f.fault == "enrolled_outside":
            assert value != "370830"
        elif f.fault == "too_many_decimals":
            assert len(value.split(".")[1]) == 3
        elif f.fault == "in_scope_exceeds_total":
            assert float(row["in_scope_yuan"]) > float(row["total_yuan"])
        elif f.fault == "duplicate_claim_id":
            assert (df["claim_id"].iloc[: int(f.row) - 2] == row["claim_id"]).any()
        elif f.fault == "premium_charged":
            assert row["premium_waived"] == "Y" and value == "400.00"
        elif f.fault == "waiver_without_basis":
            assert value == "Y"
    kinds = set(faults["fault"])
    for expected in ("bad_check_digit", "swapped_names", "duplicate_person", "dead_still_enrolled",
                     "enrolled_outside", "premium_charged", "name_typo", "missing_required", "bad_date",
                     "negative_amount", "waiver_without_basis", "assisted_not_enrolled"):
        assert expected in kinds


def test_fault_rate_is_respected(files: dict[str, pd.DataFrame], faults: pd.DataFrame) -> None:
    per_file = faults.groupby("file").size()
    for kind, df in files.items():
        assert per_file.get(f"{kind}.csv", 0) <= round(0.02 * len(df)) + 2, kind


def test_duplicates_are_the_same_true_person(county: tuple[Path, SynthSummary], files: dict[str, pd.DataFrame]) -> None:
    truth = county[0] / "truth"
    dups = read(truth / "duplicates.csv")
    persons = read(truth / "persons.csv").set_index("row")
    assert len(dups) > 20
    for d in dups.itertuples():
        assert persons.loc[d.row_a, "true_person_key"] == persons.loc[d.row_b, "true_person_key"] == d.true_person_key
        assert files["persons"].iloc[int(d.row_b) - 2]["id_number"] == d.id_number_b
    assert len(persons) == len(files["persons"])


def test_expected_problems_follow_from_the_injected_faults(county: tuple[Path, SynthSummary], files: dict[str, pd.DataFrame], faults: pd.DataFrame) -> None:
    problems = read(county[0] / "truth" / "expected_problems.csv")
    assert set(problems["problem"]) <= PROBLEMS
    have = set(zip(problems["id_number"], problems["problem"], strict=True))
    ok_deaths = set(files["deaths"].loc[accepted("deaths", files["deaths"]), "id_number"])
    ok_enrol = files["enrolment"][accepted("enrolment", files["enrolment"])]
    for f in faults[faults["fault"] == "dead_still_enrolled"].itertuples():
        if f.id_number in ok_deaths and f.id_number in set(ok_enrol["id_number"]):
            assert (f.id_number, "deceased") in have
    for f in faults[faults["fault"] == "waiver_without_basis"].itertuples():
        assert (f.id_number, "waiver_without_basis") in have
    missing = faults[faults["fault"] == "assisted_not_enrolled"]
    assert len(missing) > 0
    assert sum((i, "not_enrolled") in have for i in missing["id_number"]) >= 0.9 * len(missing)
    # swapped names and homophone typos on the roster surface as identity mismatches
    swapped = faults[(faults["fault"] == "swapped_names") & (faults["file"] == "roster.csv")]
    for i in swapped["id_number"]:
        assert (i, "identity_mismatch") in have
    # employee_scheme: independently, assisted people in employee insurance
    ro = files["roster"][accepted("roster", files["roster"])]
    emp = set(ok_enrol.loc[ok_enrol["scheme"] == "employee", "id_number"]) & set(ro["id_number"])
    emp_expected = {i for i, p in have if p == "employee_scheme"}
    assert emp_expected <= emp and len(emp_expected) >= 0.8 * len(emp)


def test_clean_county_has_only_natural_problems(tmp_path: Path) -> None:
    summary = generate_county(tmp_path, people=3_000, year=2026, seed=5, fault_rate=0.0)
    for kind in KINDS:
        df = read(tmp_path / f"{kind}.csv")
        assert accepted(kind, df).all(), kind
    assert summary.truth["faults"] == 0
    problems = read(tmp_path / "truth" / "expected_problems.csv")
    assert set(problems["problem"]) <= {"employee_scheme", "delisted_keep_waiver", "lost_contact"}


def test_claims_are_plausible(files: dict[str, pd.DataFrame], faults: pd.DataFrame) -> None:
    claims = files["claims"]
    clean = claims[accepted("claims", claims)]
    originals = clean[clean["reverses_claim_id"] == ""]
    per_person = originals.groupby("id_number").size().reindex(files["persons"]["id_number"].unique(), fill_value=0)
    enrolled = files["enrolment"]["id_number"].nunique()
    assert 3.0 <= len(originals) / enrolled <= 5.0
    assert per_person.median() <= 2
    total = clean["total_yuan"].astype(float)
    share = clean["in_scope_yuan"].astype(float) / total
    assert share.between(0.59, 0.951).all()
    inp3 = total[(clean["visit_type"] == "inpatient") & (clean["hospital_level"] == "3")]
    assert 8_000 < inp3.median() < 35_000 and total.max() <= 500_000
    assert set(clean["visit_type"]) == {"inpatient", "chronic_outpatient", "general_outpatient"}
    reversals = clean[clean["reverses_claim_id"] != ""]
    assert 0.002 < len(reversals) / len(clean) < 0.01
    assert reversals["reverses_claim_id"].isin(claims["claim_id"]).all()
    dup_faults = (faults["fault"] == "duplicate_claim_id").sum()
    assert claims["claim_id"].duplicated().sum() == dup_faults
    national = clean[clean["basic_paid_yuan"] != ""]
    assert len(national) > 0 and (national["location"] == "out_of_province").all()


def test_category_prevalence_is_plausible(files: dict[str, pd.DataFrame]) -> None:
    roster = files["roster"]
    share = roster.groupby("category").size() / 20_000
    assert set(share.index) - {"低保", "特困人员", "dibao2", "poor", ""} == set(CODES)
    assert 0.02 < share["dibao"] < 0.04 and 0.002 < share["tekun"] < 0.007
    assert 0.03 < share["lifted"] < 0.05
    several = roster.groupby("id_number")["category"].nunique()
    assert (several > 1).any()


def test_many_needy_households_are_on_no_roster(county: tuple[Path, SynthSummary]) -> None:
    hh = read(county[0] / "truth" / "households.csv")
    needy = hh[hh["in_need"] == "Y"]
    assert 0.02 < len(needy) / len(hh) < 0.25
    assert (needy["on_need_roster"] == "N").mean() > 0.3
    assert (needy["reasons"] != "").all() and (hh.loc[hh["in_need"] == "N", "reasons"] == "").all()


def test_names_are_normalised_consistently(files: dict[str, pd.DataFrame]) -> None:
    names = files["persons"]["name"].head(200)
    assert all(normalise_name(n) == n for n in names if n)


def test_xlsx_has_the_same_header_and_rows(tmp_path: Path) -> None:
    import openpyxl

    summary = generate_county(tmp_path, people=300, year=2026, seed=3, fmt="xlsx")
    for kind, header in CONTRACT.items():
        wb = openpyxl.load_workbook(tmp_path / f"{kind}.xlsx", read_only=True)
        rows = list(wb.active.iter_rows(values_only=True))
        wb.close()
        assert ",".join(rows[0]) == header
        assert len(rows) - 1 == summary.files[kind]
    persons = openpyxl.load_workbook(tmp_path / "persons.xlsx", read_only=True)
    first = next(persons.active.iter_rows(min_row=2, max_row=2, values_only=True))
    persons.close()
    assert isinstance(first[0], str) and len(first[0]) == 18  # IDs stay text, never numbers


def test_switching_format_in_the_same_folder_leaves_one_file_per_kind(tmp_path: Path) -> None:
    generate_county(tmp_path, people=200, year=2026, seed=3, fmt="xlsx")
    generate_county(tmp_path, people=200, year=2026, seed=3, fmt="csv")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(f"{k}.csv" for k in KINDS)


def test_xlsx_refuses_files_beyond_the_sheet_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medaid.synth import writer

    monkeypatch.setattr(writer, "XLSX_MAX_ROWS", 100)
    with pytest.raises(ContractError, match="XLSX"):
        generate_county(tmp_path, people=300, year=2026, seed=3, fmt="xlsx")


@pytest.mark.parametrize("kwargs", [{"people": 5}, {"year": 1800}, {"fault_rate": 0.9}, {"fmt": "json"}])
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"people": 100, "year": 2026, "seed": 1} | kwargs
    with pytest.raises(ValueError):
        generate_county(tmp_path, **args)  # type: ignore[arg-type]


def test_public_surface_is_frozen() -> None:
    import medaid.synth

    assert sorted(medaid.synth.__all__) == ["COLUMNS", "KINDS", "SynthSummary", "generate_county"]
