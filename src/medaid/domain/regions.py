"""Administrative region codes (GB/T 2260, 6 digits) and township codes (9 digits)."""

from __future__ import annotations

# Province-level prefixes of GB/T 2260 (incl. Taiwan 71, Hong Kong 81, Macao 82).
PROVINCE_PREFIXES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    }
)


def is_plausible_region(code: str) -> bool:
    """Six digits under a real province prefix. The full code list changes yearly, so we do not
    reject unknown counties: a wrong county is caught by reconciliation, not by the loader."""
    return len(code) == 6 and code.isdigit() and code[:2] in PROVINCE_PREFIXES


def is_township_code(code: str) -> bool:
    """Nine digits whose first six are a plausible region (county) code."""
    return len(code) == 9 and code.isdigit() and is_plausible_region(code[:6])


def county_of(township_code: str) -> str:
    """The county (six-digit region) that a township belongs to."""
    return township_code[:6]
