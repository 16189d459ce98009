"""Matching features of a source record (匹配特征): what linkage compares, computed once per record.

A record is one row of any source with the columns of :data:`RECORD_COLUMNS`. ``name_py`` is the
toneless pinyin of the normalised name, so homophone typos (王晓明/王小明) still agree; ``id_hint``
is region code + 3-digit sequence of the ID number (characters 1-6 and 15-17), the part that
survives masking and a wrong check digit, so a rejected row with a masked ID still carries it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from medaid.domain.names import normalise_name

RECORD_COLUMNS = ["unique_id", "source", "id_token", "name", "birth_date", "sex", "township_code", "address",
                  "phone", "id_hint"]
OPTIONAL_COLUMNS = ["id_stem"]
"""``id_stem``: keyed stem token of the ID's first 17 digits (ingest); absent = unknown."""
FEATURE_COLUMNS = [*RECORD_COLUMNS, *OPTIONAL_COLUMNS, "name_norm", "name_py", "surname_py"]
_DIGITS = re.compile(r"\D+")


@lru_cache(maxsize=200_000)
def pinyin_of(name_norm: str) -> str:
    """Toneless pinyin, syllables joined by spaces (多音字 take pypinyin's phrase-aware reading)."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(name_norm, style=Style.NORMAL, errors="default"))


def id_hint(id_text: str | None) -> str | None:
    """Region + sequence of an 18-character ID number, masked (370830********1234) or not."""
    if not id_text or len(id_text) != 18:
        return None
    hint = id_text[:6] + id_text[14:17]
    return hint if hint.isdigit() else None


def clean_phone(value: object) -> str | None:
    digits = _DIGITS.sub("", str(value)) if value is not None and not pd.isna(value) else ""
    return digits[-11:] if len(digits) >= 7 else None


def _blank_to_none(series: pd.Series) -> pd.Series:
    s = series.astype(object).where(series.notna(), None)
    return s.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())


def add_features(records: pd.DataFrame) -> pd.DataFrame:
    """Normalise the record columns and add name_norm, name_py, surname_py (returns a new frame)."""
    out = records[RECORD_COLUMNS].copy()
    for col in OPTIONAL_COLUMNS:
        out[col] = records.get(col, None)
    for col in ("id_token", "name", "birth_date", "sex", "township_code", "address", "id_hint", "id_stem"):
        out[col] = _blank_to_none(out[col])
    out["phone"] = out["phone"].map(clean_phone)
    names = out["name"].fillna("")
    norm = {n: normalise_name(n) for n in names.unique()}
    out["name_norm"] = names.map(norm).replace("", None)
    py = {n: pinyin_of(n) for n in set(norm.values()) if n}
    out["name_py"] = out["name_norm"].map(py)
    out["surname_py"] = out["name_py"].map(lambda p: p.split(" ")[0] if isinstance(p, str) else None)
    return out
