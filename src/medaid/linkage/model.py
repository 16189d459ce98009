"""The linkage model as data (Splink settings): comparisons, blocking rules, prior m probabilities.

Portable SQL only (``=``, ``levenshtein``, ``substr``), so the same settings run on DuckDB for a
county and on Spark for a province. m probabilities are priors from data-entry error rates (how
often the *same* person's field is recorded differently); u probabilities have priors for a
county of ~500k, and are re-estimated from the data by random sampling whenever there are enough
records (they depend on the county: how common 王伟 is).
Thresholds are the clerk-facing knobs; see docs/linkage.md and docs/decisions/0006.
"""

from __future__ import annotations

from typing import Any

UPPER = 0.99
"""Match probability at or above which a link is accepted without review."""
LOWER = 0.50
"""Below this a candidate link is rejected; between LOWER and UPPER it goes to clerical review."""


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "label_for_charts": "null",
            "is_null_level": True}


def _level(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def comparisons() -> list[dict[str, Any]]:
    """Name (exact / same pinyin / close pinyin), birth date, sex, township, address, phone, ID hint."""
    return [
        {"output_column_name": "name", "comparison_levels": [
            _null("name_norm"),
            _level("name_norm_l = name_norm_r", "exact", 0.90, 0.0005),
            _level("name_py_l = name_py_r", "same pinyin (homophone)", 0.06, 0.0003),
            _level("levenshtein(name_py_l, name_py_r) <= 2", "pinyin within 2 edits", 0.035, 0.01),
            _level("ELSE", "different", 0.005, 0.9892)]},
        {"output_column_name": "birth_date", "comparison_levels": [
            _null("birth_date"),
            _level("birth_date_l = birth_date_r", "exact", 0.95, 0.00005),
            _level("levenshtein(birth_date_l, birth_date_r) <= 1", "one digit off", 0.04, 0.002),
            _level("ELSE", "different", 0.01, 0.99795)]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"), _level("sex_l = sex_r", "exact", 0.99, 0.5), _level("ELSE", "different", 0.01, 0.5)]},
        {"output_column_name": "township_code", "comparison_levels": [
            _null("township_code"), _level("township_code_l = township_code_r", "exact", 0.92, 0.07),
            _level("ELSE", "different", 0.08, 0.93)]},
        {"output_column_name": "address", "comparison_levels": [
            _null("address"), _level("address_l = address_r", "exact", 0.75, 0.001),
            _level("levenshtein(address_l, address_r) <= 3", "close", 0.15, 0.02),
            _level("ELSE", "different", 0.10, 0.979)]},
        {"output_column_name": "phone", "comparison_levels": [
            _null("phone"), _level("phone_l = phone_r", "exact", 0.80, 0.0005),
            _level("ELSE", "different", 0.20, 0.9995)]},
        {"output_column_name": "id_hint", "comparison_levels": [
            _null("id_hint"), _level("id_hint_l = id_hint_r", "exact", 0.95, 0.001),
            _level("substr(id_hint_l, 1, 6) = substr(id_hint_r, 1, 6)", "same region", 0.04, 0.9),
            _level("ELSE", "different", 0.01, 0.099)]},
    ]


BLOCKING_RULES: list[str] = [
    # Each rule keeps a county's candidate pairs to a few per record; together they still catch a
    # record with any one of name, birth date or ID wrong.
    "l.name_py = r.name_py and l.birth_date = r.birth_date",
    "l.name_py = r.name_py and l.township_code = r.township_code",
    "l.name_py = r.name_py and l.id_hint = r.id_hint",
    "l.birth_date = r.birth_date and l.id_hint = r.id_hint",
    "l.surname_py = r.surname_py and l.birth_date = r.birth_date and l.township_code = r.township_code",
    "l.phone = r.phone and l.surname_py = r.surname_py",
    "l.township_code = r.township_code and l.birth_date = r.birth_date",
    "l.address = r.address",
]


def settings(link_type: str, *, prior: float) -> dict[str, Any]:
    """Splink settings for ``link_type`` (dedupe_only | link_only | link_and_dedupe)."""
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in BLOCKING_RULES],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": ["source"],
    }
