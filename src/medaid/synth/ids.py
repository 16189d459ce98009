"""Vectorised GB 11643 ID numbers for a whole county at once (``domain.idnumber`` does one at a time).

The rules are the domain's; ``tests/unit/synth/test_ids.py`` checks both agree.
"""

from __future__ import annotations

import numpy as np

from medaid.domain.regions import PROVINCE_PREFIXES

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"), dtype=object)


def make_ids(regions: np.ndarray, births: np.ndarray, seqs: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    """ID numbers from region codes (str), birth dates (datetime64[D]), sequences 0-499 and sex.

    The 3-digit sequence is ``seq*2+1`` for men and ``seq*2`` for women (odd = male), as
    ``domain.idnumber.make`` does.
    """
    ymd = np.datetime_as_string(births.astype("datetime64[D]"), unit="D").astype(object)
    seq3 = seqs.astype(np.int64) * 2 + (sexes == "M").astype(np.int64)
    first17 = [
        f"{r}{d[0:4]}{d[5:7]}{d[8:10]}{s:03d}" for r, d, s in zip(regions, ymd, seq3, strict=True)
    ]
    return np.array([f + c for f, c in zip(first17, check_chars(first17), strict=True)], dtype=object)


def check_chars(first17: list[str]) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters for many 17-digit strings."""
    if not first17:
        return np.array([], dtype=object)
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    return np.asarray(_CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11])


def wrong_check_char(id_number: str) -> str:
    """The same number with a different, wrong check character (the commonest typing fault)."""
    right = id_number[17]
    options = "0123456789X"
    shift = 1 + int(id_number[16]) % 10  # 1..10, never a full turn of 11
    return id_number[:17] + options[(options.index(right) + shift) % 11]


_CHECK_CODES = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PREFIXES = np.array(sorted(int(p) for p in PROVINCE_PREFIXES))


def valid_mask(values: np.ndarray) -> np.ndarray:
    """True where a value is a valid ID number: the rules of ``domain.idnumber.find_problem``
    (18 characters, digits with a final X allowed, province prefix, real birth date 1880..today,
    MOD 11-2 check) applied to a whole column at once. Values are taken as written (no trimming)."""
    arr = np.asarray(values, dtype=object)
    out = np.zeros(len(arr), dtype=bool)
    is_18 = np.fromiter((isinstance(v, str) and len(v) == 18 and v.isascii() for v in arr), dtype=bool, count=len(arr))
    cand = np.flatnonzero(is_18)
    if len(cand) == 0:
        return out
    mat = np.frombuffer(arr[cand].astype("S18").tobytes(), dtype=np.uint8).reshape(-1, 18)
    d = mat[:, :17].astype(np.int64) - 48
    ok = ((d >= 0) & (d <= 9)).all(axis=1)
    last = mat[:, 17]
    ok &= ((last >= 48) & (last <= 57)) | (last == ord("X"))
    ok &= np.isin(d[:, 0] * 10 + d[:, 1], _PREFIXES)
    y = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    m = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_len = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(m, 0, 12)] + ((m == 2) & leap)
    ok &= (m >= 1) & (m <= 12) & (day >= 1) & (day <= month_len) & (y >= 1880)
    today = np.datetime64("today", "D").astype(object)
    ok &= (y * 10000 + m * 100 + day) <= today.year * 10000 + today.month * 100 + today.day
    ok &= _CHECK_CODES[(np.clip(d, 0, 9) @ _WEIGHTS) % 11] == last
    out[cand] = ok
    return out
