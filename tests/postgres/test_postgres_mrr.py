"""MRR movements on a real PostgreSQL server, through a ``postgresql://`` URL: equal to
DuckDB's on the same charges (a DataFrame)."""

from __future__ import annotations

import pytest
from postgres_support import TIMEZONE, assert_same

from growthkit.subscriptions import check_balance, mrr_movements

COLUMNS = {"customer_col": "customer", "date_col": "ordered_at", "amount_col": "amount",
           "timezone": TIMEZONE}


@pytest.mark.parametrize("months_covered_col", [None, "months"], ids=["monthly", "spread"])
def test_mrr_movements_equal_duckdb(orders_url, orders_frame, months_covered_col):
    expected = mrr_movements(orders_frame, **COLUMNS, months_covered_col=months_covered_col)
    assert len(expected) >= 20 and expected["churn"].sum() > 0
    assert expected["reactivation"].sum() > 0 and expected["contraction"].sum() > 0
    got = mrr_movements(orders_url, **COLUMNS, months_covered_col=months_covered_col)
    check_balance(got)
    assert_same(got, expected)
