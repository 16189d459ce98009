"""Working days (工作日) on the official PRC calendar, including make-up workdays (调休上班).

Deadlines in medaid are counted in working days: red warnings are verified within 3, decisions are
notified within 10, payouts happen within 20 (seeds 000 and 003). The calendar comes from
``chinesecalendar``, which knows the State Council holiday notices for a range of years; outside
that range we fall back to Monday–Friday and say so with a ``CalendarFallbackWarning`` (once per
year), because a silent fallback would move a legal deadline without anyone noticing.

Counting rule: ``add_workdays(start, n)`` is the n-th working day *after* ``start`` (the start day
itself never counts, as in "within 3 working days of receipt"); ``workdays_between(a, b)`` counts
working days in the half-open interval (a, b], so ``workdays_between(a, add_workdays(a, n)) == n``.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

__all__ = [
    "CalendarFallbackWarning",
    "add_workdays",
    "calendar_known",
    "is_workday",
    "known_years",
    "workdays_between",
]

_ONE_DAY = timedelta(days=1)


class CalendarFallbackWarning(UserWarning):
    """The official calendar for this year is not known; Monday–Friday was used instead."""


@lru_cache(maxsize=1)
def known_years() -> tuple[int, int]:
    """First and last year the installed ``chinesecalendar`` has official holiday data for."""
    holidays = list(chinese_calendar.holidays)
    return min(holidays).year, max(holidays).year


def calendar_known(year: int) -> bool:
    """True when working days of ``year`` follow the official notice, not the Mon–Fri fallback."""
    first, last = known_years()
    return first <= year <= last


@lru_cache(maxsize=64)
def _warn_fallback(year: int) -> None:
    first, last = known_years()
    warnings.warn(
        f"{year} 年官方节假日安排未知，按周一至周五计算工作日 / official holiday calendar for {year} "
        f"is unknown (chinesecalendar knows {first}–{last}); using Monday–Friday. Upgrade "
        "chinesecalendar when the State Council publishes the notice.",
        CalendarFallbackWarning,
        stacklevel=3,
    )


def is_workday(d: date) -> bool:
    """Whether ``d`` is an official working day (make-up Saturdays/Sundays count as working)."""
    if calendar_known(d.year):
        return bool(chinese_calendar.is_workday(d))
    _warn_fallback(d.year)
    return d.weekday() < 5


def add_workdays(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``n`` < 0 counts back; ``n`` == 0 returns ``start``)."""
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    d = start
    while remaining:
        d += step
        if is_workday(d):
            remaining -= 1
    return d


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]; negative when ``b`` is before ``a`` (then counts (b, a])."""
    if b < a:
        return -workdays_between(b, a)
    count = 0
    d = a
    while d < b:
        d += _ONE_DAY
        if is_workday(d):
            count += 1
    return count
