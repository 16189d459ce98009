"""Benchmark: settle a county year (~500k people, ~2M claims) with the reference policy.

Measures, in one run on the same data:
  * medaid batch (compiled policy SQL) on DuckDB — seconds, claims/s;
  * a hand-written single DuckDB SQL query for reference-2026 (the baseline; results must match);
  * the online evaluator row by row on a ~20k-claim sample (claims/s; results must match batch);
  * the same compiled policy on Spark local (optional, ``--spark``);
  * peak RSS after each phase.
Writes bench/results/settle.json. Data comes from ``medaid.synth.generate_county`` (cached).

    .venv/bin/python bench/settle.py --people 500000 --spark
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from medaid.policy import Claim, load_policy, settle_person_year  # noqa: E402
from medaid.policy.backends import duckdb as duck_backend  # noqa: E402
from medaid.policy.settle_store import build_input  # noqa: E402

POLICY = ROOT / "policies" / "reference-2026.yaml"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(people: int, year: int, seed: int, cache: Path) -> Path:
    out = cache / f"county-{people}-{year}-{seed}"
    if not (out / "claims.csv").exists():
        from medaid.synth import generate_county

        t = time.perf_counter()
        generate_county(out, people=people, year=year, seed=seed, fault_rate=0.0)
        print(f"generated {out} in {time.perf_counter() - t:.1f}s")
    return out


def load_inputs(con: duckdb.DuckDBPyConnection, data: Path, year: int) -> int:
    """claims.csv + roster.csv → DuckDB ``claims_in`` (person key = ID number; no vault needed here)."""
    claims = con.sql(f"""
        SELECT id_number AS person, claim_id, CAST(settle_date AS DATE) AS settle_date, visit_type, location,
               CAST(hospital_level AS INTEGER) AS hospital_level,
               CAST(CAST(in_scope_yuan AS DECIMAL(18,2)) * 100 AS BIGINT) AS in_scope_fen,
               CAST(CAST(total_yuan AS DECIMAL(18,2)) * 100 AS BIGINT) AS total_fen,
               CAST(CAST(basic_paid_yuan AS DECIMAL(18,2)) * 100 AS BIGINT) AS basic_paid_fen,
               CAST(CAST(critical_paid_yuan AS DECIMAL(18,2)) * 100 AS BIGINT) AS critical_paid_fen,
               NULLIF(reverses_claim_id, '') AS reverses_claim_id
        FROM read_csv('{data / "claims.csv"}', all_varchar = true, header = true)
        WHERE year(CAST(settle_date AS DATE)) = {year}
    """).to_arrow_table()
    roster = con.sql(f"""
        SELECT id_number AS person, category, CAST(valid_from AS DATE) AS valid_from,
               CAST(NULLIF(valid_to, '') AS DATE) AS valid_to
        FROM read_csv('{data / "roster.csv"}', all_varchar = true, header = true)
    """).to_arrow_table()
    build_input(con, claims, roster)
    return claims.num_rows


# The baseline: what a careful engineer would write by hand for reference-2026 only.
BASELINE = """
CREATE OR REPLACE TABLE lines_baseline AS
WITH rev AS (SELECT DISTINCT person AS rp, reverses_claim_id AS rid FROM claims_in WHERE reverses_claim_id IS NOT NULL),
fl AS (SELECT c.*, CASE WHEN c.reverses_claim_id IS NOT NULL THEN 'reversal'
                        WHEN r.rid IS NOT NULL THEN 'reversed' END AS status
       FROM claims_in c LEFT JOIN rev r ON c.person = r.rp AND c.claim_id = r.rid),
a AS (SELECT person, claim_id, settle_date, visit_type, location, hospital_level, in_scope_fen,
             basic_paid_fen, critical_paid_fen, cat_tekun, cat_dibao, cat_monitored, cat_orphan, cat_dibao_edge,
             cat_catastrophic,
             CASE WHEN basic_paid_fen IS NOT NULL OR visit_type <> 'inpatient' THEN 0
                  WHEN location = 'out_of_province' THEN 5500 * GREATEST(in_scope_fen - 120000, 0)
                  WHEN hospital_level = 1 THEN 9000 * GREATEST(in_scope_fen - 20000, 0)
                  WHEN hospital_level = 2 THEN 8000 * GREATEST(in_scope_fen - 60000, 0)
                  ELSE 6500 * GREATEST(in_scope_fen - 120000, 0) END AS inp_u,
             CASE WHEN basic_paid_fen IS NULL AND visit_type = 'chronic_outpatient' THEN in_scope_fen ELSE 0 END AS chr_b
      FROM fl WHERE status IS NULL),
