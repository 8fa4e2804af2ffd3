"""growthkit.data.orders: one validation pass, what it finds, and the data-quality report."""

from __future__ import annotations

import datetime as dt
import re

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from growthkit import data, rfm_summary
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates


class QueryCounter:
    """Counts the queries DuckDB runs for ibis (every execution goes through one method)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import ibis.backends.duckdb as duck

        self.count = 0
        original = duck.Backend._to_duckdb_relation

        def counted(backend, *args, **kwargs):
            self.count += 1
            return original(backend, *args, **kwargs)

        monkeypatch.setattr(duck.Backend, "_to_duckdb_relation", counted)


def test_missing_column_lists_existing(small_orders):
    with pytest.raises(GrowthkitError, match=r"'customer_id' missing.*'cust', 'when', 'value'"):
        data.orders(small_orders)


def test_non_numeric_amount_shows_example(small_orders):
    bad = small_orders.assign(value=["10", "5", "n/a", "0", "20"])
    with pytest.raises(GrowthkitError, match=r"amount column 'value' has 1 non-numeric.*'n/a'"):
        data.orders(bad, customer_col="cust", date_col="when", amount_col="value")


def test_numeric_strings_are_accepted(small_orders):
    ok = small_orders.assign(value=["10", "5", "7.5", "0", "20"])
    found = data.validate_orders(ok, customer_col="cust", date_col="when", amount_col="value")
    assert found.revenue == 42.5


def test_empty_values_are_reported(small_orders):
    bad = small_orders.assign(when=["2024-01-05", None, "2024-02-01", "2024-03-10", "2024-03-01"])
    with pytest.raises(GrowthkitError, match=r"column 'when' has 1 empty value"):
        data.orders(bad, customer_col="cust", date_col="when")


def _orders(**columns) -> pd.DataFrame:
    base = {
        "customer_id": ["a", "a", "b", "c", "c"],
        "date": ["2024-01-05", "2024-01-20", "2024-02-01", "2024-03-10", "2024-03-12"],
        "amount": [10.0, 5.0, 7.5, 0.0, 20.0],
    }
    return pd.DataFrame(base | columns)


def test_validated_orders_carry_what_the_pass_found():
    found = data.validate_orders(_orders(), amount_col="amount", today=dt.date(2025, 1, 1))
    assert (found.orders, found.customers) == (5, 3)
    assert (found.first_day, found.last_day) == (dt.date(2024, 1, 5), dt.date(2024, 3, 12))
    assert found.revenue == pytest.approx(42.5, abs=1e-12)
    assert found.quality.zero_amount_orders == 1
    assert found.quality.warnings() == [
        "1 order has an amount of 0; it counts as a purchase."
    ]
    assert found.describe() == data.describe_orders(found.table)


def test_clean_validation_is_one_query(monkeypatch):
    counter = QueryCounter(monkeypatch)
    found = data.validate_orders(_orders(), amount_col="amount")
    assert counter.count == 1
    rfm_summary(found)  # no re-validation: one aggregation query
    assert counter.count == 2
    data.validate_orders(found)  # an Orders is returned as it is
    assert counter.count == 2


def test_future_and_stray_dates_are_excluded_and_reported():
    # A typo such as 2205 must not move every forecast to "the months after 2205-01-01".
    rng = np.random.default_rng(7)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 3000), unit="D")
    df = pd.DataFrame({
        "customer_id": rng.integers(0, 500, 3000),
        "date": days.strftime("%Y-%m-%d"),
        "amount": rng.gamma(2.0, 20.0, 3000),
    })
    typo_future = pd.DataFrame({"customer_id": [1], "date": ["2205-01-01"], "amount": [10.0]})
    typo_past = pd.DataFrame({"customer_id": [2], "date": ["2026-06-01"], "amount": [10.0]})
    found = data.validate_orders(
        pd.concat([df, typo_future, typo_past]), amount_col="amount", today=dt.date(2026, 11, 23)
    )
    assert found.quality.future_orders == 1
    assert found.quality.stray_orders == 1
    assert found.quality.excluded_example == "2205-01-01"
    assert found.orders == 3000
    assert found.last_day == days.max().date()
    assert found.table.order_date.max().execute() == days.max()
    assert any("dated after today (November 23, 2026)" in w for w in found.quality.warnings())


def test_stray_rule_leaves_a_normal_tail_alone():
    days = pd.date_range("2020-01-01", "2024-12-31", freq="D")
    df = pd.DataFrame({"customer_id": np.arange(len(days)) % 97, "date": days})
    found = data.validate_orders(df, today=dt.date(2026, 1, 1))
    assert (found.quality.stray_orders, found.quality.future_orders) == (0, 0)
    assert found.last_day == dt.date(2024, 12, 31)


def test_duplicates_refunds_and_zero_amounts_are_counted():
    df = _orders()
    df = pd.concat([df, df.iloc[[0, 1]]], ignore_index=True)  # two exact duplicates
    df.loc[len(df)] = ["b", "2024-02-01", -7.5]  # a same-day refund
    df.loc[len(df)] = ["c", "2024-03-20", -5.0]  # a refund on a day without purchases
    found = data.validate_orders(df, amount_col="amount", today=dt.date(2025, 1, 1))
    q = found.quality
    assert (q.rows, q.duplicate_rows, q.refunds, q.zero_amount_orders) == (9, 2, 2, 1)
    assert q.refund_total == pytest.approx(-12.5, abs=1e-12)
    assert q.to_dict()["warnings"] == q.warnings() and len(q.warnings()) == 3
    summary = rfm_summary(found)
    # b's refund nets to 0 on 2024-02-01 (still a purchase day); c's refund-only day is not one
    assert summary.loc["b", "frequency"] == 0 and summary.loc["c", "frequency"] == 1
    assert summary.loc["c", "recency"] == 2.0  # 2024-03-10 -> 2024-03-12
    assert summary.loc["c", "monetary_value"] == pytest.approx(20.0, abs=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e308])
def test_non_finite_amounts_are_rejected_naming_the_column(bad):
    df = _orders(amount=[10.0, bad, 7.5, 0.0, 20.0])
    if np.isnan(bad):  # NaN in a float column is read as an empty value
        match = r"column 'amount' has 1 empty value"
    else:
        match = r"amount column 'amount' has 1 value\(s\) that are not finite or beyond"
    with pytest.raises(GrowthkitError, match=match):
        data.validate_orders(df, amount_col="amount")


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e308"])
def test_non_finite_amount_text_is_rejected(text):
    df = _orders(amount=["10", text, "7.5", "0", "20"])
    match = r"amount column 'amount' has 1 value\(s\) that are not"
    with pytest.raises(GrowthkitError, match=match):
        data.validate_orders(df, amount_col="amount")


def test_only_future_orders_is_an_error():
    df = _orders(date=["2999-01-01"] * 5)
    with pytest.raises(GrowthkitError, match=r"no orders dated on or before today"):
        data.validate_orders(df)


def test_column_arguments_must_be_names():
    with pytest.raises(TypeError, match=r"customer_col must be a column name \(str\); found 3"):
        data.validate_orders(_orders(), customer_col=3)


def test_light_validation_skips_the_hash_aggregates_but_not_the_checks():
    found = data.validate_orders(_orders(), amount_col="amount", quality=False)
    assert found.customers is None and found.quality.duplicate_rows is None
    assert found.describe()["customers"] == 3  # computed by a query instead
    assert "customers" not in repr(found)
    with pytest.raises(GrowthkitError, match="not dates"):
        data.validate_orders(_orders(date=["x"] * 5), quality=False)
    future = _orders(date=["2024-01-05"] * 4 + ["2999-01-01"])
    assert data.validate_orders(future, quality=False).quality.future_orders == 1


def test_a_thin_real_tail_is_not_taken_for_typos():
    # 98.5% of orders in 2020, then 1.5% spread over 2022-2024: real, if thin, so kept.
    rng = np.random.default_rng(3)
    bulk = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 366, 985), unit="D")
    tail = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 1000, 15), unit="D")
    df = pd.DataFrame({"customer_id": rng.integers(0, 50, 1000), "date": bulk.append(tail)})
    found = data.validate_orders(df, today=dt.date(2026, 1, 1))
    assert found.quality.stray_orders == 0
    assert found.last_day == tail.max().date()


def test_kept_columns_travel_with_the_orders():
    df = _orders(channel=["ads", "ads", "email", "seo", "seo"])
    found = data.validate_orders(df, amount_col="amount", keep=["channel"])
    assert found.table.columns == ("customer_id", "order_date", "amount", "channel")
    assert sorted(found.table.channel.execute()) == ["ads", "ads", "email", "seo", "seo"]
    assert data.validate_orders(found, keep=["channel"]) is found
    with pytest.raises(GrowthkitError, match=r"'region' was not kept"):
        data.validate_orders(found, keep=["region"])
    with pytest.raises(GrowthkitError, match=r"Required column 'region' missing"):
        data.validate_orders(df, keep=["region"])


def test_data_quality_warnings_are_written_in_the_report_language() -> None:
    from growthkit.data.orders import DataQuality

    quality = DataQuality(
        rows=100, future_orders=3, stray_orders=0, excluded_example="2205-01-01",
        duplicate_rows=2, refunds=1, refund_total=-5.0, zero_amount_orders=0,
        today="2026-11-23",
    )
    english, arabic = quality.warnings(), quality.warnings("ar")
    assert english[0].startswith("3 orders are dated after today (November 23, 2026)")
    assert english[2].startswith("1 order has a negative amount (a refund, -5.00 in total)")
    assert len(arabic) == len(english) == 3
    assert all(re.search("[\u0600-\u06ff]", w) for w in arabic)
    assert not any(re.search("[A-Za-z]{3,}", strip_isolates(w)) for w in arabic)
    assert "\u20682205-01-01\u2069" in arabic[0]  # the data's date, isolated


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, 2e15])
def test_non_finite_numeric_amounts_are_rejected(bad):
    # Numeric amounts are checked through their sum and largest size; the rows are then counted.
    # Numeric amounts are checked through their sum and largest size; the rows are then counted.
    df = _orders()
    table = ibis.memtable(pa.table({  # NaN stays NaN here: pandas would make it a missing value
        "customer_id": df["customer_id"].tolist(), "date": df["date"].tolist(),
        "amount": pa.array(np.array([10.0, bad, 7.5, 0.0, 20.0])),
    }))
    match = r"amount column 'amount' has 1 value\(s\) that are not finite or beyond"
    with pytest.raises(GrowthkitError, match=match):
        data.validate_orders(table, amount_col="amount", quality=False)


def test_timestamp_columns_take_the_days_of_their_extremes():
    df = _orders(date=pd.to_datetime(["2024-01-01 23:59", "2024-01-02 00:01", "2024-03-05 12:00",
                                      "2024-03-05 18:00", "2024-02-01 08:00"]))
    found = data.validate_orders(df, amount_col="amount", today=dt.date(2024, 6, 1))
    assert (found.first_day, found.last_day) == (dt.date(2024, 1, 1), dt.date(2024, 3, 5))
    assert found.orders == 5 and found.quality.future_orders == 0


def test_future_orders_are_counted_by_a_second_query_only_when_present(monkeypatch):
    df = _orders(date=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-03-05", "2024-09-01",
                                      "2024-02-01"]), amount=[10.0, -4.0, 7.5, 100.0, 0.0])
    queries = QueryCounter(monkeypatch)
    found = data.validate_orders(df, amount_col="amount", today=dt.date(2024, 6, 1),
                                 quality=False)
    assert queries.count == 2
    assert found.quality.future_orders == 1 and found.quality.excluded_example == "2024-09-01"
    assert (found.orders, found.last_day, found.revenue) == (4, dt.date(2024, 3, 5), 13.5)
    assert (found.quality.refunds, found.quality.refund_total) == (1, -4.0)
    assert found.quality.zero_amount_orders == 1
    assert sorted(found.table.order_date.execute().dt.month) == [1, 1, 2, 3]
    queries.count = 0
    data.validate_orders(df, amount_col="amount", today=dt.date(2025, 1, 1), quality=False)
    assert queries.count == 1
