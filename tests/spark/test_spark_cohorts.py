"""The cohort table's aggregation on Spark: equal to DuckDB's on the same orders."""

from __future__ import annotations

import pandas as pd
from spark_support import assert_same

from growthkit.cohorts.table import build_cohorts

COLUMNS = {"customer_col": "customer", "date_col": "day", "amount_col": "amount"}


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_monthly_cohorts_equal_duckdb(tables):
    duck, spark = tables
    expected, got = build_cohorts(duck, **COLUMNS), build_cohorts(spark, **COLUMNS)
    assert expected.unassigned["refund_only_amount"] <= -20.0  # customers with refunds only
    assert got.unassigned == expected.unassigned
    assert_same(_sorted(got.grid, ["cohort", "k"]), _sorted(expected.grid, ["cohort", "k"]))
    assert_same(_sorted(got.sizes, ["cohort"]), _sorted(expected.sizes, ["cohort"]))
    table = expected.table()
    assert table.ages > 12 and (table.active[:, 1:] > 0).any()  # retention to compare


def test_weekly_cohorts_by_segment_with_margins_equal_duckdb(tables):
    duck, spark = tables
    kw = {**COLUMNS, "period": "week", "segment_col": "channel", "margin_col": "margin"}
    expected, got = build_cohorts(duck, **kw), build_cohorts(spark, **kw)
    keys = ["cohort", "k", "channel"]
    assert set(expected.grid["channel"]) == {"ads", "search", "friends"}
    assert_same(_sorted(got.grid, keys), _sorted(expected.grid, keys))
    assert_same(_sorted(got.sizes, ["cohort", "channel"]),
                _sorted(expected.sizes, ["cohort", "channel"]))