b AS (SELECT *, (LEAST(SUM(inp_u) OVER w, 200000000000) + 5000) // 10000 AS inp_y,
                (LEAST(7000 * GREATEST(SUM(chr_b) OVER w - 30000, 0), 10000000000) + 5000) // 10000 AS chr_y
      FROM a WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id ROWS UNBOUNDED PRECEDING)),
b2 AS (SELECT *, CASE WHEN basic_paid_fen IS NOT NULL THEN LEAST(GREATEST(basic_paid_fen, 0), in_scope_fen)
                      WHEN visit_type = 'inpatient' THEN inp_y - LAG(inp_y, 1, 0) OVER w
                      WHEN visit_type = 'chronic_outpatient' THEN chr_y - LAG(chr_y, 1, 0) OVER w ELSE 0 END AS basic
       FROM b WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id)),
c AS (SELECT *, GREATEST(in_scope_fen - basic, 0) AS c_base,
             CASE WHEN critical_paid_fen IS NULL AND visit_type IN ('inpatient', 'chronic_outpatient')
                  THEN GREATEST(in_scope_fen - basic, 0) ELSE 0 END AS cb,
             COALESCE(cat_tekun OR cat_dibao OR cat_monitored, FALSE) AS tilt FROM b2),
c2 AS (SELECT *, SUM(cb) OVER w AS cum_all, SUM(CASE WHEN tilt THEN cb ELSE 0 END) OVER w AS cum_tilt
       FROM c WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id ROWS UNBOUNDED PRECEDING)),
c3 AS (SELECT *, GREATEST(
          (LEAST(6000 * LEAST(GREATEST(cum_all - 1500000, 0), 10000000) + 7000 * GREATEST(cum_all - 11500000, 0),
                 400000000000) + 5000) // 10000,
          (6500 * LEAST(GREATEST(cum_tilt - 750000, 0), 10000000) + 7500 * GREATEST(cum_tilt - 10750000, 0)
                 + 5000) // 10000) AS crit_y FROM c2),
c4 AS (SELECT *, CASE WHEN critical_paid_fen IS NOT NULL THEN LEAST(GREATEST(critical_paid_fen, 0), c_base)
                      WHEN visit_type IN ('inpatient', 'chronic_outpatient') THEN crit_y - LAG(crit_y, 1, 0) OVER w
                      ELSE 0 END AS critical
       FROM c3 WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id)),
d AS (SELECT *, GREATEST(in_scope_fen - basic - critical, 0) AS a_base,
             CASE WHEN visit_type IN ('inpatient', 'chronic_outpatient') THEN GREATEST(in_scope_fen - basic - critical, 0)
                  ELSE 0 END AS ab FROM c4),
d2 AS (SELECT *,
          SUM(CASE WHEN COALESCE(cat_tekun OR cat_dibao OR cat_orphan OR cat_dibao_edge OR cat_monitored
                                 OR cat_catastrophic, FALSE) THEN ab ELSE 0 END) OVER w AS cum_any,
          SUM(CASE WHEN COALESCE(cat_tekun, FALSE) THEN ab ELSE 0 END) OVER w AS cum_tk,
          SUM(CASE WHEN COALESCE(cat_dibao OR cat_orphan, FALSE) THEN ab ELSE 0 END) OVER w AS cum_db,
          SUM(CASE WHEN COALESCE(cat_dibao_edge OR cat_monitored, FALSE) THEN ab ELSE 0 END) OVER w AS cum_em
       FROM d WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id ROWS UNBOUNDED PRECEDING)),
