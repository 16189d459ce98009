"""Money is integer fen (分) in storage and batch and ``Decimal`` in online code.

The one rounding rule (DESIGN.md §5): an amount is computed exactly (as a ``Decimal`` or an exact
integer ratio) and rounded to the fen **half-up** (四舍五入) once, at the end. Floats never touch
an amount that is paid.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NewType

Fen = NewType("Fen", int)
"""An amount in fen (1 yuan = 100 fen)."""

FEN_PER_YUAN = 100
# ASCII digits only: ``\d`` would also accept Arabic-Indic and other Unicode digits.
_YUAN_RE = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
_ONE_FEN = Decimal("0.01")


class MoneyFormatError(ValueError):
    """A text amount is not yuan with at most two decimals."""


def parse_yuan(text: str) -> Fen:
    """Parse a contract amount ("1234.5", "1,234.50", "１２３") into fen; reject >2 decimals.

    Thousands separators and full-width digits are tolerated because Excel exports them;
    anything else (currency signs, three decimals, exponents) is an error, never a guess.
    """
    cleaned = text.strip().replace(",", "").replace("，", "")
    cleaned = cleaned.translate(_FULLWIDTH_DIGITS)
    if not _YUAN_RE.fullmatch(cleaned):
        raise MoneyFormatError(f"not a yuan amount with at most 2 decimals: {text!r}")
    return Fen(int((Decimal(cleaned) * FEN_PER_YUAN).to_integral_exact()))


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


def yuan(value: Decimal | int | str) -> Decimal:
    """A ``Decimal`` yuan amount from exact input; floats are refused on purpose."""
    if isinstance(value, float):  # pragma: no cover - guarded by typing, kept for callers without it
        raise TypeError("floats never represent money; pass str, int or Decimal")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise MoneyFormatError(f"not an amount: {value!r}") from exc


def round_fen(amount_yuan: Decimal) -> Decimal:
    """Round a yuan ``Decimal`` to the fen, half-up: the project's one rounding rule."""
    return amount_yuan.quantize(_ONE_FEN, rounding=ROUND_HALF_UP)


def to_fen(amount_yuan: Decimal) -> Fen:
    """Yuan ``Decimal`` → fen, rounding half-up if it has more than two decimals."""
    return Fen(int(round_fen(amount_yuan) * FEN_PER_YUAN))


def to_yuan(fen: int) -> Decimal:
    """Fen → exact yuan ``Decimal`` with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_ONE_FEN)


def div_round_half_up(numerator: int, denominator: int) -> int:
    """Exact integer division rounded half-up (away from zero on .5), as SQL batch code does it.

    Used when a fen amount is multiplied by a ratio in basis points: ``fen * bp / 10000``.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def format_yuan(fen: int) -> str:
    """Human format with thousands separators: 1234567 fen → '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"
