"""``generate_county``: one call builds a synthetic county in data contract v1 plus its ground truth.

Pipeline (each step draws from its own seeded stream, so changing one step does not shift the
others): people → rosters → enrolment → department files → claims → text tables → faults → write
files → truth. Deterministic: the same arguments give byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from medaid.synth import departments as dep
from medaid.synth.claims import simulate_claims
from medaid.synth.faults import Injector
from medaid.synth.income import income_components
from medaid.synth.population import build_people
from medaid.synth.programs import assign_categories, enrol
from medaid.synth.tables import COLUMNS, KINDS, build_tables
from medaid.synth.truth import (
    duplicates_frame,
    expected_problems,
    faults_frame,
    households_truth,
    person_oop_fen,
    persons_truth,
)
from medaid.synth.writer import write_csv, write_xlsx

Progress = Callable[[str, int, int], None]
STEPS = ("people", "rosters", "enrolment", "departments", "claims", "tables", "faults", "write", "truth")


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What was written: rows per contract file (by kind, e.g. ``files["claims"]``) and truth file."""

    out: Path
    files: dict[str, int]
    truth: dict[str, int] = field(default_factory=dict)
    people: int = 0
    year: int = 0
    seed: int = 0
    fmt: str = "csv"
    fault_rate: float = 0.0
    seconds: float = 0.0


def generate_county(
    out: Path, *, people: int, year: int, seed: int, fmt: Literal["csv", "xlsx"] = "csv",
    fault_rate: float = 0.02, progress: Progress | None = None,
) -> SynthSummary:
    """Write ``out/<kind>.csv|xlsx`` for the ten contract kinds and ``out/truth/*.csv``."""
    if people < 10:
        raise ValueError("people must be at least 10 / 人数至少为 10")
    if not 1950 <= year <= 2100:
        raise ValueError(f"year {year} out of range 1950-2100 / 年份超出范围")
    if not 0.0 <= fault_rate <= 0.5:
        raise ValueError(f"fault_rate {fault_rate} must be within 0-0.5 / 错误率须在 0 到 0.5 之间")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"format {fmt!r} must be csv or xlsx / 格式须为 csv 或 xlsx")
    started = time.perf_counter()
    tick = _ticker(progress)

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, stream])

    tick("people")
    county = build_people(rng(1), people, year)
    true_income = income_components(rng(12), county)
    tick("rosters")
    roster = assign_categories(rng(2), county)
    tick("enrolment")
    enrolment = enrol(rng(3), county, roster)
    tick("departments")
    has_cert, certs = dep.chronic_certificates(rng(4), county)
    employment, _ = dep.employment_rows(rng(5), county)
    dept = {
        "chronic_certs": certs, "employment": employment, "income": dep.income_rows(rng(6), county, roster, true_income),
        "assets": dep.asset_rows(rng(7), county), "deaths": dep.death_rows(rng(8), county),
        "disability": dep.disability_rows(county),
    }
    tick("claims")
    insured = np.zeros(county.n, dtype=bool)
    insured[enrolment.person] = True
    claims = simulate_claims(rng(9), county, has_cert, insured)
    # the latent claims are needed only for the need truth: use them, then let them go (memory)
    households = households_truth(county, roster, person_oop_fen(county, claims), dept["assets"])
    tick("tables")
    tables = build_tables(rng(10), county, roster, enrolment, claims, dept)
    del claims, dept
    tick("faults")
    assisted = np.zeros(county.n, dtype=bool)
    start, end = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
    in_year = (roster.valid_from <= end) & (np.isnat(roster.valid_to) | (roster.valid_to >= start))
    assisted[roster.person[in_year]] = True
    injector = Injector(rng(11), tables, assisted, ~np.isnat(county.death), year)
    injector.run(fault_rate)
    tables = injector.tables

    tick("write")
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, int] = {}
    for kind in KINDS:
        # a folder re-used with the other format must not keep both persons.csv and persons.xlsx
        (out / f"{kind}.{'xlsx' if fmt == 'csv' else 'csv'}").unlink(missing_ok=True)
        frame = tables[kind].loc[:, list(COLUMNS[kind])]
        if fmt == "csv":
            write_csv(frame, out / f"{kind}.csv")
        else:
            write_xlsx(frame, out / f"{kind}.xlsx")
        files[kind] = len(frame)

    tick("truth")
    truth_dir = out / "truth"
    truth_dir.mkdir(exist_ok=True)
    truth_frames: dict[str, pd.DataFrame] = {
        "households": households,
        "persons": persons_truth(county, tables["persons"]),
        "faults": faults_frame(injector.faults, tables),
        "duplicates": duplicates_frame(injector.duplicates, tables),
        "expected_problems": expected_problems(tables, year),
    }
    for name, frame in truth_frames.items():
        write_csv(frame.astype(str), truth_dir / f"{name}.csv", quoted=True)
    summary = SynthSummary(
        out=out, files=files, truth={k: len(v) for k, v in truth_frames.items()}, people=people, year=year,
        seed=seed, fmt=fmt, fault_rate=fault_rate, seconds=round(time.perf_counter() - started, 2),
    )
    meta = {"generator": "medaid.synth", "contract": "v1", "county": "370830", "people": people, "year": year,
            "seed": seed, "format": fmt, "fault_rate": fault_rate, "files": files, "truth": summary.truth}
    (truth_dir / "summary.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    tick(None)
    return summary


def _ticker(progress: Progress | None) -> Callable[[str | None], None]:
    done = 0

    def tick(step: str | None) -> None:
        nonlocal done
        if progress is not None:
            progress(step or "done", done if step else len(STEPS), len(STEPS))
        done += 1

    return tick
