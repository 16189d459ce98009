"""Benchmark ``medaid load``: a synthetic county into SQLite and a throwaway PostgreSQL.

    .venv/bin/python bench/load.py --people 500000            # generates the county first (~2 min)
    .venv/bin/python bench/load.py --county /path/to/county   # reuse files from `medaid synth`

Each measurement runs in a fresh process so peak RSS (``ru_maxrss``: Python + DuckDB + driver) is the
load's own. Baseline, same run and same files: plain DuckDB ``read_csv`` (all VARCHAR, count the
rows) — the floor for "read the bytes"; the ratio says what validation, tokenising, encryption and
the database writes cost on top. Results print and go to bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any


def _in_child(fn: Any, *args: Any) -> Any:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def generate(out: Path, people: int, seed: int) -> dict[str, int]:
    from medaid.synth import generate_county

    return dict(generate_county(out, people=people, year=2026, seed=seed).files)


def load_county(county: Path, url: str, data_dir: str) -> dict[str, Any]:
    """Load every contract file like ``load_path`` does, timing each file."""
    os.environ["MEDAID_DATA_DIR"] = data_dir
    from medaid.ingest.service import contract_files, load_file
    from medaid.ingest.validate import IdLookup
    from medaid.store.db import engine_for, migrate

    started = time.perf_counter()
    migrate(url)
    engine = engine_for(url)
    lookup = IdLookup()
    files = {}
    for kind, path in contract_files(county):
        t = time.perf_counter()
        report = load_file(engine, kind, path, actor="bench", lookup=lookup)
        seconds = time.perf_counter() - t
        files[kind] = {"status": report.status, "rows_read": report.rows_read, "rows_accepted": report.rows_accepted,
                       "rows_rejected": report.rows_rejected, "seconds": round(seconds, 2),
                       "rows_per_s": round(report.rows_read / seconds) if seconds else None}
    seconds = time.perf_counter() - started
    rows = sum(f["rows_read"] for f in files.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": round(seconds, 2), "rows": rows, "rows_per_s": round(rows / seconds),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "files": files}


def duckdb_baseline(county: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    per_file = {}
    for path in sorted(county.glob("*.csv")):
        t = time.perf_counter()
        row = con.execute(f"SELECT count(*) FROM read_csv('{path}', header=true, all_varchar=true)").fetchone()
        per_file[path.stem] = {"rows": row[0] if row else 0, "seconds": round(time.perf_counter() - t, 3)}
    seconds = time.perf_counter() - started
    rows = sum(f["rows"] for f in per_file.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"method": "duckdb read_csv all_varchar, count(*)", "seconds": round(seconds, 2), "rows": rows,
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "rows_per_s": round(rows / seconds), "files": per_file,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--county", type=Path, default=None, help="existing county directory (skips generation)")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()

    from medaid.store.pg_throwaway import ThrowawayPostgres

    with tempfile.TemporaryDirectory(prefix="medaid-bench-load-") as tmp:
        county = args.county
        generated: dict[str, int] | None = None
        if county is None:
            county = Path(tmp) / "county"
            t = time.perf_counter()
            generated = _in_child(generate, county, args.people, args.seed)
            print(f"generated {sum(generated.values()):,} rows in {time.perf_counter() - t:.0f}s", flush=True)
        size_mb = sum(p.stat().st_size for p in county.glob("*.csv")) / 2**20

        baseline = _in_child(duckdb_baseline, county)
        print(f"duckdb baseline: {baseline['seconds']}s", flush=True)
        results: dict[str, Any] = {}
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        results["sqlite"] = _in_child(load_county, county, sqlite_url, str(Path(tmp) / "data"))
        print(f"sqlite: {results['sqlite']['seconds']}s, peak {results['sqlite']['peak_rss_mb']} MB", flush=True)
        if not args.no_postgres:
            with ThrowawayPostgres() as pg:
                url = pg.create_database("bench_load")
                results["postgresql"] = _in_child(load_county, county, url, str(Path(tmp) / "data"))
            print(f"postgresql: {results['postgresql']['seconds']}s", flush=True)

    for backend in results.values():
        backend["ratio_to_duckdb_read"] = round(backend["seconds"] / max(baseline["seconds"], 1e-9), 1)
        backend["cpu_ratio_to_duckdb_read"] = round(backend["cpu_seconds"] / max(baseline["cpu_seconds"], 1e-9), 1)
    # The machine is shared: os.getloadavg() tells a reader how much the wall times are inflated.
    results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    result = {
        "benchmark": "load", "people": args.people,
        "county": str(args.county) if args.county else "generated", "python": platform.python_version(),
        "input_mb": round(size_mb, 1), "targets": {"sqlite_seconds": 120, "peak_rss_mb": 2048},
        "baseline": baseline, **results,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
