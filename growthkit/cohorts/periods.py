"""Calendar periods: months and ISO weeks as integers, in the engine and in Python.

A period is numbered so that period c + k is k periods after period c: months count from year 0
(``year × 12 + month − 1``), ISO weeks count the Mondays since 1970-01-05. The same numbering is
computed by an Ibis expression (portable: ``year``, ``month``, ``delta``) and in Python, and
labelled ``YYYY-MM`` or ``YYYY-Www`` (the ISO year and week of the period's Monday).
"""

from __future__ import annotations

import datetime as _dt

import ibis
import ibis.expr.types as ir

from growthkit.validation import check_option

__all__ = [
    "PERIODS",
    "check_period",
    "last_complete",
    "period_end",
    "period_expr",
    "period_label",
    "period_of",
    "period_start",
]

#: The calendar periods a cohort report counts in.
PERIODS = ("month", "week")
_MONDAY = _dt.date(1970, 1, 5)  # the first Monday of 1970: week 0


def check_period(period: str) -> None:
    """Raise unless ``period`` is ``"month"`` or ``"week"``, listing them."""
    check_option("period", period, PERIODS)


def period_expr(day: ir.DateValue, period: str) -> ir.IntegerValue:
    """The period number of a date column, as an Ibis expression (runs in the engine).

    Parameters
    ----------
    day : ibis DateValue
        Calendar days (already in the report's time zone).
    period : {"month", "week"}

    Returns
    -------
    ibis IntegerValue
        ``year × 12 + month − 1`` for months; whole weeks since Monday 1970-01-05 for weeks.
    """
    check_period(period)
    if period == "month":
        return (day.year() * 12 + day.month() - 1).cast("int64")
    days = day.delta(ibis.literal(_MONDAY), unit="day")
    return (days / 7).floor().cast("int64")


def period_of(day: _dt.date, period: str) -> int:
    """The period number of a date, in Python (the same numbering as :func:`period_expr`)."""
    check_period(period)
    if period == "month":
        return day.year * 12 + day.month - 1
    return (day - _MONDAY).days // 7


def period_start(number: int, period: str) -> _dt.date:
    """The first day of period ``number``."""
    if period == "month":
        return _dt.date(number // 12, number % 12 + 1, 1)
    return _MONDAY + _dt.timedelta(days=7 * int(number))


def period_end(number: int, period: str) -> _dt.date:
    """The last day of period ``number``."""
    return period_start(number + 1, period) - _dt.timedelta(days=1)


def period_label(number: int, period: str) -> str:
    """``2023-01`` for a month, ``2023-W05`` for an ISO week (ISO year of its Monday)."""
    if period == "month":
        return f"{number // 12:04d}-{number % 12 + 1:02d}"
    year, week, _ = period_start(number, period).isocalendar()
    return f"{year:04d}-W{week:02d}"


def last_complete(day: _dt.date, period: str) -> int:
    """The last period that has ended on or before ``day``."""
    p = period_of(day, period)
    return p if period_end(p, period) <= day else p - 1
