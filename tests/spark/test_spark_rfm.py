"""rfm_summary, the holdout and the tracking counts on Spark: equal to DuckDB's on the same
orders (tests/spark/conftest.py has the shared local Spark session)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
from spark_support import assert_same

from growthkit.clv import fit, tracking_data, validate_holdout
from growthkit.data import parse_dates, validate_orders
from growthkit.rfm import rfm_summary

COLUMNS = {"customer_col": "customer", "date_col": "day", "amount_col": "amount"}


def test_rfm_summary_equals_duckdb(tables):
    duck, spark = tables
    expected = rfm_summary(duck, **COLUMNS)
    assert (expected["frequency"] > 0).sum() > 50  # repeat buyers, so monetary values count
    assert_same(rfm_summary(spark, **COLUMNS), expected)


def test_holdout_summary_and_validation_equal_duckdb(tables):
    duck, spark = tables
    kw = {**COLUMNS, "time_unit": "weeks", "calibration_end": "2024-06-30"}
    expected = rfm_summary(duck, **kw)
    assert expected["frequency_holdout"].sum() > 20
    got = rfm_summary(spark, **kw)
    assert_same(got, expected)
    model = fit(expected, "bgnbd", time_unit="weeks")
    assert_same(validate_holdout(model, got).by_frequency,
                validate_holdout(model, expected).by_frequency)


def test_tracking_counts_equal_duckdb(tables):
    duck, spark = tables
    on_duck = validate_orders(duck, "customer", "day", "amount", quality=False)
    model = fit(rfm_summary(on_duck, time_unit="weeks", calibration_end="2024-06-30"), "bgnbd",
                time_unit="weeks")
    kw = {"time_unit": "weeks", "calibration_end": "2024-06-30"}
    expected = tracking_data(model, on_duck, **kw)
    on_spark = validate_orders(spark, "customer", "day", "amount", quality=False)
    assert on_spark.last_day == on_duck.last_day
    assert expected["actual"].iloc[-1] > 20
    assert_same(tracking_data(model, on_spark, **kw), expected)


def test_offset_timestamps_fall_on_the_local_day_as_on_duckdb(tables):
    """Spark converts with from_utc_timestamp in the expression (growthkit.data.dates)."""
    duck, spark = tables
    kw = {"customer_col": "customer", "date_col": "stamp", "amount_col": "amount",
          "timezone": "America/New_York", "calibration_end": "2024-06-30"}
    assert_same(rfm_summary(spark, **kw), rfm_summary(duck, **kw))


def test_offset_timestamp_near_midnight_converts_on_spark(spark, spark_con):
    frame = pd.DataFrame({"stamp": ["2024-01-02T03:30:00+00:00", "2024-01-01T23:30:00-05:00",
                                    "2024-01-01T22:00:00"]})
    spark.createDataFrame(frame).createOrReplaceTempView("stamps")
    spark_table = spark_con.table("stamps")
    days = spark_table.select(day=parse_dates(spark_table, "stamp", "America/New_York"))
    # 03:30 UTC and 23:30 at -05:00 are both 22:30 / 23:30 on Jan 1 in New York; a naive
    # timestamp is wall-clock time already.
    got = [pd.Timestamp(d).date() for d in days.to_pandas()["day"]]
    assert got == [dt.date(2024, 1, 1)] * 3


def test_line_items_and_missing_customers_equal_duckdb(spark_con, tmp_path):
    """Orders of several lines with quantities, returns and rows without a customer: the same
    counts, exact money sums and summary on Spark (portable Ibis: nunique, DECIMAL casts)."""
    from spark_support import make_orders

    lines = make_orders(seed=5, customers=120)
    lines["order"] = lines["customer"] + "/" + lines["day"]  # a customer-day's lines: one order
    lines.loc[lines.index % 17 == 0, "customer"] = None
    lines.loc[lines.index % 23 == 0, "customer"] = " "
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path, index=False)
    kw = {"customer_col": "customer", "date_col": "day", "amount_col": "amount",
          "order_col": "order", "quantity_col": "months", "today": dt.date(2025, 6, 1)}
    duck = validate_orders(ibis.duckdb.connect().read_parquet(path), **kw)
    spark = validate_orders(spark_con.read_parquet(str(path)), **kw)
    assert duck.quality.rows_without_customer > 10
    assert (spark.orders, spark.lines, spark.customers) == (duck.orders, duck.lines,
                                                             duck.customers)
    assert spark.revenue == duck.revenue  # exact sums: the same bits on both engines
    assert spark.quality.to_dict() == duck.quality.to_dict()
    assert_same(rfm_summary(spark, calibration_end="2024-06-30"),
                rfm_summary(duck, calibration_end="2024-06-30"))
