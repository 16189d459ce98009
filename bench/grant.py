"""Benchmark 免申即享: (1) a county month from load to every case opened with its plan; (2) 10,000
concurrent approval/payout operations on a throwaway PostgreSQL with injected crashes and retries.

    .venv/bin/python bench/grant.py                 # both parts, defaults below
    .venv/bin/python bench/grant.py --people 45000 --ops 10000 --workers 3

Part 1 volume: a synthetic county of ``--people`` (default 45,000) has about as many claims in a year
(~175k) as a 500k-person county has in a month. Same-run baseline: the straightforward approach —
the policy engine's optimal plan replayed for every person-year, no database writes at all.

Part 2: cases are opened on PostgreSQL, the assistance fund gets a budget below what is payable, and
``--ops`` operations (approve / return / resubmit / create+run batch / bank result) are split into
chunks run by ``--workers`` processes × 4 threads. A chunk's first attempt may be crashed — by the
``MEDAID_FAULT`` hook inside a payout transaction or by SIGKILL from here at a random moment — and
is then retried from its start (every operation is idempotent or refused by the state machine).
Then the queue is drained and the invariants are counted: double payments, lost cases, budget and
annual caps exceeded, audit chain. Results print and go to bench/results/grant.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "reference-2026.yaml"
YEAR = 2026


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(statistics.quantiles(values, n=100)[int(q) - 1] * 1000, 2) if len(values) > 1 else values[0] * 1000


# ----------------------------------------------------------------------------------------- part 1
def county_month(people: int, work: Path) -> dict[str, Any]:
    from medaid.cases import service
    from medaid.ingest.service import load_path
    from medaid.policy import load_policy
    from medaid.policy.optimal import optimal_plan
    from medaid.store.db import engine_for, migrate
    from medaid.synth import generate_county

    county = work / "county"
    t = time.perf_counter()
    synth = generate_county(county, people=people, year=YEAR, seed=7)
    synth_s = time.perf_counter() - t
    url = f"sqlite:///{work / 'month.db'}"
    migrate(url)
    t0 = time.perf_counter()
    report = load_path(county, url=url, actor="bench")
    t1 = time.perf_counter()
    summary = service.open_cases(url=url, year=YEAR, policy_path=POLICY, actor="bench")
    t2 = time.perf_counter()
    # same-run baseline: optimal plan replayed for every person-year (no skipping, no database)
    policy = load_policy(POLICY)
    with engine_for(url).connect() as conn:
        by_person, _ = service._claims_by_person(conn, YEAR)
        spans = service._categories(conn, YEAR)
    t3 = time.perf_counter()
    for token, items in by_person.items():
        optimal_plan([service.to_claim(r, service.categories_on(spans.get(token, ()), r.settle_date))
                      for r in items], (), policy)
    engine_only = time.perf_counter() - t3
    again = service.open_cases(url=url, year=YEAR, policy_path=POLICY, actor="bench")
    return {
        "people": people, "synth_seconds": round(synth_s, 1), "claims_generated": synth.files.get("claims"),
        "claims_loaded": sum(f.rows_accepted for f in report.files if f.kind == "claims"),
        "load_seconds": round(t1 - t0, 2), "open_seconds": round(t2 - t1, 2),
        "load_to_cases_seconds": round(t2 - t0, 2), "target_seconds": 60,
        "claims_read": summary.claims_read, "persons_with_claims": summary.persons, "cases_opened": summary.opened,
        "claims_per_s_open": round(summary.claims_read / (t2 - t1)), "baseline_replay_every_person_seconds":
        round(engine_only, 2), "rerun_opened": again.opened, "rerun_already_open": again.already_open,
        "rerun_seconds": round(again.seconds, 2),
    }


# ----------------------------------------------------------------------------------------- part 2
def seed_cases(url: str, n: int) -> int:
    """``n`` dibao people with one admission each (amounts vary), cases opened."""
    import hashlib

    from medaid.cases.service import open_cases
    from medaid.store.db import engine_for
    from medaid.store.tables import claim, person, roster

    rng = random.Random(11)
    persons, rosters, claims = [], [], []
    for i in range(n):
        tok = hashlib.sha256(f"b{i}".encode()).hexdigest()[:32]
        persons.append({"id_token": tok, "name": f"人{i}", "name_norm": f"人{i}", "sex": "F",
                        "birth_date": dt.date(1960, 1, 1), "household_id": f"h{i // 3}", "relation": "head",
                        "township_code": f"3708301{i % 20:02d}", "village": f"村{i % 97}", "address": None,
                        "phone": None, "load_id": 1, "source_row": i + 2})
        rosters.append({"id_token": tok, "name": f"人{i}", "category": rng.choice(["dibao", "tekun", "monitored"]),
                        "valid_from": dt.date(2020, 1, 1), "valid_to": None, "township_code": None,
                        "source_dept": "civil_affairs", "load_id": 2, "source_row": i + 2})
        scope = rng.randint(5_000, 120_000) * 100
        settle = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        claims.append({"claim_id": f"K{i:06d}", "id_token": tok, "name": "x", "hospital_code": "H",
                       "hospital_level": rng.randint(1, 3), "location": "county", "visit_type": "inpatient",
                       "admit_date": settle, "discharge_date": settle, "settle_date": settle, "diagnosis_code": "I63",
                       "total_fen": scope + 500_000, "in_scope_fen": scope, "basic_paid_fen": None,
                       "critical_paid_fen": None, "reverses_claim_id": None, "load_id": 3, "source_row": i + 2})
    with engine_for(url).begin() as conn:
        conn.execute(person.insert(), persons)
        conn.execute(roster.insert(), rosters)
        conn.execute(claim.insert(), claims)
    return open_cases(url=url, year=YEAR, policy_path=POLICY, actor="bench").opened


def plan_ops(case_ids: list[int], total: int, rng: random.Random) -> list[list[Any]]:
    """approve most cases, return+resubmit some, interleave batches and bank results."""
    ops: list[list[Any]] = []
    returned = rng.sample(case_ids, k=min(len(case_ids), total // 10))
    for cid in returned:
        ops.append(["return", cid])
    approvals = [["approve", cid] for cid in case_ids]
    resubmits = [["resubmit", cid] for cid in returned]
    extra = total - len(ops) - len(approvals) - len(resubmits)
    batches = [["batch", f"b{k:04d}"] for k in range(extra // 2)]
    banks = [["bank", f"b{k:04d}"] for k in range(extra - len(batches))]
    rest = approvals + resubmits
    rng.shuffle(rest)
    # batches and bank results spread through the second half of the stream
    half = len(rest) // 3
    tail = rest[half:] + batches + banks
    rng.shuffle(tail)
    ops += rest[:half] + tail
    return ops[:total]


def run_op(op: list[Any], actor: str, url: str) -> str:
    from sqlalchemy import select

    from medaid.cases.approval import decide
    from medaid.cases.payout import create_batch, mark_result, run_batch
    from medaid.errors import MedaidError
    from medaid.store.cases_tables import payout_batch, payout_line
    from medaid.store.db import engine_for

    kind = op[0]
    try:
        if kind in ("approve", "return", "resubmit"):
            decide(op[1], "medical_security", kind, actor=actor, url=url,
                   reason="材料待补" if kind == "return" else ("已补正" if kind == "resubmit" else None))
        elif kind == "batch":
            create_batch(op[1], program="assistance", year=YEAR, actor=actor, url=url, limit=15)
            run_batch(op[1], actor=actor, url=url)
        elif kind == "bank":
            with engine_for(url).connect() as conn:
                keys = list(conn.execute(select(payout_line.c.line_key).join(payout_batch).where(
                    payout_batch.c.batch_key == op[1], payout_line.c.state == "issued")).scalars())
            for key in keys:
                failed = zlib.crc32(key.encode()) % 20 == 0  # deterministic across retries
                mark_result(key, "failed" if failed else "paid", bank_ref=None if failed else f"R{key}",
                            reason="账户异常" if failed else None, actor="bank", url=url)
        return "ok"
    except MedaidError:
        return "refused"


def worker_main(chunk_file: Path, url: str, out: Path) -> None:
    """Run one chunk with 4 threads; write per-op latencies as JSON lines (lost if we are killed)."""
    from concurrent.futures import ThreadPoolExecutor

    ops = json.loads(chunk_file.read_text())
    lat: list[tuple[str, float, str]] = []
    lock = threading.Lock()

    def one(op: list[Any]) -> None:
        t = time.perf_counter()
        res = run_op(op, f"w{os.getpid()}", url)
        with lock:
            lat.append((op[0], time.perf_counter() - t, res))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, ops))
    out.write_text(json.dumps(lat))


def concurrent_ops(total: int, workers: int, cases: int, work: Path) -> dict[str, Any]:
    from sqlalchemy import func, select

    from medaid.audit.log import verify
    from medaid.cases.payout import create_batch, run_batch, set_budget
    from medaid.store.cases_tables import aid_case, case_line, case_share, fund, payout_line, person_ledger
    from medaid.store.db import engine_for, migrate
    from medaid.store.pg_throwaway import ThrowawayPostgres

    rng = random.Random(5)
    with ThrowawayPostgres() as pg:
        url = pg.create_database("grant")
        migrate(url)
        opened = seed_cases(url, cases)
        engine = engine_for(url)
        with engine.connect() as conn:
            case_ids = list(conn.execute(select(aid_case.c.id).order_by(aid_case.c.id)).scalars())
            payable = conn.execute(select(func.sum(case_line.c.amount_fen)).where(
                case_line.c.program == "assistance")).scalar_one()
        budget = int(payable) * 8 // 10
        set_budget("assistance", YEAR, budget, actor="bench", url=url)
        ops = plan_ops(case_ids, total, rng)
        chunk_size = 250
        chunks = [ops[i:i + chunk_size] for i in range(0, len(ops), chunk_size)]
        pending = [(i, 0) for i in range(len(chunks))]
        running: list[tuple[subprocess.Popen[bytes], int, int, float | None]] = []
        crashes: Counter[str] = Counter()
        latencies: list[tuple[str, float, str]] = []
        attempts = 0
        started = time.perf_counter()
        while pending or running:
            while pending and len(running) < workers:
                idx, attempt = pending.pop(0)
                cf = work / f"chunk{idx}.json"
                cf.write_text(json.dumps(chunks[idx]))
                env = {**os.environ, "MEDAID_DATA_DIR": str(work)}
                kill_at: float | None = None
                if attempt == 0 and rng.random() < 0.4:
                    if rng.random() < 0.5:
                        env["MEDAID_FAULT"] = f"payout.before_commit:{rng.randint(1, 20)}"
                    else:
                        kill_at = time.perf_counter() + rng.uniform(0.5, 4.0)
                proc = subprocess.Popen([sys.executable, __file__, "--worker", str(cf), "--url", url, "--out",
                                         str(work / f"lat{idx}.{attempt}.json")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                attempts += 1
                running.append((proc, idx, attempt, kill_at))
            time.sleep(0.05)
            still = []
            for proc, idx, attempt, kill_at in running:
                if proc.poll() is None and kill_at is not None and time.perf_counter() > kill_at:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                if proc.poll() is None:
                    still.append((proc, idx, attempt, kill_at))
                    continue
                if proc.returncode != 0:
                    crashes["fault_hook" if kill_at is None else "sigkill_external"] += 1
                    if proc.returncode != -9:
                        err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                        raise SystemExit(f"worker failed unexpectedly ({proc.returncode}): {err}")
                    pending.append((idx, attempt + 1))  # retry the whole chunk
                else:
                    latencies += [tuple(x) for x in json.loads((work / f"lat{idx}.{attempt}.json").read_text())]
            running = still
        ops_seconds = time.perf_counter() - started
        # drain: every remaining share decided, one last batch, bank confirms everything issued
        with engine.connect() as conn:
            left = list(conn.execute(select(case_share.c.case_id, case_share.c.status)
                                     .where(case_share.c.status.in_(["pending", "returned"]))))
        for cid, status in left:
            if status == "returned":
                run_op(["resubmit", cid], "drain", url)
            run_op(["approve", cid], "drain", url)
        create_batch("final", program="assistance", year=YEAR, actor="drain", url=url)
        run_batch("final", actor="drain", url=url)
        for key in ("final",):
            run_op(["bank", key], "drain", url)
        with engine.connect() as conn:
            live = list(conn.execute(select(payout_line.c.case_id, payout_line.c.program, payout_line.c.amount_fen)
                                     .where(payout_line.c.state.in_(["issued", "paid"]))))
            f = conn.execute(select(fund).where(fund.c.program == "assistance")).one()
            over_cap = conn.execute(select(func.count()).select_from(person_ledger).where(
                person_ledger.c.cap_fen.is_not(None), person_ledger.c.issued_fen > person_ledger.c.cap_fen)).scalar_one()
            statuses: dict[str, int] = dict(conn.execute(select(aid_case.c.status, func.count()).group_by(aid_case.c.status))
                            .all())
            queued = conn.execute(select(func.count()).where(payout_line.c.state == "queued")).scalar_one()
            # lost: still undecided after the drain, or approved with money but in no live payout line
            lost = conn.execute(select(func.count()).select_from(aid_case).where(
                aid_case.c.status.in_(["approving", "returned"]) | (
                    aid_case.c.status.in_(["approved", "paying"])
                    & ~aid_case.c.id.in_(select(payout_line.c.case_id).where(payout_line.c.state != "failed"))))
            ).scalar_one()
            audit = verify(conn)
        per_case = Counter((c, p) for c, p, _ in live)
        double = sum(1 for n in per_case.values() if n > 1)
        lost += opened - sum(statuses.values())
        kinds: dict[str, list[float]] = {}
        for kind, secs, _ in latencies:
            kinds.setdefault(kind, []).append(secs)
        return {
            "cases": opened, "operations_planned": len(ops), "chunks": len(chunks), "worker_runs": attempts,
            "crashes": dict(crashes), "ops_seconds": round(ops_seconds, 1),
            "ops_per_s": round(len(ops) / ops_seconds, 1),
            "latency_ms": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95), "p99": _pct(v, 99), "n": len(v)}
                           for k, v in kinds.items()},
            "refused_by_state_machine": sum(1 for _, _, r in latencies if r == "refused"),
            "double_payments": double, "lost_cases": lost,
            "fund_budget_fen": f.budget_fen, "fund_issued_fen": f.issued_fen,
            "budget_exceeded": int(f.issued_fen > f.budget_fen),
            "fund_equals_live_lines": f.issued_fen == sum(a for _, _, a in live),
            "annual_caps_exceeded": over_cap, "lines_held_for_budget": queued,
            "case_status": statuses, "audit_chain_ok": audit.ok, "audit_events": audit.events,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=45_000)
    ap.add_argument("--ops", type=int, default=10_000)
    ap.add_argument("--cases", type=int, default=6_000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--skip-month", action="store_true")
    ap.add_argument("--skip-ops", action="store_true")
    ap.add_argument("--worker", type=Path)
    ap.add_argument("--url")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker, args.url, args.out)
        return
    result: dict[str, Any] = {"benchmark": "grant", "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="medaid-grant-") as tmp:
        work = Path(tmp)
        os.environ["MEDAID_DATA_DIR"] = str(work)
        if not args.skip_month:
            result["county_month"] = county_month(args.people, work)
            print(json.dumps(result["county_month"], indent=2, ensure_ascii=False))
        if not args.skip_ops:
            result["concurrent_ops"] = concurrent_ops(args.ops, args.workers, args.cases, work)
            print(json.dumps(result["concurrent_ops"], indent=2, ensure_ascii=False))
    result["peak_rss_mb_main"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["peak_rss_mb_children"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    out = ROOT / "bench" / "results" / "grant.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if (args.skip_month or args.skip_ops) and out.exists():  # keep the other part's last figures
        result = {**json.loads(out.read_text()), **result}
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
