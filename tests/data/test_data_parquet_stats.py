"""Validation from Parquet row-group statistics: taken only when they settle every check.

Whether the orders were read is seen from the facts only a scan computes: ``revenue`` (summed
by a scan, None from the statistics).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from growthkit import rfm_summary
from growthkit.data import validate_orders
from growthkit.data.parquet_stats import parquet_files
from growthkit.errors import GrowthkitError

TODAY = dt.date(2025, 1, 1)


def _orders(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00")
    seconds = rng.integers(0, 300 * 86_400, n)
    return pd.DataFrame({
        "customer_id": rng.integers(0, 150, n),
        "date": start + seconds.astype("timedelta64[s]"),
        "amount": rng.gamma(2.0, 20.0, n).round(2) + 0.5,
    }).sort_values("date", ignore_index=True)


def _write(tmp_path, frame: pd.DataFrame, name: str = "orders.parquet", **kwargs) -> str:
    path = tmp_path / name
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                   row_group_size=100, **kwargs)
    return str(path)


def _validate(path: str, **kwargs):
    return validate_orders(path, "customer_id", "date", "amount", quality=False,
                           statistics=True, today=TODAY, **kwargs)


def test_clean_parquet_is_validated_from_its_statistics(tmp_path) -> None:
    frame = _orders()
    valid = _validate(_write(tmp_path, frame))
    assert valid.revenue is None  # not summed: the rows were not read
    assert valid.orders == len(frame) and valid.quality.rows == len(frame)
    assert valid.first_day == frame["date"].min().date()
    assert valid.last_day == frame["date"].max().date()
    assert valid.quality.refunds == 0 and valid.quality.zero_amount_orders == 0
    scanned = validate_orders(_write(tmp_path, frame), "customer_id", "date", "amount",
                              quality=False, today=TODAY)
    assert scanned.revenue == pytest.approx(frame["amount"].sum())
    for key in ("orders", "first_day", "last_day"):
        assert getattr(valid, key) == getattr(scanned, key), key


def test_a_zero_amount_leaves_the_count_of_zeros_unknown(tmp_path) -> None:
    frame = _orders()
    frame.loc[3, "amount"] = 0.0
    valid = _validate(_write(tmp_path, frame))
    assert valid.revenue is None and valid.quality.zero_amount_orders is None


@pytest.mark.parametrize(
    "change",
    ["refund", "empty_amount", "empty_customer", "blank_customer", "future", "huge",
     "no_statistics", "text_date", "zoned_date"],
)
def test_statistics_that_do_not_settle_a_check_mean_a_scan(tmp_path, change: str) -> None:
    frame = _orders()
    kwargs = {}
    if change == "refund":
        frame.loc[10, "amount"] = -5.0
    elif change == "empty_amount":
        frame["amount"] = frame["amount"].astype("object")
        frame.loc[10, "amount"] = None
    elif change == "empty_customer":
        frame["customer_id"] = frame["customer_id"].astype("Int64")
        frame.loc[10, "customer_id"] = pd.NA
    elif change == "blank_customer":  # text ids: the smallest is the blank one
        frame["customer_id"] = "c" + frame["customer_id"].astype(str)
        frame.loc[10, "customer_id"] = " "
    elif change == "future":
        frame.loc[len(frame) - 1, "date"] = pd.Timestamp("2025-03-01")
    elif change == "huge":
        frame.loc[10, "amount"] = 1e16
    elif change == "no_statistics":
        kwargs["write_statistics"] = False
    elif change == "text_date":
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    else:
        frame["date"] = frame["date"].dt.tz_localize("Asia/Tokyo")
    path = _write(tmp_path, frame, **kwargs)
    try:
        valid = _validate(path)
    except GrowthkitError:
        assert change in ("empty_amount", "huge")  # named by the scan
        return
    assert change not in ("empty_amount", "huge")
    assert valid.revenue is not None  # the scan summed the amounts
    if change in ("empty_customer", "blank_customer"):  # counted by the scan, and left out
        assert valid.quality.rows_without_customer == 1 and valid.orders == len(frame) - 1


def test_a_nan_amount_hidden_from_the_statistics_is_still_named(tmp_path) -> None:
    # Arrow writes NaN as a value (not empty) and leaves it out of the statistics.
    frame = _orders()
    table = pa.table({
        "customer_id": frame["customer_id"], "date": frame["date"],
        "amount": pa.array(np.where(np.arange(len(frame)) == 7, np.nan, frame["amount"]),
                           from_pandas=False),
    })
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path, row_group_size=100)
    assert _validate(str(path)).revenue is None  # the statistics alone look clean
    with pytest.raises(GrowthkitError, match=r"has 1 value\(s\) that are not finite"):
        rfm_summary(str(path), amount_col="amount")


def test_rfm_summary_from_statistics_equals_the_scanned_summary(tmp_path) -> None:
    frame = _orders(3000, seed=8)
    path = _write(tmp_path, frame)
    fast = rfm_summary(path, amount_col="amount", calibration_end="2024-08-01")
    slow = rfm_summary(frame, amount_col="amount", calibration_end="2024-08-01")
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-12)


def test_globs_and_file_urls_name_their_parquet_files(tmp_path) -> None:
    frame = _orders()
    first = _write(tmp_path, frame.iloc[:300], "a.parquet")
    second = _write(tmp_path, frame.iloc[300:], "b.parquet")
    assert parquet_files(str(tmp_path / "*.parquet")) == [first, second]
    assert parquet_files(f"file://{first}") == [first]
    assert parquet_files(str(tmp_path / "orders.csv")) == []
    assert parquet_files(frame) == [] and parquet_files("sample:cdnow") == []
    valid = _validate(str(tmp_path / "*.parquet"))
    assert valid.revenue is None and valid.orders == len(frame)
