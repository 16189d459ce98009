"""Benchmark the hash-chained audit log on SQLite and a throwaway PostgreSQL.

    .venv/bin/python bench/audit.py                  # 2,000 single appends + 50,000 batched, both DBs
    .venv/bin/python bench/audit.py --single 500 --batched 20000 --no-pg

Measures: single-event transactions (what a web request does: latency p50/p95/p99), batched appends
(1,000 events per transaction: a loop of ``append_event`` and one ``append_events``), ``verify`` over the whole chain, and peak
memory of ``verify`` (tracemalloc: it streams, so memory must not grow with the log). Same-run
baseline: plain INSERTs of identical rows into an unchained table without the head-row lock.
Results print and go to bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from medaid.audit.log import Event, append_event, append_events, verify
from medaid.store.db import engine_for, migrate

ROOT = Path(__file__).resolve().parents[1]
DETAIL = {"load_id": 12, "file": "claims.csv", "rows": 2_000_000, "note": "月度结算数据导入"}


def _percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(q[49] * 1e3, 3), "p95_ms": round(q[94] * 1e3, 3), "p99_ms": round(q[98] * 1e3, 3)}


def bench_one(url: str, single: int, batched: int) -> dict[str, Any]:
    migrate(url)
    engine = engine_for(url)
    baseline = sa.Table("bench_plain_event", sa.MetaData(), *(sa.Column(c.name, c.type) for c in
                        sa.Table("audit_event", sa.MetaData(), autoload_with=engine).columns))
    baseline.create(engine, checkfirst=True)
    out: dict[str, Any] = {"backend": engine.dialect.name}

    lat = []
    t0 = time.perf_counter()
    for i in range(single):
        s = time.perf_counter()
        with engine.begin() as conn:
            append_event(conn, actor="bench", action="case.approve", subject=f"case:{i}", detail=DETAIL)
        lat.append(time.perf_counter() - s)
    out["single"] = {"events": single, "per_s": round(single / (time.perf_counter() - t0), 1), **_percentiles(lat)}

    lat = []
    t0 = time.perf_counter()
    for i in range(single):
        s = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(baseline.insert().values(seq=i, at="2026-01-01T00:00:00.000000Z", actor="bench",
                                                  action="case.approve", subject=f"case:{i}",
                                                  detail=json.dumps(DETAIL), prev_hash="0" * 64, hash="0" * 64))
        lat.append(time.perf_counter() - s)
    out["single_baseline_plain_insert"] = {"per_s": round(single / (time.perf_counter() - t0), 1), **_percentiles(lat)}

    t0 = time.perf_counter()
    for start in range(0, batched, 1000):
        with engine.begin() as conn:
            for i in range(start, min(batched, start + 1000)):
                append_event(conn, actor="bench", action="load", subject=f"row:{i}", detail=DETAIL)
    out["batched_loop"] = {"events": batched, "per_s": round(batched / (time.perf_counter() - t0), 1)}

    t0 = time.perf_counter()
    for start in range(0, batched, 1000):
        with engine.begin() as conn:
            append_events(conn, [Event("bench", "load", f"row:{i}", DETAIL)
                                 for i in range(start, min(batched, start + 1000))])
    out["batched_append_events"] = {"events": batched, "per_s": round(batched / (time.perf_counter() - t0), 1)}

    total = single + 2 * batched
    t0 = time.perf_counter()
    with engine.connect() as conn:
        assert verify(conn).ok
    out["verify_untraced"] = {"events": total, "per_s": round(total / (time.perf_counter() - t0), 1)}

    tracemalloc.start()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        report = verify(conn)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.ok and report.events == total, report
    out["verify"] = {"events": total, "per_s": round(total / elapsed, 1), "seconds": round(elapsed, 2),
                     "peak_tracemalloc_mb": round(peak / 2**20, 2)}
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--batched", type=int, default=50_000)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"single": args.single, "batched": args.batched, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        results["runs"].append(bench_one(f"sqlite:///{tmp}/bench.db", args.single, args.batched))
        if not args.no_pg:
            from medaid.store.pg_throwaway import ThrowawayPostgres

            with ThrowawayPostgres() as pg:
                results["runs"].append(bench_one(pg.create_database("bench_audit"), args.single, args.batched))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    target = ROOT / "bench" / "results" / "audit.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
