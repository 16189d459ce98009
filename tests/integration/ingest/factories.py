"""Small factories that write contract files as text, so each test shows the data it is about."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from medaid.domain.idnumber import make

HEADERS: dict[str, list[str]] = {
    "persons": ["id_number", "name", "sex", "birth_date", "household_id", "relation", "township_code", "village",
                "address", "phone"],
    "deaths": ["id_number", "name", "death_date", "source"],
    "roster": ["id_number", "name", "category", "valid_from", "valid_to", "township_code", "source_dept"],
    "enrolment": ["id_number", "name", "year", "scheme", "region_code", "status", "premium_waived",
                  "paid_by_self_yuan"],
    "claims": ["claim_id", "id_number", "name", "hospital_code", "hospital_level", "location", "visit_type",
               "admit_date", "discharge_date", "settle_date", "diagnosis_code", "total_yuan", "in_scope_yuan",
               "basic_paid_yuan", "critical_paid_yuan", "reverses_claim_id"],
    "income": ["id_number", "kind", "yuan", "period_from", "period_to"],
    "assets": ["id_number", "kind", "value_yuan", "count"],
    "disability": ["id_number", "level", "type"],
    "chronic_certs": ["id_number", "disease_code", "valid_from", "valid_to"],
    "employment": ["id_number", "status", "since"],
}


def person_id(n: int, sex: str = "M") -> str:
    """The n-th valid test ID number in county 370830."""
    return make("370830", dt.date(1950, 1, 1) + dt.timedelta(days=97 * n), n % 500, sex)


def defaults(kind: str, n: int) -> dict[str, str]:
    pid = person_id(n)
    return {
        "persons": {"id_number": pid, "name": f"张{n}", "sex": "M", "birth_date": "1980-01-01",
                    "household_id": f"H{n // 2}", "relation": "head", "township_code": "370830101"},
        "deaths": {"id_number": pid, "name": f"张{n}", "death_date": "2026-03-01", "source": "police"},
        "roster": {"id_number": pid, "name": f"张{n}", "category": "dibao", "valid_from": "2025-01-01",
                   "township_code": "370830101", "source_dept": "civil_affairs"},
        "enrolment": {"id_number": pid, "name": f"张{n}", "year": "2026", "scheme": "resident",
                      "region_code": "370830", "status": "active", "premium_waived": "Y", "paid_by_self_yuan": "0"},
        "claims": {"claim_id": f"C{n:05d}", "id_number": pid, "name": f"张{n}", "hospital_code": "H1",
                   "hospital_level": "2", "location": "county", "visit_type": "inpatient",
                   "admit_date": "2026-01-02", "discharge_date": "2026-01-05", "settle_date": "2026-01-06",
                   "diagnosis_code": "J18.9", "total_yuan": "50000.00", "in_scope_yuan": "40000"},
        "income": {"id_number": pid, "kind": "wage", "yuan": "1200.50", "period_from": "2026-01-01",
                   "period_to": "2026-01-31"},
        "assets": {"id_number": pid, "kind": "house", "value_yuan": "300000", "count": "1"},
        "disability": {"id_number": pid, "level": "2", "type": "limb"},
        "chronic_certs": {"id_number": pid, "disease_code": "I10", "valid_from": "2025-01-01"},
        "employment": {"id_number": pid, "status": "employed", "since": "2020-05-01"},
    }[kind]


def csv_text(kind: str, rows: Iterable[Mapping[str, str]], *, header: list[str] | None = None) -> str:
    header = header or HEADERS[kind]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return buf.getvalue()


def write_kind(folder: Path, kind: str, rows: Iterable[Mapping[str, str]] | int, *, name: str | None = None,
               header: list[str] | None = None, encoding: str = "utf-8") -> Path:
    """Write ``folder/<kind>.csv``; ``rows`` is a count of default rows or explicit rows (overrides)."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(rows, int):
        rows = [defaults(kind, n) for n in range(rows)]
    path = folder / (name or f"{kind}.csv")
    path.write_text(csv_text(kind, rows, header=header), encoding=encoding)
    return path


def row(kind: str, n: int, **overrides: str) -> dict[str, str]:
    return {**defaults(kind, n), **overrides}
