"""Benchmark POST /api/v1/quote (one-stop settlement) over HTTP against a county on PostgreSQL.

    .venv/bin/python bench/api.py                          # 500k-people county, 50/100/200 rps × 60 s
    .venv/bin/python bench/api.py --people 20000 --duration 20 --rates 50 200 --out /tmp/api-quick.json

A throwaway PostgreSQL is started, the synthetic county (``medaid.synth``, reused from
$MEDAID_BENCH_WORK if already generated) is loaded, a clerk token with ``claims:quote`` is issued,
and uvicorn serves the app in a subprocess on loopback. An open-loop generator (aiohttp) sends
requests on a fixed schedule — each one a new claim of a random person with claims, so every request
reads that person's roster, year's claims and quotes, locks the person-year and writes a quote — at
each rate for the duration; in-flight requests are bounded (``--max-in-flight``) and requests that
find the bound full are counted as ``dropped``. Latency is measured from the scheduled send time (so
a stalled server shows up as latency rather than hiding in a slower send rate). The same run
measures GET /api/v1/health at the same rates as the floor (HTTP + framework, no database work).
Results print and go to bench/results/api.json. Target: quote p99 < 50 ms at 200 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "api.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(work: Path, people: int, url: str) -> tuple[str, list[str], dict[str, Any]]:
    """Generate (or reuse) and load the county; return a quote token and ID numbers of claimants."""
    from medaid.api.credentials import issue_token
    from medaid.api.roles import Role
    from medaid.api.users import create_user
    from medaid.ingest.service import load_path
    from medaid.store.db import engine_for
    from medaid.synth import generate_county

    county = work / f"county-{people}-2026-7"
    t0 = time.perf_counter()
    if not (county / "claims.csv").exists():
        generate_county(county, people=people, year=2026, seed=7)
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = load_path(county, url=url, actor="bench")
    loaded = time.perf_counter() - t0
    with engine_for(url).begin() as conn:
        user = create_user(conn, "hospital", "bench-password-1", Role.CLERK, actor="bench")
        token = issue_token(conn, user, {"claims:quote"}, actor="bench")
    with (county / "claims.csv").open(encoding="utf-8") as fh:
        ids = sorted({row["id_number"] for row in csv.DictReader(fh)})
    from medaid.domain.idnumber import find_problem

    ids = [i for i in ids if find_problem(i) is None]
    rows = sum(f.rows_accepted for f in report.files)
    return token, ids, {"generate_s": round(generated, 1), "load_s": round(loaded, 1), "rows_loaded": rows,
                        "claimants": len(ids)}


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU seconds of a live process (0 if it has gone), optionally with its reaped children's."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped_children else 0)
    return ticks / _TICK


def _children(ppid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _cpu_groups(servers: list[int], postmaster: int) -> dict[str, float]:
    """CPU seconds so far of the generator (this process), the app servers and PostgreSQL (all backends)."""
    return {"generator": _cpu_s(os.getpid()), "servers": sum(_cpu_s(p) for p in servers),
            # a backend that exits hands its CPU to the postmaster's reaped-children counters
            "postgres": _cpu_s(postmaster, reaped_children=True) + sum(_cpu_s(p) for p in _children(postmaster))}


def _cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """CPU milliseconds per request by component: where a 2-core box spends its budget at this rate."""
    return {k: round((after[k] - before[k]) * 1e3 / max(requests, 1), 2) for k in before}


def _percentiles(samples: list[float]) -> dict[str, float | None]:
    if len(samples) < 2:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    q = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(q[49] * 1e3, 2), "p90_ms": round(q[89] * 1e3, 2), "p99_ms": round(q[98] * 1e3, 2),
            "max_ms": round(max(samples) * 1e3, 2)}


_seq = 0


def _quote_request(ids: list[str], rng: random.Random) -> tuple[str, dict[str, str], dict[str, Any]]:
    global _seq
    _seq += 1
    inpatient = rng.random() < 0.4
    in_scope = rng.randint(500, 60_000 if inpatient else 3_000)
    body = {"claim_id": f"BQ{os.getpid()}-{_seq}", "id_number": rng.choice(ids), "hospital_code": "H370830001",
            "hospital_level": rng.randint(1, 3), "location": "county",
            "visit_type": "inpatient" if inpatient else "chronic_outpatient",
            "settle_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "total": f"{in_scope * 1.2:.2f}", "in_scope": f"{in_scope}.00"}
    return "/api/v1/quote", {"Idempotency-Key": f"bench-{os.getpid()}-{_seq}"}, body


async def _run(bases: list[str], token: str, rate: int, duration: float, max_in_flight: int,
               make: Any) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate, whether or not earlier ones have returned.

    aiohttp rather than httpx: the generator shares the two cores with the servers and PostgreSQL,
    and aiohttp's C parser costs a fraction of httpx's CPU per request (decision 0011), so less of
    what is measured is the measuring."""
    latencies: list[float] = []
    status: dict[str, int] = {}
    dropped = 0
    in_flight = 0
    connector = aiohttp.TCPConnector(limit=max_in_flight)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as client:
        async def one(due: float, base: str, path: str, headers: dict[str, str], body: dict[str, Any] | None) -> None:
            nonlocal in_flight
            url = base + path
            try:
                if body is None:
                    async with client.get(url) as r:
                        await r.read()
                else:
                    async with client.post(url, json=body, headers=headers) as r:
                        await r.read()
                key = str(r.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = type(exc).__name__
            latencies.append(time.perf_counter() - due)
            status[key] = status.get(key, 0) + 1
            in_flight -= 1

        tasks = []
        start = time.perf_counter()
        n = int(rate * duration)
        for i in range(n):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight >= max_in_flight:
                dropped += 1
                continue
            in_flight += 1
            tasks.append(asyncio.create_task(one(due, bases[i % len(bases)], *make())))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
    ok = sum(v for k, v in status.items() if k in ("200", "201"))
    return {"rate_target": rate, "sent": len(tasks), "dropped": dropped, "ok": ok,
            "errors": len(tasks) - ok, "status": status, "achieved_rps": round(len(tasks) / wall, 1),
            **_percentiles(latencies)}


def main() -> None:
    from medaid.store.pg_throwaway import ThrowawayPostgres

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--rates", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--servers", type=int, default=2,
                        help="single-worker uvicorn processes on their own ports, requests spread round-robin "
                             "(uvicorn --workers N adds a ~40 ms Nagle/delayed-ACK stall per response here)")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="where the JSON goes (keep bench/results/api.json for full-size runs)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("MEDAID_BENCH_WORK", "/tmp/medaid-bench")))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data_dir = args.work / f"api-data-{os.getpid()}"
    os.environ["MEDAID_DATA_DIR"] = str(data_dir)  # the key file (ID tokens) is shared with the server
    from medaid.settings import get_settings

    get_settings.cache_clear()
    rng = random.Random(2026)
    out: dict[str, Any] = {"benchmark": "api", "people": args.people, "duration_s": args.duration,
                           "servers": args.servers, "max_in_flight": args.max_in_flight,
                           "cpus": os.cpu_count(), "load_average_start": os.getloadavg()}
    with ThrowawayPostgres() as pg:
        url = pg.create_database("bench_api")
        token, ids, out["county"] = _prepare(args.work, args.people, url)
        print(json.dumps(out, ensure_ascii=False), flush=True)
        env = {**os.environ, "MEDAID_DATABASE_URL": url, "MEDAID_DATA_DIR": str(data_dir)}
        bases, servers = [], []
        for _ in range(args.servers):
            port = _free_port()
            servers.append(subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "medaid.api.app:create_app",
                                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                             "--no-access-log"], env=env))
            bases.append(f"http://127.0.0.1:{port}")
        try:
            for base in bases:
                for _ in range(300):
                    try:
                        if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
            asyncio.run(_run(bases, token, 20, 3, args.max_in_flight, lambda: _quote_request(ids, rng)))  # warm-up
            out["runs"] = []
            pids = [s.pid for s in servers]
            postmaster = pg.postmaster_pid()
            for rate in args.rates:
                cpu0 = _cpu_groups(pids, postmaster)
                health = asyncio.run(_run(bases, token, rate, args.duration, args.max_in_flight,
                                          lambda: ("/api/v1/health", {}, None)))
                cpu1 = _cpu_groups(pids, postmaster)
                quote = asyncio.run(_run(bases, token, rate, args.duration, args.max_in_flight,
                                         lambda: _quote_request(ids, rng)))
                cpu2 = _cpu_groups(pids, postmaster)
                health["cpu_ms_per_request"] = _cpu_per_request(cpu0, cpu1, health["sent"])
                quote["cpu_ms_per_request"] = _cpu_per_request(cpu1, cpu2, quote["sent"])
                row = {"rate": rate, "health": health, "quote": quote}
                out["runs"].append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    top = next((r for r in out["runs"] if r["rate"] == 200), None)
    out["target"] = {"quote_p99_ms_at_200_rps": 50,
                     "met": bool(top and top["quote"]["p99_ms"] is not None and top["quote"]["p99_ms"] < 50
                                 and top["quote"]["errors"] == 0 and top["quote"]["dropped"] == 0)}
    out["load_average_end"] = os.getloadavg()
    out["peak_rss_mib_bench_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["peak_rss_mib_children"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
