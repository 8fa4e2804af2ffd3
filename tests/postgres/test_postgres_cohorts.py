"""The cohort table's aggregation on a real PostgreSQL server, through a ``postgresql://``
URL: equal to DuckDB's on the same orders (a DataFrame)."""

from __future__ import annotations

import pandas as pd
import pytest
from postgres_support import TIMEZONE, assert_same

from growthkit.cohorts import build_cohorts

COLUMNS = {"customer_col": "customer", "date_col": "ordered_at", "amount_col": "amount",
           "timezone": TIMEZONE}


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize(
    "options",
    [{}, {"period": "week", "segment_col": "channel", "margin_col": "margin",
          "observation_end": "2024-11-30"}],
    ids=["monthly", "weekly-by-channel-with-margins"],
)
def test_cohorts_equal_duckdb(orders_url, orders_frame, options):
    expected = build_cohorts(orders_frame, **COLUMNS, **options)
    got = build_cohorts(orders_url, **COLUMNS, **options)
    assert expected.unassigned["refund_only_amount"] <= -20.0  # customers with refunds only
    assert got.unassigned == pytest.approx(expected.unassigned, rel=1e-9, abs=0)
    keys = ["cohort", "k", *expected.segment_cols]
    assert_same(_sorted(got.grid, keys), _sorted(expected.grid, keys))
    sizes = ["cohort", *expected.segment_cols]
    assert_same(_sorted(got.sizes, sizes), _sorted(expected.sizes, sizes))
    assert (got.last_period, got.observation_end) == (expected.last_period,
                                                      expected.observation_end)
    table = expected.table()
    assert table.ages > 12 and (table.active[:, 1:] > 0).any()  # retention to compare