d3 AS (SELECT *, GREATEST(
          (LEAST(5000 * GREATEST(cum_any - 400000, 0), 60000000000) + 5000) // 10000,
          (LEAST(10000 * cum_tk, 100000000000) + 5000) // 10000,
          (LEAST(7000 * cum_db, 60000000000) + 5000) // 10000,
          (LEAST(6000 * GREATEST(cum_em - 200000, 0), 60000000000) + 5000) // 10000) AS ast_y FROM d2),
d4 AS (SELECT *, CASE WHEN visit_type IN ('inpatient', 'chronic_outpatient') THEN ast_y - LAG(ast_y, 1, 0) OVER w
                      ELSE 0 END AS assistance
       FROM d3 WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id)),
e AS (SELECT *, GREATEST(in_scope_fen - basic - critical - assistance, 0) AS r_base,
             CASE WHEN visit_type = 'inpatient' AND COALESCE(cat_tekun OR cat_dibao OR cat_monitored, FALSE)
                  THEN GREATEST(in_scope_fen - basic - critical - assistance, 0) ELSE 0 END AS rb FROM d4),
e2 AS (SELECT *, (LEAST(7000 * GREATEST(SUM(rb) OVER w - 500000, 0), 20000000000) + 5000) // 10000 AS re_y
       FROM e WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id ROWS UNBOUNDED PRECEDING)),
e3 AS (SELECT *, CASE WHEN visit_type = 'inpatient' THEN re_y - LAG(re_y, 1, 0) OVER w ELSE 0 END AS reassist
       FROM e2 WINDOW w AS (PARTITION BY person ORDER BY settle_date, claim_id))
SELECT claim_id, 'basic' AS layer, in_scope_fen AS base_fen, basic AS paid_fen FROM e3
UNION ALL SELECT claim_id, 'critical', c_base, critical FROM e3
UNION ALL SELECT claim_id, 'assistance', a_base, assistance FROM e3
UNION ALL SELECT claim_id, 'reassist', r_base, reassist FROM e3
UNION ALL SELECT claim_id, l.layer, 0, 0 FROM fl, (VALUES ('basic'), ('critical'), ('assistance'), ('reassist')) l(layer)
          WHERE status IS NOT NULL
