"""The chain walk without a database: any single edit is found at exactly its sequence number."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from medaid.audit.log import _mask_ids, _walk, canonical_json, event_hash
from medaid.store.audit_tables import GENESIS_HASH


def _chain(details: list[str]) -> list[SimpleNamespace]:
    rows, prev = [], GENESIS_HASH
    for i, text in enumerate(details, start=1):
        detail = canonical_json({"t": text})
        fields = {"seq": i, "at": "2026-01-01T00:00:00.000000Z", "actor": "a", "action": "load",
                  "subject": "s", "detail": detail}
        digest = event_hash(prev, **fields)
        rows.append(SimpleNamespace(**fields, prev_hash=prev, hash=digest))
        prev = digest
    return rows


def test_canonical_json_is_order_independent_and_keeps_chinese() -> None:
    assert canonical_json({"b": 1, "a": "张"}) == canonical_json({"a": "张", "b": 1}) == '{"a":"张","b":1}'


def test_mask_ids_masks_only_valid_numbers() -> None:
    masked = _mask_ids({"x": ["11010519491231002X", "110105194912310021"], "n": 3})
    assert masked == {"x": ["110105********002X", "110105194912310021"], "n": 3}


@given(st.lists(st.text(max_size=8), min_size=1, max_size=12), st.data())
def test_any_edit_is_detected_at_its_seq(details: list[str], data: st.DataObject) -> None:
    rows = _chain(details)
    head = (rows[-1].seq, rows[-1].hash)
    assert _walk(rows, head).ok
    victim = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["actor", "action", "subject", "at", "detail"]))
    original = getattr(rows[victim], field)
    setattr(rows[victim], field, canonical_json({"t": "x"}) if field == "detail" and original != '{"t":"x"}'
            else original + "!")
    report = _walk(rows, head)
    assert not report.ok and report.broken_at == victim + 1


@given(st.lists(st.text(max_size=4), min_size=2, max_size=10), st.data())
def test_any_deletion_is_detected(details: list[str], data: st.DataObject) -> None:
    rows = _chain(details)
    head = (rows[-1].seq, rows[-1].hash)
    victim = data.draw(st.integers(0, len(rows) - 1))
    del rows[victim]
    report = _walk(rows, head)
    assert not report.ok and report.broken_at == victim + 1
