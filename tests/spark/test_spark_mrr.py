"""MRR movements on Spark (windows, and the months-covered spread's join on an inequality):
equal to DuckDB's on the same charges."""

from __future__ import annotations

from spark_support import assert_same

from growthkit.subscriptions.mrr import check_balance, mrr_movements

COLUMNS = {"customer_col": "customer", "date_col": "day", "amount_col": "amount"}


def test_mrr_movements_equal_duckdb(tables):
    duck, spark = tables
    expected = mrr_movements(duck, **COLUMNS)
    assert len(expected) >= 20 and expected["churn"].sum() > 0
    got = mrr_movements(spark, **COLUMNS)
    check_balance(got)
    assert_same(got, expected)


def test_mrr_movements_spreading_long_charges_equal_duckdb(tables):
    duck, spark = tables
    kw = {**COLUMNS, "months_covered_col": "months"}
    expected = mrr_movements(duck, **kw)
    assert not expected.equals(mrr_movements(duck, **COLUMNS))  # the spread changes months
    assert_same(mrr_movements(spark, **kw), expected)
