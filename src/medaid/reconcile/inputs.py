"""Read one year's reconciliation inputs from the store (only current loads, only needed columns).

Claims are aggregated in SQL (a county has ~2M a year; the rules need counts, not rows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from medaid.linkage.records import current, frame
from medaid.reconcile.detect import ReconInputs
from medaid.store import tables as t

_ID_KINDS = ("roster", "enrolment")  # where an invalid ID is an identity problem (seed 002)


def county_code_of(persons: pd.DataFrame) -> str:
    """The county is where most of the register lives (first 6 digits of the township code)."""
    counts = Counter(str(c)[:6] for c in persons["township_code"])
    return counts.most_common(1)[0][0] if counts else ""


def read_inputs(conn: Connection, year: int, *, county_code: str | None = None) -> ReconInputs:
    """All frames :class:`ReconInputs` needs for ``year``."""
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    p, d, r, e, c = t.person, t.death, t.roster, t.enrolment, t.claim
    persons = frame(conn, select(p.c.id_token, p.c.name, p.c.name_norm, p.c.township_code, p.c.address,
                                  p.c.phone).where(current(p)).order_by(p.c.load_id, p.c.source_row))
    deaths = frame(conn, select(d.c.id_token, d.c.name, d.c.death_date).where(current(d)))
    roster = frame(conn, select(r.c.id_token, r.c.name, r.c.category, r.c.valid_from, r.c.valid_to,
                                 r.c.township_code).where(current(r)))
    enrol = frame(conn, select(e.c.id_token, e.c.name, e.c.scheme, e.c.region_code, e.c.status,
                                e.c.premium_waived, e.c.paid_by_self_fen)
                   .where(current(e), e.c.year == year))
    claims = frame(conn, select(c.c.id_token, func.count().label("n_claims"))
                    .where(current(c), c.c.settle_date.between(jan1, dec31)).group_by(c.c.id_token))
    first_death = select(d.c.id_token, func.min(d.c.death_date).label("died")).where(current(d)) \
        .group_by(d.c.id_token).subquery()
    after = frame(conn, select(c.c.id_token, func.count().label("n_after_death"))
                   .join(first_death, and_(first_death.c.id_token == c.c.id_token,
                                           c.c.settle_date > first_death.c.died))
                   .where(current(c), c.c.reverses_claim_id.is_(None)).group_by(c.c.id_token))
    from medaid.domain.names import normalise_name

    for df in (deaths, roster, enrol):
        df["name_norm"] = [normalise_name(str(n)) for n in df["name"]]
    return ReconInputs(
        year=year, county_code=county_code or county_code_of(persons), persons=persons, deaths=deaths,
        roster=roster, enrolment=enrol, claims=claims, claims_after_death=after,
        id_rejects=_with_linked_township(conn, read_id_rejects(conn), persons))


def _with_linked_township(conn: Connection, rejects: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """A rejected row without a township (enrolment has none) takes the township of the person that
    linkage (``person_link``) matched it to, so it lands on the right township's work list."""
    from medaid.store.reconcile_tables import person_link as pl

    if rejects.empty:
        return rejects
    links = frame(conn, select(pl.c.table_name, pl.c.load_id, pl.c.source_row, pl.c.person_key)
                   .where(pl.c.id_token.is_(None)))
    town = persons.drop_duplicates("id_token").set_index("id_token")["township_code"]
    where = {(tn, int(lid), int(row)): town.get(key, "") for tn, lid, row, key in links.itertuples(index=False)}
    table_of = {k: tab.name for k, tab in t.CONTRACT_TABLES.items()}
    linked = [where.get((table_of[k], int(lid), int(row)), "") for k, lid, row in
              zip(rejects["kind"], rejects["load_id"], rejects["row_number"], strict=True)]
    rejects["township_code"] = [tc or lk for tc, lk in zip(rejects["township_code"], linked, strict=True)]
    return rejects


def read_id_rejects(conn: Connection) -> pd.DataFrame:
    """Rows of person-bearing files rejected for an invalid ID number (name etc. from the raw JSON)."""
    rj, ld = t.reject, t.load
    rows = conn.execute(select(rj.c.load_id, rj.c.row_number, ld.c.kind, rj.c.reason, rj.c.raw)
                        .join(ld, ld.c.id == rj.c.load_id)
                        .where(rj.c.field == "id_number", ld.c.kind.in_(_ID_KINDS),
                               ld.c.status == "loaded")).fetchall()
    out = []
    for load_id, row_number, kind, reason, raw in rows:
        try:
            data = json.loads(raw)
        except ValueError:
            data = {}
        out.append({"load_id": load_id, "row_number": row_number, "kind": kind, "reason": reason,
                    "name": str(data.get("name") or ""), "township_code": str(data.get("township_code") or ""),
                    "id_masked": str(data.get("id_number") or "")})
    cols = ["load_id", "row_number", "kind", "reason", "name", "township_code", "id_masked"]
    return pd.DataFrame(out, columns=cols).drop_duplicates(["load_id", "row_number"])
