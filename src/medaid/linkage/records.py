"""Source records for linkage, read from the store (人员记录): the register, other sources, ID rejects.

Every loaded table row is named ``<table>:<load_id>:<source_row>``. Rows with a valid ID enter as
their token (one record per token is enough: the token already decides who they are); rows the
ingest rejected for an invalid ID enter one by one with what the raw row still tells (name,
township, address, phone; birth date and sex on persons rows; region + sequence of the masked ID).
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, select

from medaid.linkage.features import OPTIONAL_COLUMNS, RECORD_COLUMNS, id_hint
from medaid.store import tables as t

PERSON_TABLES = ("roster", "enrolment", "death", "claim")
ID_REJECT_KINDS = ("persons", "roster", "enrolment", "deaths", "claims")


def current(table: Table) -> ColumnElement[bool]:
    """Rows of loads that are still current (a superseded snapshot no longer counts)."""
    return table.c.load_id.in_(select(t.load.c.id).where(t.load.c.status == "loaded"))


def frame(conn: Connection, stmt: object) -> pd.DataFrame:
    """The result of a Core select as a DataFrame (columns named as selected)."""
    res = conn.execute(stmt)  # type: ignore[call-overload]
    return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


def read_records(conn: Connection) -> pd.DataFrame:
    """All linkage records of the store (columns ``features.RECORD_COLUMNS``)."""
    p, idt = t.person, t.identity
    persons = frame(conn, select(p.c.load_id, p.c.source_row, p.c.id_token, p.c.name, p.c.birth_date, p.c.sex,
                                 p.c.township_code, p.c.address, p.c.phone, idt.c.id_masked,
                                 idt.c.id_stem_token.label("id_stem"))
                    .join(idt, idt.c.id_token == p.c.id_token, isouter=True).where(current(p)))
    persons["unique_id"] = "person:" + persons["load_id"].astype(str) + ":" + persons["source_row"].astype(str)
    persons["source"] = "person"
    persons["id_hint"] = persons["id_masked"].map(id_hint)
    persons["birth_date"] = persons["birth_date"].astype(str)
    columns = [*RECORD_COLUMNS, *OPTIONAL_COLUMNS]
    frames = [persons[columns]]
    known = set(persons["id_token"])
    for name in PERSON_TABLES:
        tab = t.metadata.tables[name]
        town = tab.c.township_code if "township_code" in tab.c else None
        cols = [tab.c.load_id, tab.c.source_row, tab.c.id_token, tab.c.name]
        other = frame(conn, select(*cols, *([town] if town is not None else []), idt.c.birth_date, idt.c.sex,
                                   idt.c.id_masked, idt.c.id_stem_token.label("id_stem"))
                      .join(idt, idt.c.id_token == tab.c.id_token, isouter=True)
                      .where(current(tab), tab.c.id_token.not_in(select(p.c.id_token).where(current(p)))))
        other = other[~other["id_token"].isin(known)].drop_duplicates("id_token")
        known |= set(other["id_token"])
        other["unique_id"] = name + ":" + other["load_id"].astype(str) + ":" + other["source_row"].astype(str)
        other["source"] = name
        other["id_hint"] = other["id_masked"].map(id_hint)
        other["birth_date"] = other["birth_date"].astype(str)
        for col in ("township_code", "address", "phone"):
            if col not in other:
                other[col] = None
        frames.append(other[columns])
    frames.append(read_reject_records(conn))
    return pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=columns)


def read_reject_records(conn: Connection) -> pd.DataFrame:
    """One record per row rejected for its ID number, fields from the raw JSON (ID masked).

    When the ID's first 17 digits were well-formed the ingest kept their stem token, birth date and
    sex: the stem joins the row to a valid ID exactly, and birth date and sex help Splink otherwise.
    """
    rj, ld = t.reject, t.load
    rows = conn.execute(select(rj.c.load_id, rj.c.row_number, ld.c.kind, rj.c.raw, rj.c.id_stem_token,
                               rj.c.id_birth_date, rj.c.id_sex)
                        .join(ld, ld.c.id == rj.c.load_id)
                        .where(rj.c.field == "id_number", ld.c.kind.in_(ID_REJECT_KINDS), ld.c.status == "loaded"))
    out, seen = [], set()
    for load_id, row_number, kind, raw, stem, born, sex in rows:
        uid = f"{t.CONTRACT_TABLES[kind].name}:{load_id}:{row_number}"
        if uid in seen:
            continue
        seen.add(uid)
        try:
            data = json.loads(raw)
        except ValueError:
            data = {}
        out.append({"unique_id": uid, "source": t.CONTRACT_TABLES[kind].name, "id_token": None,
                    "name": data.get("name"), "birth_date": data.get("birth_date") or (str(born) if born else None),
                    "sex": data.get("sex") or sex,
                    "township_code": data.get("township_code"), "address": data.get("address"),
                    "phone": data.get("phone"), "id_hint": id_hint(str(data.get("id_number") or "")),
                    "id_stem": stem})
    return pd.DataFrame(out, columns=[*RECORD_COLUMNS, *OPTIONAL_COLUMNS])
