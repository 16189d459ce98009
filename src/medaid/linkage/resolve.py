"""``resolve(url)``: build ``person_link`` for every source row of the store (人员身份归并).

Rows with a valid ID get their token's person key in one INSERT … SELECT per table (2M claims stay
in the database); only the few rows whose key is not their own token (merged duplicates, rows
with invalid IDs) are written from Python. Uncertain pairs go to ``link_review``; decisions made
there are applied on the next run. One audit event per run.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Float,
    MetaData,
    String,
    Table,
    delete,
    func,
    literal,
    select,
    update,
)

from medaid.linkage.engine import LinkResult, link_records, pair_key
from medaid.linkage.model import LOWER, UPPER
from medaid.linkage.records import current, read_records
from medaid.store import tables as t
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import link_review, link_run, person_link

Progress = Callable[[str, int, int], None]
_TOKEN_TABLES = ("person", "death", "roster", "enrolment", "claim", "income", "asset", "disability",
                 "chronic_cert", "employment")


@dataclass(slots=True)
class ResolveSummary:
    run_id: int
    stats: dict[str, Any]
    links: int


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _decisions(conn: Connection) -> dict[tuple[str, str], bool]:
    """Clerk decisions keyed by the pair's stable ids, so they survive reloads (latest decision wins)."""
    rows = conn.execute(select(link_review.c.pair_key, link_review.c.status)
                        .where(link_review.c.status.in_(("accepted", "rejected"))).order_by(link_review.c.id))
    out: dict[tuple[str, str], bool] = {}
    for key, status in rows:
        a, _, b = key.partition("|")
        out[(a, b)] = status == "accepted"
    return out


def resolve(url: str | None = None, *, upper: float = UPPER, lower: float = LOWER, actor: str = "cli",
            spark: Any = None, progress: Progress | None = None) -> ResolveSummary:
    """Rebuild ``person_link`` from the current loads; returns the run's counts."""
    from medaid.audit.log import append_event

    tick = progress or (lambda _s, _d, _t: None)
    engine = engine_for(url)
    tick("读取 reading", 0, 3)
    clock = [time.perf_counter()]
    with engine.connect() as conn:
        records = read_records(conn)
        decisions = _decisions(conn)
    clock.append(time.perf_counter())
    tick("匹配 matching", 1, 3)
    result = link_records(records, upper=upper, lower=lower, decisions=decisions, spark=spark)
    clock.append(time.perf_counter())
    tick("保存 storing", 2, 3)
    with engine.begin() as conn:
        pk = conn.execute(link_run.insert().values(
            started_at=_now(), actor=actor, upper=upper, lower=lower, summary="{}")).inserted_primary_key
        assert pk is not None
        run_id = int(pk[0])
        links = _write_links(conn, run_id, records, result)
        _write_reviews(conn, run_id, result)
        clock.append(time.perf_counter())
        stats = {**result.stats, "links": links, "read_s": round(clock[1] - clock[0], 1),
                 "match_s": round(clock[2] - clock[1], 1), "store_s": round(clock[3] - clock[2], 1)}
        conn.execute(update(link_run).where(link_run.c.id == run_id).values(
            finished_at=_now(), summary=json.dumps(stats, sort_keys=True)))
        append_event(conn, actor=actor, action="linkage.run", subject=f"link_run:{run_id}", detail=stats)
    tick("完成 done", 3, 3)
    return ResolveSummary(run_id, stats, links)


def _write_links(conn: Connection, run_id: int, records: pd.DataFrame, result: LinkResult) -> int:
    conn.execute(delete(person_link))
    merged = records[["unique_id", "id_token"]].merge(result.assignments, on="unique_id")
    tok = merged[merged["id_token"].notna() & (merged["id_token"] != merged["person_key"])]
    tok = tok.drop_duplicates("id_token")
    # tokens whose person is another token (merged duplicates): a temporary table joined in SQL
    remap = Table("tmp_token_key", MetaData(), Column("id_token", String(32), primary_key=True),
                  Column("person_key", String(40)), Column("method", String(16)), Column("p", Float),
                  prefixes=["TEMPORARY"])
    remap.create(conn)
    if len(tok):
        conn.execute(remap.insert(), [
            {"id_token": r.id_token, "person_key": r.person_key, "method": r.method,
             "p": None if pd.isna(r.match_probability) else float(r.match_probability)}
            for r in tok.itertuples(index=False)])
    for name in _TOKEN_TABLES:
        tab = t.metadata.tables[name]
        sel = (select(literal(name), tab.c.load_id, tab.c.source_row,
                      func.coalesce(remap.c.person_key, tab.c.id_token), tab.c.id_token,
                      func.coalesce(remap.c.method, literal("id_exact")), remap.c.p, literal(run_id))
               .select_from(tab.outerjoin(remap, remap.c.id_token == tab.c.id_token)).where(current(tab)))
        conn.execute(person_link.insert().from_select(
            ["table_name", "load_id", "source_row", "person_key", "id_token", "method", "match_probability",
             "run_id"], sel))
    remap.drop(conn)
    loose = merged[merged["id_token"].isna()]
    rows = []
    for rec in loose.itertuples(index=False):
        table_name, load_id, source_row = str(rec.unique_id).split(":")
        prob = None if pd.isna(rec.match_probability) else float(rec.match_probability)
        rows.append({"table_name": table_name, "load_id": int(load_id), "source_row": int(source_row),
                     "person_key": rec.person_key, "id_token": None, "method": rec.method,
                     "match_probability": prob, "run_id": run_id})
    if rows:
        conn.execute(person_link.insert(), rows)
    return int(conn.execute(select(func.count()).select_from(person_link)).scalar_one())


def _write_reviews(conn: Connection, run_id: int, result: LinkResult) -> None:
    """Replace the pending queue with this run's uncertain pairs (decided pairs are kept as they are)."""
    conn.execute(delete(link_review).where(link_review.c.status == "pending"))
    decided = set(conn.execute(select(link_review.c.pair_key)).scalars())
    ents = result.entities.set_index("unique_id")
    keys = dict(zip(result.assignments["unique_id"], result.assignments["person_key"], strict=True))
    rows = []
    for a, b, p, d in result.edges.itertuples(index=False):
        key = pair_key(str(ents.at[a, "stable_uid"]), str(ents.at[b, "stable_uid"]))
        if d != "review" or key in decided:
            continue
        decided.add(key)  # identical rows make one queue item; its decision applies to all of them
        right_key = b[2:] if b.startswith("T:") else keys.get(b, b)
        evidence = {side: {c: (None if pd.isna(ents.at[u, c]) else str(ents.at[u, c]))
                           for c in ("source", "name", "birth_date", "sex", "township_code", "address", "phone",
                                     "id_hint")}
                    for side, u in (("left", a), ("right", b))}
        rows.append({"run_id": run_id, "left_uid": a, "right_uid": b, "right_person_key": right_key[:40], "pair_key": key,
                     "match_probability": float(p), "evidence": json.dumps(evidence, ensure_ascii=False),
                     "status": "pending"})
    if rows:
        conn.execute(link_review.insert(), rows)
