"""Working days follow the official calendar: holidays skipped, make-up weekends counted."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medaid.domain.workdays import (
    CalendarFallbackWarning,
    add_workdays,
    calendar_known,
    is_workday,
    known_years,
    workdays_between,
)


def test_make_up_weekend_is_a_workday() -> None:
    # 2026 Spring Festival: Sat 14 Feb and Sat 28 Feb are make-up workdays (调休上班).
    assert is_workday(date(2026, 2, 14))
    assert is_workday(date(2026, 2, 28))
    assert is_workday(date(2026, 1, 4))  # Sunday after New Year


def test_weekday_holiday_is_not_a_workday() -> None:
    assert not is_workday(date(2026, 2, 16))  # Monday in the Spring Festival break
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 2, 15))  # ordinary Sunday inside the break


def test_three_working_days_across_spring_festival() -> None:
    # Friday 13 Feb 2026 + 3 working days: Sat 14 (make-up), then the break 15–23, Tue 24, Wed 25.
    assert add_workdays(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_ten_working_days_across_national_day_2025() -> None:
    # 2025-09-26 (Fri): Sun 28 Sep make-up, Mon 29, Tue 30, break 1–8 Oct, Thu 9, Fri 10, Sat 11
    # (make-up), Mon 13, Tue 14, Wed 15, Thu 16 → the 10th working day is 16 Oct.
    assert add_workdays(date(2025, 9, 26), 10) == date(2025, 10, 16)


def test_zero_and_negative() -> None:
    d = date(2026, 3, 2)
    assert add_workdays(d, 0) == d
    assert add_workdays(date(2026, 2, 25), -3) == date(2026, 2, 13)
    assert workdays_between(date(2026, 2, 25), date(2026, 2, 13)) == -3


def test_fallback_outside_known_years_warns_and_uses_monday_to_friday() -> None:
    _first, last = known_years()
    year = last + 5
    assert not calendar_known(year)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from medaid.domain import workdays

        workdays._warn_fallback.cache_clear()
        saturday = date(year, 1, 1) + timedelta(days=(5 - date(year, 1, 1).weekday()) % 7)
        assert not is_workday(saturday)
        assert is_workday(saturday + timedelta(days=2))
    assert any(issubclass(w.category, CalendarFallbackWarning) for w in caught)


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 30)),
    n=st.integers(min_value=0, max_value=40),
)
def test_between_inverts_add(start: date, n: int) -> None:
    end = add_workdays(start, n)
    assert workdays_between(start, end) == n
    assert n == 0 or is_workday(end)


@given(
    a=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    b=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
)
def test_between_is_antisymmetric(a: date, b: date) -> None:
    assert workdays_between(a, b) == -workdays_between(b, a)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_year_has_plausible_number_of_workdays(year: int) -> None:
    n = workdays_between(date(year - 1, 12, 31), date(year, 12, 31))
    assert 245 <= n <= 252
