"""Identity resolution over source records: exact ID groups first, then Splink, then clusters.

1. Exact: rows with the same valid ``id_token`` are one person; each token becomes one *entity*
   record (the register row when there is one — it has the most fields). A row whose ID was
   rejected but whose first 17 digits have the same keyed stem (``id_stem``) as a valid ID joins
   that token too (method ``id_stem``): only the check digit differs, the commonest typing fault.
2. Probabilistic: Splink dedupes entities and ID-less rows together (DuckDB, or Spark when a
   ``spark`` session is given). Pairs ≥ ``upper`` are accepted, < ``lower`` dropped, the rest go to
   clerical review; a clerk's earlier decision on a pair overrides the model.
3. Clusters: connected components of accepted links; ``person_key`` is the smallest ``id_token``
   in the cluster (stable across runs), or ``R`` + a hash of the smallest row id when none has one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from medaid.linkage.features import FEATURE_COLUMNS, add_features
from medaid.linkage.model import LOWER, UPPER, settings

_SOURCE_RANK = {"person": 0, "roster": 1, "enrolment": 2, "death": 3, "claim": 4}
MIN_RECORDS_TO_TRAIN = 5_000
EDGE_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "decision"]


@dataclass(slots=True)
class LinkResult:
    """assignments: unique_id, person_key, method, match_probability (one row per input record);
    edges: candidate links at or above ``lower`` with their decision (accepted/review/rejected);
    entities: the frame Splink saw (for review evidence)."""

    assignments: pd.DataFrame
    edges: pd.DataFrame
    entities: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def stable_uid(source: object, stem: object, hint: object, name_norm: object, birth: object, sex: object) -> str:
    """A record id that survives a reload: ``R:`` + hash of what the row says, not where it sits.

    Row ids (``table:load:row``) change whenever a file is loaded again; clerk decisions are keyed
    by this instead (token entities use ``T:<token>``, already stable).
    """
    parts = [str(v) if isinstance(v, str) else "" for v in (source, stem, hint, name_norm, birth, sex)]
    return "R:" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:32]


def pair_key(a: str, b: str) -> str:
    """Order-free key of a pair of stable record ids (what ``link_review.pair_key`` stores)."""
    return "|".join(sorted((a, b)))


def _stable_uids(entities: pd.DataFrame) -> list[str]:
    return [u if u.startswith("T:") else stable_uid(*rest) for u, *rest in zip(
        entities["unique_id"], entities["source"], entities["id_stem"], entities["id_hint"], entities["name_norm"],
        entities["birth_date"], entities["sex"], strict=True)]


def join_stems(feats: pd.DataFrame) -> pd.Series:
    """Give ID-less rows the token of the valid ID with the same stem; returns the mask of rows joined.

    Two valid IDs never share a stem (the check digit is a function of the first 17), so a stem
    names at most one token and the join is exact.
    """
    has_tok = feats["id_token"].notna() & feats["id_stem"].notna()
    token_of = feats.loc[has_tok].drop_duplicates("id_stem").set_index("id_stem")["id_token"]
    loose = feats["id_token"].isna() & feats["id_stem"].notna()
    found = feats.loc[loose, "id_stem"].map(token_of).dropna()
    feats.loc[found.index, "id_token"] = found
    joined = pd.Series(False, index=feats.index)
    joined.loc[found.index] = True
    return joined


def entity_frame(feats: pd.DataFrame) -> pd.DataFrame:
    """One record per token (best-ranked source row, fields filled from the others) plus ID-less rows."""
    tok = feats[feats["id_token"].notna()].copy()
    tok["_rank"] = tok["source"].map(_SOURCE_RANK).fillna(9)
    tok = tok.sort_values(["id_token", "_rank"], kind="stable")
    ents = tok.groupby("id_token", sort=False).first().reset_index()  # first non-null per column
    ents["unique_id"] = "T:" + ents["id_token"]
    loose = feats[feats["id_token"].isna()]
    return pd.concat([ents[FEATURE_COLUMNS], loose[FEATURE_COLUMNS]], ignore_index=True)


def predict(entities: pd.DataFrame, *, lower: float, spark: Any = None, seed: int = 42) -> pd.DataFrame:
    """Scored candidate pairs at or above ``lower`` (unique_id_l, unique_id_r, match_probability)."""
    from splink import Linker

    if len(entities) < 2:
        return pd.DataFrame(columns=EDGE_COLUMNS[:3])
    prior = min(0.5, 0.02 / max(len(entities), 1))
    if spark is not None:
        from splink import SparkAPI

        db_api: Any = SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call]
        table: Any = spark.createDataFrame(entities.astype(object).where(entities.notna(), None))
    else:
        from splink import DuckDBAPI

        db_api, table = DuckDBAPI(), entities
    linker = Linker(db_api.register(table), settings("dedupe_only", prior=prior), log_level=logging.WARNING)
    if len(entities) >= MIN_RECORDS_TO_TRAIN:  # smaller sets keep the model's prior u values
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    out = linker.inference.predict(threshold_match_probability=lower).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return out[["unique_id_l", "unique_id_r", "match_probability"]]


def _plausible(edges: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Two *different valid* ID numbers are one person only if the names sound the same.

    A second valid number for one person is rare, twins share birth date, address and phone, and
    naive Bayes cannot see that those agree together; so token-to-token pairs need the same pinyin.
    """
    if edges.empty:
        return edges
    py = dict(zip(entities["unique_id"], entities["name_py"], strict=True))
    keep = [not (a.startswith("T:") and b.startswith("T:")) or (py.get(a) is not None and py.get(a) == py.get(b))
            for a, b in zip(edges["unique_id_l"], edges["unique_id_r"], strict=True)]
    return edges[keep].reset_index(drop=True)


