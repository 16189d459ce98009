"""Administrative region codes (GB/T 2260, 6 digits), township codes (9 digits) and township names."""

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


# Township names (乡镇名称) by code, shown beside the code on the pages (the data contract carries codes
# only). These are Wenshang's (汶上县, 370830, seed 002) real 2 streets (街道), 12 towns (镇) and
# 1 township (乡) under GB/T 10114-pattern codes (county + 001-099 streets, 100-199 towns, 200-299
# xiang), where the synthetic county places its people. The codes are the pattern's, not necessarily
# the official ones, which is why a page always shows the code too; a code not listed has no name.
TOWNSHIP_NAMES: dict[str, str] = {
    "370830001": "汶上街道",
    "370830002": "中都街道",
    "370830100": "南站镇",
    "370830101": "南旺镇",
    "370830102": "次丘镇",
    "370830103": "寅寺镇",
    "370830104": "郭楼镇",
    "370830105": "康驿镇",
    "370830106": "苑庄镇",
    "370830107": "义桥镇",
    "370830108": "杨店镇",
    "370830109": "郭仓镇",
    "370830110": "白石镇",
    "370830111": "刘楼镇",
    "370830200": "军屯乡",
}
