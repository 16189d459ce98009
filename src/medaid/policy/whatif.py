"""What-if (政策调整测算): settle this year's loaded claims with the current and a modified policy.

Both runs use the batch engine (compiled SQL on DuckDB) on the same input, so the comparison is
exactly what ``medaid settle`` would pay under each file. The result is aggregates only — totals
per layer, counts of people who gain or lose, the largest changes as amounts and a histogram — so
an analyst may run it without seeing personal data (no tokens, names or claim ids leave here).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine

from medaid.errors import PolicyError
from medaid.policy.backends import duckdb as duck_backend
from medaid.policy.schema import Policy
from medaid.policy.settle_store import build_input, read_year

Progress = Callable[[str, int, int], None]
TOP = 10
BUCKETS_FEN = (-1_000_000, -100_000, -10_000, 0, 10_000, 100_000, 1_000_000)
"""Histogram edges of the per-person change (fen): −10,000 / −1,000 / −100 / 0 / 100 / 1,000 / 10,000 yuan."""


@dataclass(frozen=True)
class LayerChange:
    layer: str
    name: str
    old_fen: int
    new_fen: int

    @property
    def delta_fen(self) -> int:
        return self.new_fen - self.old_fen


@dataclass(frozen=True)
class WhatIf:
    year: int
    old_policy: str
    new_policy: str
    claims: int
    people: int
    layers: list[LayerChange]
    gainers: int
    losers: int
    unchanged: int
    biggest_gains_fen: list[int]
    biggest_losses_fen: list[int]
    histogram: list[tuple[str, int]]

    @property
    def old_total_fen(self) -> int:
        return sum(x.old_fen for x in self.layers)

    @property
    def new_total_fen(self) -> int:
        return sum(x.new_fen for x in self.layers)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["layers"] = [{**asdict(x), "delta_fen": x.delta_fen} for x in self.layers]
        data["old_total_fen"], data["new_total_fen"] = self.old_total_fen, self.new_total_fen
        return data


def _require_year(policy: Policy, year: int, which: str) -> None:
    if not (policy.covers(date(year, 1, 1)) and policy.covers(date(year, 12, 31))):
        raise PolicyError(f"the {which} policy {policy.id} does not cover all of {year}; set valid_from/valid_to",
                          f"{which}政策 {policy.id} 的有效期不覆盖 {year} 全年，请调整 valid_from/valid_to",
                          file=policy.id, problems=[f"{policy.id}: valid_from/valid_to: must cover {year}"])


def _bucket_labels() -> list[str]:
    edges = [f"{e // 100:+,}" for e in BUCKETS_FEN]
    return [f"< {edges[0]}", *[f"{a} … {b}" for a, b in itertools.pairwise(edges)], f"≥ {edges[-1]}"]


def what_if(engine: Engine, year: int, old: Policy, new: Policy, *, progress: Progress | None = None) -> WhatIf:
    """Settle the year's claims under ``old`` and ``new`` and compare (aggregates only)."""
    _require_year(old, year, "current / 现行")
    _require_year(new, year, "modified / 调整后")
    claims, roster = read_year(engine, year, progress)
    con = duckdb.connect()
    try:
        build_input(con, claims, roster)
        for step, (table, policy) in enumerate((("lines_old", old), ("lines_new", new)), start=1):
            if progress:
                progress("settle", step - 1, 2)
            duck_backend.settle(con, policy, into=table)
        if progress:
            progress("compare", 2, 2)
        return _compare(con, year, old, new, claims.num_rows)
    finally:
        con.close()


def _compare(con: duckdb.DuckDBPyConnection, year: int, old: Policy, new: Policy, n_claims: int) -> WhatIf:
    by_layer: dict[str, list[int]] = {}
    for table, k in (("lines_old", 0), ("lines_new", 1)):
        for layer, paid in con.sql(f"SELECT layer, sum(paid_fen) FROM {table} GROUP BY layer").fetchall():
            by_layer.setdefault(str(layer), [0, 0])[k] = int(paid or 0)
    names = {layer.id: layer.name for layer in (*old.layers, *new.layers)}
    order = [layer.id for layer in old.layers] + [x.id for x in new.layers if x.id not in {y.id for y in old.layers}]
    layers = [LayerChange(i, names[i], *by_layer.get(i, [0, 0])) for i in order]
    con.execute("""
        CREATE OR REPLACE TABLE person_delta AS
        SELECT person, sum(new_fen) - sum(old_fen) AS delta FROM (
            SELECT person, paid_fen AS old_fen, 0 AS new_fen FROM lines_old
            UNION ALL SELECT person, 0, paid_fen FROM lines_new) GROUP BY person""")
    people, gainers, losers = con.sql(
        "SELECT count(*), count(*) FILTER (delta > 0), count(*) FILTER (delta < 0) FROM person_delta").fetchall()[0]
    gains = [int(x[0]) for x in con.sql(f"SELECT delta FROM person_delta WHERE delta > 0 ORDER BY delta DESC "
                                        f"LIMIT {TOP}").fetchall()]
    losses = [int(x[0]) for x in con.sql(f"SELECT delta FROM person_delta WHERE delta < 0 ORDER BY delta "
                                         f"LIMIT {TOP}").fetchall()]
    case = " ".join(f"WHEN delta < {e} THEN {i}" for i, e in enumerate(BUCKETS_FEN))
    counts = dict(con.sql(f"SELECT CASE {case} ELSE {len(BUCKETS_FEN)} END AS b, count(*) FROM person_delta "
                          "WHERE delta <> 0 GROUP BY b").fetchall())
    histogram = [(label, int(counts.get(i, 0))) for i, label in enumerate(_bucket_labels())]
    return WhatIf(year, old.id, new.id, n_claims, int(people), layers, int(gainers), int(losers),
                  int(people) - int(gainers) - int(losers), gains, losses, histogram)


def policy_files(directory: Path) -> list[Path]:
    """The policy YAML files of ``directory`` (not its sub-folders such as identification/)."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())