"""


def timed(fn: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def online_sample(con: duckdb.DuckDBPyConnection, target: int) -> tuple[dict[str, Any], int]:
    """Settle whole person-years totalling ~``target`` claims online; compare with batch lines."""
    policy = load_policy(POLICY)
    rows = con.sql(f"""
        WITH p AS (SELECT person, count(*) n FROM claims_in GROUP BY person ORDER BY hash(person)),
             pick AS (SELECT person FROM (SELECT person, SUM(n) OVER (ORDER BY hash(person)) cum FROM p)
                      WHERE cum <= {target})
        SELECT c.* FROM claims_in c JOIN pick USING (person)
    """).to_arrow_table().to_pylist()
    tags = [k[4:] for k in rows[0] if k.startswith("cat_")] if rows else []
    by_person: dict[str, list[Claim]] = defaultdict(list)

    def dec(v: int | None) -> Decimal | None:
        return None if v is None else Decimal(v) / 100

    for r in rows:
        by_person[r["person"]].append(Claim(
            r["claim_id"], r["settle_date"], r["visit_type"], r["location"], r["hospital_level"],
            Decimal(r["in_scope_fen"]) / 100, Decimal(r["total_fen"]) / 100, dec(r["basic_paid_fen"]),
            dec(r["critical_paid_fen"]), r["reverses_claim_id"], frozenset(t for t in tags if r[f"cat_{t}"])))
    t = time.perf_counter()
    results = [s for claims in by_person.values() for s in settle_person_year(claims, (), policy)]
    secs = time.perf_counter() - t
    batch = {(r[0], r[1]): r[2] for r in con.sql(
        "SELECT claim_id, layer, paid_fen FROM lines_medaid WHERE claim_id IN (SELECT claim_id FROM claims_in "
        f"WHERE person IN ({','.join(repr(p) for p in by_person) or 'NULL'}))").fetchall()}
    mismatches = sum(1 for s in results for r in s.layers if int(r.paid * 100) != batch[(s.claim_id, r.layer)])
    return {"claims": len(rows), "people": len(by_person), "seconds": round(secs, 3),
            "claims_per_s": round(len(rows) / secs) if secs else None, "mismatches_vs_batch": mismatches}, len(rows)


def run_spark(con: duckdb.DuckDBPyConnection, cores: int) -> dict[str, Any]:
    from medaid.policy.backends.spark import local_session, settle, spark_schema
    from medaid.policy.batch import SCHEMA

    spark = local_session("medaid-bench", cores=cores)
    spark.sparkContext.setLogLevel("ERROR")
    table = con.sql(f"SELECT {', '.join(SCHEMA.names)} FROM claims_in").to_arrow_table()
    t0 = time.perf_counter()
    df = spark.createDataFrame(table.to_pandas(integer_object_nulls=True), spark_schema(table.schema)).cache()
    n = df.count()
    load_s = time.perf_counter() - t0
    policy = load_policy(POLICY)
    t1 = time.perf_counter()
    agg = settle(spark, policy, df).groupBy("layer").sum("paid_fen").collect()
    secs = time.perf_counter() - t1
    spark_paid = {r[0]: int(r[1]) for r in agg}
    duck_paid = dict(con.sql("SELECT layer, CAST(sum(paid_fen) AS BIGINT) FROM lines_medaid GROUP BY layer").fetchall())
    spark.stop()
    return {"claims": n, "load_seconds": round(load_s, 2), "settle_seconds": round(secs, 2),
            "claims_per_s": round(n / secs), "cores": cores, "paid_by_layer_equal_duckdb": spark_paid == duck_paid}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=500_000)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--online-claims", type=int, default=20_000)
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/medaid-bench"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "settle.json")
    args = ap.parse_args()

    data = generate(args.people, args.year, args.seed, args.cache)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    t = time.perf_counter()
    n_claims = load_inputs(con, data, args.year)
    load_s = time.perf_counter() - t
    print(f"{n_claims} claims loaded in {load_s:.1f}s; peak {peak_mb():.0f} MB")
    policy = load_policy(POLICY)
    result: dict[str, Any] = {"people": args.people, "claims": n_claims, "threads": args.threads,
                              "machine": platform.platform(), "python": platform.python_version(),
                              "duckdb": duckdb.__version__, "load_seconds": round(load_s, 2),
                              "cpu_count": os.cpu_count(), "loadavg_start": [round(x, 1) for x in os.getloadavg()]}

    med = timed(lambda: duck_backend.settle(con, policy, into="lines_medaid"), args.repeats)
    result["medaid_duckdb"] = {"seconds": [round(s, 3) for s in med], "median_s": round(statistics.median(med), 3),
                               "claims_per_s": round(n_claims / statistics.median(med)),
                               "peak_rss_mb": round(peak_mb())}
    print("medaid duckdb", result["medaid_duckdb"])
    base = timed(lambda: con.execute(BASELINE), args.repeats)
    result["baseline_duckdb_sql"] = {"seconds": [round(s, 3) for s in base],
                                     "median_s": round(statistics.median(base), 3),
                                     "claims_per_s": round(n_claims / statistics.median(base)),
                                     "peak_rss_mb": round(peak_mb())}
    print("baseline", result["baseline_duckdb_sql"])
    diff = con.sql("""SELECT count(*) FROM lines_medaid m FULL JOIN lines_baseline b USING (claim_id, layer)
                      WHERE m.paid_fen IS DISTINCT FROM b.paid_fen OR m.base_fen IS DISTINCT FROM b.base_fen"""
                   ).fetchall()[0][0]
    result["medaid_vs_baseline_line_differences"] = int(diff)
    result["ratio_medaid_to_baseline"] = round(statistics.median(med) / statistics.median(base), 3)
    result["paid_by_layer_yuan"] = {k: f"{v / 100:.2f}" for k, v in con.sql(
        "SELECT layer, CAST(sum(paid_fen) AS BIGINT) FROM lines_medaid GROUP BY layer ORDER BY layer").fetchall()}
    print("ratio medaid/baseline", result["ratio_medaid_to_baseline"], "differences", diff)

    online, _ = online_sample(con, args.online_claims)
    result["online_sample"] = online | {"peak_rss_mb": round(peak_mb())}
    print("online", result["online_sample"])
    if args.spark:
        result["spark_local"] = run_spark(con, args.threads) | {"peak_rss_mb_python": round(peak_mb())}
        print("spark", result["spark_local"])
    result["loadavg_end"] = [round(x, 1) for x in os.getloadavg()]
    result["targets"] = {"medaid_le_1.3x_baseline": result["ratio_medaid_to_baseline"] <= 1.3,
                         "county_year_lt_15s": result["medaid_duckdb"]["median_s"] < 15}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
