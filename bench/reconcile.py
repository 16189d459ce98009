"""Reconciliation benchmark: one full round on a 500k-person county (5% faulty rows), scored vs truth.

Reuses the county bench/linkage.py prepared (generated + loaded into SQLite). Measures the round's
wall time and peak RSS in a fresh process, split into reading inputs and detect+store; same-run
baseline: reading the inputs alone (the I/O floor a round cannot beat). Also runs a second round
(all still_open) and reports recall/precision against truth/expected_problems.csv.
Writes bench/results/reconcile.json.

    .venv/bin/python bench/reconcile.py [--people 500000] [--work /tmp/medaid-bench]
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

RESULTS = Path(__file__).with_name("results") / "reconcile.json"


def _round_child(url: str, queue: Any) -> None:
    from medaid.reconcile import run_round
    from medaid.reconcile.inputs import read_inputs
    from medaid.store.db import engine_for

    start = time.perf_counter()
    with engine_for(url).connect() as conn:
        read_inputs(conn, 2026)
    read_s = time.perf_counter() - start
    rounds = []
    for _ in range(2):
        start = time.perf_counter()
        summary = run_round(2026, url=url, actor="bench")
        rounds.append({"round_id": summary.round_id, "wall_s": time.perf_counter() - start,
                       "by_problem": summary.by_problem, "transitions": summary.transitions})
    queue.put({"baseline_read_inputs_s": read_s, "rounds": rounds,
               "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from linkage import prepare  # type: ignore[import-not-found]
    from medaid.reconcile.score import score_round

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("MEDAID_BENCH_WORK", "/tmp/medaid-bench")))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    county, url = prepare(args.work, args.people)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_round_child, args=(url, queue))
    proc.start()
    run = queue.get()
    proc.join()
    score = score_round(county / "truth", run["rounds"][-1]["round_id"], url=url)
    out = {"people": args.people, "fault_rate": 0.05, **run,
           "score": {"expected": score.expected, "found": score.found, "matched": score.matched,
                     "recall": score.recall, "precision": score.precision, "by_problem": score.by_problem,
                     "missed_examples": score.missed_examples, "extra_examples": score.extra_examples}}
    print(json.dumps(out, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
