"""Units of time, defined once for every module that converts days."""

from __future__ import annotations

from growthkit.validation import check_option

__all__ = ["DAYS_PER_MONTH", "TIME_UNITS", "check_time_unit"]

#: Days in an average month (365.25 / 12); lifetimes uses 30.
DAYS_PER_MONTH = 365.25 / 12
#: Days per unit of time: weeks are days/7 and months are days/(365.25/12), as fractions.
TIME_UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH}


def check_time_unit(time_unit: str) -> None:
    """Raise unless ``time_unit`` is one of :data:`TIME_UNITS`, listing them."""
    check_option("time_unit", time_unit, list(TIME_UNITS))
