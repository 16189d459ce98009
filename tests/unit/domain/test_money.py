from decimal import Decimal

import pytest

from medaid.domain.money import (
    MoneyFormatError,
    div_round_half_up,
    format_yuan,
    parse_yuan,
    round_fen,
    to_fen,
    to_yuan,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("1", 100), ("1.5", 150), ("1.05", 105), ("1,234.56", 123456), ("１２.３", 1230), ("-3.2", -320)],
)
def test_parse_yuan_accepts_contract_amounts(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "1.234", "¥12", "1e3", "abc", "1.2.3", "--1"])
def test_parse_yuan_rejects_anything_else(text: str) -> None:
    with pytest.raises(MoneyFormatError):
        parse_yuan(text)


def test_rounding_is_half_up_to_the_fen() -> None:
    assert round_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_fen(Decimal("0.004999")) == Decimal("0.00")
    assert round_fen(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert to_fen(Decimal("5490.1")) == 549010
    assert to_yuan(549010) == Decimal("5490.10")


def test_integer_rounding_matches_decimal_rounding() -> None:
    # fen × basis points / 10000, as the batch SQL does it
    for fen in range(0, 20000, 7):
        for bp in (0, 1, 5000, 6500, 7000, 8000, 9000, 9999, 10000):
            expected = to_fen(Decimal(fen) * bp / Decimal(10000) / 100)
            assert div_round_half_up(fen * bp, 10000) == expected


def test_format_yuan() -> None:
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(-5) == "-0.05"
