"""Read one year's reconciliation inputs from the store (only current loads, only needed columns).

Claims are aggregated in SQL (a county has ~2M a year; the rules need counts, not rows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, and_, func, select

from medaid.reconcile.detect import ReconInputs
from medaid.store import tables as t

_ID_KINDS = ("roster", "enrolment")  # where an invalid ID is an identity problem (seed 002)


def _current(table: Table) -> ColumnElement[bool]:
    """Rows of loads that are still current (a superseded snapshot no longer counts)."""
    live = select(t.load.c.id).where(t.load.c.status == "loaded")
    return table.c.load_id.in_(live)


def _frame(conn: Connection, stmt: object) -> pd.DataFrame:
    result = conn.execute(stmt)  # type: ignore[call-overload]
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def county_code_of(persons: pd.DataFrame) -> str:
    """The county is where most of the register lives (first 6 digits of the township code)."""
    counts = Counter(str(c)[:6] for c in persons["township_code"])
    return counts.most_common(1)[0][0] if counts else ""


def read_inputs(conn: Connection, year: int, *, county_code: str | None = None) -> ReconInputs:
    """All frames :class:`ReconInputs` needs for ``year``."""
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    p, d, r, e, c = t.person, t.death, t.roster, t.enrolment, t.claim
    persons = _frame(conn, select(p.c.id_token, p.c.name, p.c.name_norm, p.c.township_code, p.c.address,
                                  p.c.phone).where(_current(p)).order_by(p.c.load_id, p.c.source_row))
    deaths = _frame(conn, select(d.c.id_token, d.c.name, d.c.death_date).where(_current(d)))
    roster = _frame(conn, select(r.c.id_token, r.c.name, r.c.category, r.c.valid_from, r.c.valid_to,
                                 r.c.township_code).where(_current(r)))
    enrol = _frame(conn, select(e.c.id_token, e.c.name, e.c.scheme, e.c.region_code, e.c.status,
                                e.c.premium_waived, e.c.paid_by_self_fen)
                   .where(_current(e), e.c.year == year))
    claims = _frame(conn, select(c.c.id_token, func.count().label("n_claims"))
                    .where(_current(c), c.c.settle_date.between(jan1, dec31)).group_by(c.c.id_token))
    first_death = select(d.c.id_token, func.min(d.c.death_date).label("died")).where(_current(d)) \
        .group_by(d.c.id_token).subquery()
    after = _frame(conn, select(c.c.id_token, func.count().label("n_after_death"))
                   .join(first_death, and_(first_death.c.id_token == c.c.id_token,
                                           c.c.settle_date > first_death.c.died))
                   .where(_current(c), c.c.reverses_claim_id.is_(None)).group_by(c.c.id_token))
    from medaid.domain.names import normalise_name

    for frame in (deaths, roster, enrol):
        frame["name_norm"] = [normalise_name(str(n)) for n in frame["name"]]
    return ReconInputs(
        year=year, county_code=county_code or county_code_of(persons), persons=persons, deaths=deaths,
        roster=roster, enrolment=enrol, claims=claims, claims_after_death=after,
        id_rejects=read_id_rejects(conn))


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
