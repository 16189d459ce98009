"""Benchmark the clerk's person view and reconciliation work-list queries on a synthetic county.

    .venv/bin/python bench/person_view.py                    # 20k people on SQLite, 200 people
    .venv/bin/python bench/person_view.py --people 100000 --samples 300

Generates (or reuses, under $MEDAID_BENCH_WORK) a county, loads it into a throwaway SQLite
database, runs one reconciliation round, then times in-process (no HTTP):
- ``person_view`` for random people with claims (live per-layer replay: no settlement run),
- ``search`` by name fragment,
- one township's open problems (the work-list page query),
and as the same-run baseline D's ``township_people`` page query. Prints and writes
bench/results/person_view.json (latency percentiles in ms, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "person_view.json"


def _pct(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    pick = lambda q: round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 2)  # noqa: E731
    return {"n": len(s), "mean_ms": round(statistics.fmean(s) * 1000, 2), "p50_ms": pick(0.5), "p95_ms": pick(0.95),
            "p99_ms": pick(0.99), "max_ms": round(s[-1] * 1000, 2)}


def _time(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20000)
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()

    from sqlalchemy import func, select

    from medaid.api import personview, readmodels
    from medaid.api.v1 import reconcile as rq
    from medaid.ingest.service import load_path
    from medaid.reconcile import run_round
    from medaid.store import tables as t
    from medaid.store.db import engine_for, migrate
    from medaid.synth import generate_county

    work = Path(os.environ.get("MEDAID_BENCH_WORK", tempfile.mkdtemp(prefix="medaid-bench-")))
    county = work / f"county-{args.people}-2026-7"
    if not (county / "claims.csv").exists():
        generate_county(county, people=args.people, year=2026, seed=7)
    db = Path(tempfile.mkdtemp(prefix="medaid-pv-")) / "bench.db"
    url = f"sqlite:///{db}"
    migrate(url)
    t0 = time.perf_counter()
    load_path(county, url=url, actor="bench")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_round(2026, url=url, actor="bench")
    round_s = time.perf_counter() - t0

    engine = engine_for(url)
    rng = random.Random(7)
    with engine.connect() as conn:
        claimants = [r[0] for r in conn.execute(select(t.claim.c.id_token).distinct()
                                                .where(t.claim.c.id_token.in_(select(t.person.c.id_token)))
                                                .limit(20000))]
        names = [r[0] for r in conn.execute(select(t.person.c.name).limit(5000))]
        towns = [r[0] for r in conn.execute(select(t.person.c.township_code, func.count())
                                            .group_by(t.person.c.township_code).order_by(func.count().desc()))]
        people = rng.sample(claimants, min(args.samples, len(claimants)))
        it = iter(people)
        view = _pct(_time(lambda: personview.person_view(conn, next(it), year=2026), len(people)))
        search = _pct(_time(lambda: personview.search(conn, rng.choice(names)[:2]), args.samples))
        worklist = _pct(_time(lambda: rq.problems(conn, 2026, township=towns[0], limit=2000), 50))
        baseline = _pct(_time(lambda: readmodels.township_people(conn, towns[0]), 50))
    result = {"benchmark": "person_view", "people": args.people, "database": "sqlite", "load_seconds": round(load_s, 1),
              "round_seconds": round(round_s, 1), "person_view_live_replay": view, "search_name": search,
              "worklist_biggest_township": worklist, "baseline_township_people_page": baseline,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