def link_records(records: pd.DataFrame, *, upper: float = UPPER, lower: float = LOWER,
                 decisions: Mapping[tuple[str, str], bool] | None = None, spark: Any = None) -> LinkResult:
    """Resolve ``records`` (columns of ``features.RECORD_COLUMNS``) into persons."""
    decisions = decisions or {}
    feats = add_features(records)
    by_stem = join_stems(feats)
    entities = entity_frame(feats)
    entities["stable_uid"] = _stable_uids(entities)
    stable = dict(zip(entities["unique_id"], entities["stable_uid"], strict=True))
    edges = _plausible(predict(entities, lower=lower, spark=spark), entities)
    edges = edges.assign(decision=["accepted" if p >= upper else "review" for p in edges["match_probability"]])
    for i, (a, b) in enumerate(zip(edges["unique_id_l"], edges["unique_id_r"], strict=True)):
        sa, sb = stable[a], stable[b]  # decisions keyed by stable ids (or, for callers, by row ids)
        verdict = next((decisions[k] for k in ((sa, sb), (sb, sa), (a, b), (b, a)) if k in decisions), None)
        if verdict is not None:
            edges.iat[i, 3] = "accepted_by_clerk" if verdict else "rejected_by_clerk"
    uf = _UnionFind()
    linked: dict[str, tuple[str, float]] = {}
    for a, b, p, d in edges.itertuples(index=False):
        if d in ("accepted", "accepted_by_clerk"):
            uf.union(a, b)
            how = "review" if d == "accepted_by_clerk" else "splink"
            for x in (a, b):
                if p > linked.get(x, ("", -1.0))[1]:
                    linked[x] = (how, float(p))
    members: dict[str, list[str]] = {}
    for uid in entities["unique_id"]:
        members.setdefault(uf.find(uid), []).append(uid)
    key_of: dict[str, str] = {}
    for ids in members.values():
        tokens = sorted(u[2:] for u in ids if u.startswith("T:"))
        key = tokens[0] if tokens else "R" + hashlib.sha1(min(ids).encode()).hexdigest()[:31]
        for u in ids:
            key_of[u] = key
    node = ["T:" + t if isinstance(t, str) else u for u, t in zip(feats["unique_id"], feats["id_token"], strict=True)]
    person_key = [key_of[n] for n in node]
    method, prob = [], []
    for n, t, k, stem in zip(node, feats["id_token"], person_key, by_stem, strict=True):
        how, p = linked.get(n, ("", None))  # type: ignore[arg-type,unused-ignore]
        if stem:
            how = "id_stem"
        elif isinstance(t, str) and k == t:
            how = "id_exact"
        elif not how:
            how = "own"
        method.append(how)
        prob.append(p)
    assignments = pd.DataFrame({"unique_id": feats["unique_id"], "person_key": person_key, "method": method,
                                "match_probability": prob})
    stats = {"records": len(feats), "entities": len(entities), "candidate_pairs": len(edges),
             "accepted": int(edges["decision"].isin(["accepted", "accepted_by_clerk"]).sum()),
             "review": int((edges["decision"] == "review").sum()), "persons": len(set(person_key)),
             "joined_by_stem": int(by_stem.sum())}
    return LinkResult(assignments, edges, entities, stats)
