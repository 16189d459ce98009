"""Benchmark ``medaid synth``: time, throughput and peak memory for a county, with a same-run baseline.

    .venv/bin/python bench/synth.py --people 500000

Baseline: the obvious way — Faker zh_CN per person (name, ID, phone, address) and the stdlib
``csv`` writer — on a sample, extrapolated to rows/s. Results print and go to bench/results/synth.json
(other sizes: synth-<people>.json).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

from medaid.synth import generate_county


def baseline_rows_per_s(rows: int, out: Path) -> float:
    """Faker zh_CN + csv.writer, one person row at a time."""
    from faker import Faker

    fake = Faker("zh_CN")
    Faker.seed(7)
    started = time.perf_counter()
    with (out / "baseline_persons.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id_number", "name", "sex", "birth_date", "phone", "address"])
        for _ in range(rows):
            w.writerow([fake.ssn(), fake.name(), "M", fake.date_of_birth().isoformat(), fake.phone_number(), fake.address()])
    return rows / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--baseline-rows", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=None, help="keep the county here (default: temp dir)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "county"
        steps: dict[str, float] = {}
        last_at, last_step = [time.perf_counter()], [""]

        def progress(step: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if last_step[0]:
                steps[last_step[0]] = round(now - last_at[0], 2)
            last_at[0], last_step[0] = now, step

        started = time.perf_counter()
        summary = generate_county(out, people=args.people, year=2026, seed=args.seed, progress=progress)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        base = baseline_rows_per_s(args.baseline_rows, Path(tmp))

    rows = sum(summary.files.values())
    result = {
        "benchmark": "synth", "people": args.people, "seed": args.seed, "python": platform.python_version(),
        "seconds": round(seconds, 2), "step_seconds": steps, "peak_rss_mb": round(peak_mb),
        "output_mb": round(size_mb, 1), "rows_per_file": summary.files, "truth_rows": summary.truth,
        "rows_written": rows, "rows_per_s": round(rows / seconds), "people_per_s": round(args.people / seconds),
        "claims_per_s": round(summary.files["claims"] / seconds),
        "baseline": {"method": "Faker zh_CN per row + csv.writer (persons only)", "rows": args.baseline_rows,
                     "rows_per_s": round(base)},
        "speedup_vs_baseline_rows_per_s": round(rows / seconds / base, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    name = "synth.json" if args.people == 500_000 else f"synth-{args.people}.json"  # keep the county-size result
    (results / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
