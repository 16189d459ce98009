"""Data contract v1 (DESIGN.md §4) as data: one ``KindSpec`` per file kind.

Validation (``validate.py``) and writing (``write.py``) are generated from these specs; adding a
column to the contract is an edit here (and in ``medaid.store.tables`` plus a migration).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Table

from medaid.domain.categories import CODES as CATEGORY_CODES
from medaid.store import tables


class FieldType(enum.StrEnum):
    ID = "id"              # GB 11643 ID number → id_token (+ identity vault)
    TEXT = "text"
    DATE = "date"          # YYYY-MM-DD
    AMOUNT = "amount"      # yuan, ≤ 2 decimals, ≥ 0 → integer fen
    ENUM = "enum"
    INT = "int"
    TOWNSHIP = "township"  # 9 digits under a plausible county
    REGION = "region"      # 6 digits GB/T 2260


@dataclass(frozen=True, slots=True)
class Field:
    """One contract column. ``column`` is the table column it fills (None: the same name)."""

    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    column: str | None = None
    choices: Mapping[str, str | int | bool] | None = None  # accepted lower-case spelling → stored
    max_len: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    @property
    def target(self) -> str:
        return self.column or self.name


@dataclass(frozen=True, slots=True)
class Check:
    """A cross-field rule on cleaned values: rows where ``bad`` (DuckDB SQL) is true are rejected."""

    field: str
    bad: str
    zh: str
    en: str


class Supersede(enum.StrEnum):
    """How a newer file replaces what an older one loaded (docs/data-contract.md, decision 0003)."""

    SNAPSHOT = "snapshot"  # delete the previous rows of the same scope, insert the new snapshot
    KEYED = "keyed"        # upsert on a key: the newer row wins, untouched keys stay


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: str
    table: Table
    fields: tuple[Field, ...]
    supersede: Supersede = Supersede.SNAPSHOT
    scope_field: str | None = None        # snapshot scope column (None: the whole table)
    key: str | None = None                # KEYED: table column to upsert on
    unique_in_file: str | None = None     # contract column that must not repeat inside one file
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


def _enum(*values: str) -> Mapping[str, str]:
    return {v.lower(): v for v in values}


_ID = Field("id_number", FieldType.ID, required=True, column="id_token")
_NAME = Field("name", required=True, max_len=100)
# Contract codes only: Chinese spellings (男/女, 是/否) are rejected rather than mapped, so that a
# department sending the wrong column or a mangled export is told, not silently trusted.
_SEX = {"m": "M", "f": "F"}
_YN = {"y": True, "n": False}


def _period(first: str, last: str) -> Check:
    return Check(last, f"{last} < {first}", f"{last} 早于 {first}", f"{last} is before {first}")


SPECS: dict[str, KindSpec] = {
    s.kind: s
    for s in (
        KindSpec("persons", tables.person, (
            _ID, _NAME,
            Field("sex", FieldType.ENUM, required=True, choices=_SEX),
            Field("birth_date", FieldType.DATE, required=True),
            Field("household_id", required=True, max_len=64),
            Field("relation", FieldType.ENUM, choices=_enum("head", "spouse", "child", "parent", "other")),
            Field("township_code", FieldType.TOWNSHIP, required=True),
            Field("village"), Field("address"), Field("phone", max_len=32),
        )),
        KindSpec("deaths", tables.death, (
            _ID, _NAME, Field("death_date", FieldType.DATE, required=True), Field("source"),
        ), supersede=Supersede.KEYED, key="id_token", unique_in_file="id_number"),
        KindSpec("roster", tables.roster, (
            _ID, _NAME,
            Field("category", FieldType.ENUM, required=True, choices=_enum(*sorted(CATEGORY_CODES))),
            Field("valid_from", FieldType.DATE, required=True),
            Field("valid_to", FieldType.DATE),
            Field("township_code", FieldType.TOWNSHIP),
            Field("source_dept"),
        ), scope_field="source_dept", checks=(_period("valid_from", "valid_to"),)),
        KindSpec("enrolment", tables.enrolment, (
            _ID, _NAME,
            Field("year", FieldType.INT, required=True, min_value=2000, max_value=2100),
            Field("scheme", FieldType.ENUM, required=True, choices=_enum("resident", "employee")),
            Field("region_code", FieldType.REGION, required=True),
            Field("status", FieldType.ENUM, required=True, choices=_enum("active", "suspended", "stopped")),
            Field("premium_waived", FieldType.ENUM, required=True, choices=_YN),
            Field("paid_by_self_yuan", FieldType.AMOUNT, column="paid_by_self_fen"),
        ), scope_field="year"),
        KindSpec("claims", tables.claim, (
            Field("claim_id", required=True, max_len=64),
            _ID, _NAME,
            Field("hospital_code", required=True, max_len=64),
            Field("hospital_level", FieldType.ENUM, required=True, choices={"1": 1, "2": 2, "3": 3}),
            Field("location", FieldType.ENUM, required=True,
                  choices=_enum("county", "province", "out_of_province")),
            Field("visit_type", FieldType.ENUM, required=True,
                  choices=_enum("inpatient", "chronic_outpatient", "general_outpatient")),
            Field("admit_date", FieldType.DATE),
            Field("discharge_date", FieldType.DATE),
            Field("settle_date", FieldType.DATE, required=True),
            Field("diagnosis_code", required=True, max_len=16),
            Field("total_yuan", FieldType.AMOUNT, required=True, column="total_fen"),
            Field("in_scope_yuan", FieldType.AMOUNT, required=True, column="in_scope_fen"),
            Field("basic_paid_yuan", FieldType.AMOUNT, column="basic_paid_fen"),
            Field("critical_paid_yuan", FieldType.AMOUNT, column="critical_paid_fen"),
            Field("reverses_claim_id", max_len=64),
        ), supersede=Supersede.KEYED, key="claim_id", unique_in_file="claim_id", checks=(
            Check("in_scope_yuan", "in_scope_yuan > total_yuan AND total_yuan >= 0",
                  "政策范围内费用大于总费用", "in_scope_yuan is greater than total_yuan"),
            _period("admit_date", "discharge_date"),
        )),
        KindSpec("income", tables.income, (
            _ID,
            Field("kind", FieldType.ENUM, required=True,
                  choices=_enum("wage", "business", "pension", "transfer", "property", "other")),
            Field("yuan", FieldType.AMOUNT, required=True, column="amount_fen"),
            Field("period_from", FieldType.DATE, required=True),
            Field("period_to", FieldType.DATE, required=True),
        ), checks=(_period("period_from", "period_to"),)),
        KindSpec("assets", tables.asset, (
            _ID,
            Field("kind", FieldType.ENUM, required=True,
                  choices=_enum("house", "vehicle", "deposit", "securities", "business")),
            Field("value_yuan", FieldType.AMOUNT, required=True, column="value_fen"),
            Field("count", FieldType.INT, min_value=0, max_value=1_000_000),
        )),
        KindSpec("disability", tables.disability, (
            _ID,
            Field("level", FieldType.ENUM, required=True, choices={"1": 1, "2": 2, "3": 3, "4": 4}),
            Field("type"),
        )),
        KindSpec("chronic_certs", tables.chronic_cert, (
            _ID,
            Field("disease_code", required=True, max_len=16),
            Field("valid_from", FieldType.DATE, required=True),
            Field("valid_to", FieldType.DATE),
        ), checks=(_period("valid_from", "valid_to"),)),
        KindSpec("employment", tables.employment, (
            _ID,
            Field("status", FieldType.ENUM, required=True, choices=_enum("employed", "unemployed")),
            Field("since", FieldType.DATE, required=True),
        )),
    )
}
"""Contract kind (file stem) → spec, in load order: persons first so later kinds can be checked."""


def kind_of(stem: str) -> str | None:
    """The contract kind a file stem names: ``claims`` or ``claims_2026-03`` / ``claims-march`` → claims."""
    stem = stem.lower()
    for kind in SPECS:
        if stem == kind or (stem.startswith(kind) and stem[len(kind)] in "_-. "):
            return kind
    return None
