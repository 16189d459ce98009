"""Month arithmetic of review cycles and follow-ups."""

from __future__ import annotations

from datetime import date

from medaid.identify.manage import add_months, period_end


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 6, 30), 6) == date(2026, 12, 30)


def test_period_end_of_quarter_half_year_and_year() -> None:
    assert period_end(date(2026, 5, 10), 3) == date(2026, 6, 30)
    assert period_end(date(2026, 5, 10), 6) == date(2026, 6, 30)
    assert period_end(date(2026, 7, 1), 6) == date(2026, 12, 31)
    assert period_end(date(2026, 2, 1), 12) == date(2026, 12, 31)
    assert period_end(date(2026, 2, 1), 1) == date(2026, 2, 28)
