"""growthkit.cohorts.periods: months and ISO weeks, the same in the engine and in Python."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from growthkit.cohorts.periods import (
    last_complete,
    period_end,
    period_expr,
    period_label,
    period_of,
    period_start,
)
from growthkit.errors import GrowthkitError


def test_months_count_so_that_c_plus_k_is_k_months_later():
    jan = period_of(dt.date(2023, 1, 15), "month")
    assert period_label(jan, "month") == "2023-01"
    assert period_label(jan + 11, "month") == "2023-12"
    assert period_label(jan + 13, "month") == "2024-02"
    assert period_start(jan + 13, "month") == dt.date(2024, 2, 1)
    assert period_end(jan + 13, "month") == dt.date(2024, 2, 29)  # a leap year


@pytest.mark.parametrize(
    ("day", "label", "monday"),
    [
        (dt.date(2021, 1, 3), "2020-W53", dt.date(2020, 12, 28)),  # a Sunday in ISO 2020
        (dt.date(2024, 12, 30), "2025-W01", dt.date(2024, 12, 30)),  # a Monday in ISO 2025
        (dt.date(2024, 1, 1), "2024-W01", dt.date(2024, 1, 1)),
        (dt.date(2023, 1, 1), "2022-W52", dt.date(2022, 12, 26)),
    ],
)
def test_iso_weeks_are_labelled_by_the_iso_year_of_their_monday(day, label, monday):
    week = period_of(day, "week")
    assert period_label(week, "week") == label
    assert period_start(week, "week") == monday
    assert period_end(week, "week") == monday + dt.timedelta(days=6)
    assert period_label(week + 1, "week") == (monday + dt.timedelta(days=7)).strftime("%G-W%V")


@pytest.mark.parametrize("period", ["month", "week"])
def test_the_engine_numbers_periods_as_python_does(period):
    rng = np.random.default_rng(5)
    days = pd.Timestamp("1999-12-20") + pd.to_timedelta(rng.integers(0, 12000, 400), unit="D")
    t = ibis.memtable(pd.DataFrame({"d": days.date}))
    out = t.select(p=period_expr(t.d.cast("date"), period)).to_pyarrow().to_pandas()["p"]
    assert out.tolist() == [period_of(d, period) for d in days.date]


def test_last_complete_period():
    assert period_label(last_complete(dt.date(2024, 12, 15), "month"), "month") == "2024-11"
    assert period_label(last_complete(dt.date(2024, 12, 31), "month"), "month") == "2024-12"
    assert period_label(last_complete(dt.date(2024, 1, 7), "week"), "week") == "2024-W01"
    assert period_label(last_complete(dt.date(2024, 1, 6), "week"), "week") == "2023-W52"


def test_unknown_period_lists_the_valid_ones():
    with pytest.raises(GrowthkitError, match="period='quarter' is not a valid option"):
        period_of(dt.date(2024, 1, 1), "quarter")
