"""The contract specs agree with the tables they load and with DESIGN.md §4."""

from __future__ import annotations

import pytest

from medaid.ingest.contract import SPECS, kind_of
from medaid.store.tables import CONTRACT_TABLES


def test_every_contract_kind_has_a_spec_for_its_table() -> None:
    assert list(SPECS) == list(CONTRACT_TABLES)
    for kind, spec in SPECS.items():
        assert spec.table is CONTRACT_TABLES[kind]


@pytest.mark.parametrize("kind", list(SPECS))
def test_spec_fills_every_required_table_column(kind: str) -> None:
    spec = SPECS[kind]
    filled = {f.target for f in spec.fields} | {"load_id", "source_row", "name_norm"}
    for column in spec.table.columns:
        if not column.nullable:
            assert column.name in filled, f"{kind}: {column.name} has no source"
    assert all(f.target in spec.table.c for f in spec.fields)


def test_required_columns_match_the_design() -> None:
    assert SPECS["claims"].required == [
        "claim_id", "id_number", "name", "hospital_code", "hospital_level", "location", "visit_type",
        "settle_date", "diagnosis_code", "total_yuan", "in_scope_yuan"]
    assert SPECS["persons"].required == [
        "id_number", "name", "sex", "birth_date", "household_id", "township_code"]


@pytest.mark.parametrize(("stem", "kind"), [
    ("claims", "claims"), ("Claims_2026-03", "claims"), ("roster-civil", "roster"), ("chronic_certs", "chronic_certs"),
    ("claimsx", None), ("notes", None), ("persons.v2", "persons"),
])
def test_kind_of_file_stem(stem: str, kind: str | None) -> None:
    assert kind_of(stem) == kind
