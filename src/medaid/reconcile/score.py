"""Score a round against the synthetic county's ``truth/expected_problems.csv`` (id_number, problem).

Valid ID numbers are compared by token; an invalid one (never stored whole) by its masked form,
as a multiset, since the store keeps only the mask of a rejected row's ID.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from medaid.domain.idnumber import find_problem, mask
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import recon_problem


@dataclass(slots=True)
class ProblemScore:
    expected: int
    found: int
    matched: int
    by_problem: dict[str, dict[str, int]] = field(default_factory=dict)
    missed_examples: list[tuple[str, str]] = field(default_factory=list)
    extra_examples: list[tuple[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0


def score_round(truth_dir: Path, round_id: int, *, url: str | None = None) -> ProblemScore:
    """Compare the problems a round found (``last_round_id == round_id``) with the expected ones."""
    from medaid.privacy.tokens import tokeniser

    token = tokeniser()
    expected: Counter[tuple[str, str]] = Counter()
    with (truth_dir / "expected_problems.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            idn = row["id_number"]
            key = token(idn) if find_problem(idn) is None else "mask:" + mask(idn)
            expected[(key, row["problem"])] = 1 if not key.startswith("mask:") else expected[(key, row["problem"])] + 1
    rp = recon_problem
    found: Counter[tuple[str, str]] = Counter()
    with engine_for(url).connect() as conn:
        for tok, masked, problem in conn.execute(select(rp.c.id_token, rp.c.id_masked, rp.c.problem)
                                                 .where(rp.c.last_round_id == round_id)):
            found[(tok if tok else "mask:" + masked, problem)] += 1
    matched = expected & found
    per: dict[str, dict[str, int]] = {}
    for (_k, p), n in expected.items():
        per.setdefault(p, {"expected": 0, "found": 0, "matched": 0})["expected"] += n
    for (_k, p), n in found.items():
        per.setdefault(p, {"expected": 0, "found": 0, "matched": 0})["found"] += n
    for (_k, p), n in matched.items():
        per[p]["matched"] += n
    missed = sorted((expected - found).keys())[:10]
    extra = sorted((found - expected).keys())[:10]
    return ProblemScore(sum(expected.values()), sum(found.values()), sum(matched.values()), per,
                        [(p, k[:12]) for k, p in missed], [(p, k[:12]) for k, p in extra])
