"""growthkit.data: every kind of source, column mapping, time zones and bad input."""

from __future__ import annotations

import sqlite3

import duckdb
import ibis
import pandas as pd
import pytest

from growthkit import data
from growthkit.errors import GrowthkitError


@pytest.fixture
def small_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cust": ["a", "a", "b", "c", "a"],
            "when": ["2024-01-05", "2024-01-05", "2024-02-01", "2024-03-10", "2024-03-01"],
            "value": [10.0, 5.0, 7.5, 0.0, 20.0],
        }
    )


def _describe(source, **kw) -> dict:
    return data.describe_orders(
        data.orders(source, customer_col="cust", date_col="when", amount_col="value", **kw)
    )


EXPECTED = {
    "customers": 3,
    "orders": 5,
    "first_date": "2024-01-05",
    "last_date": "2024-03-10",
    "revenue": 42.5,
    "zero_amount_orders": 1,
}


def test_dataframe_source(small_orders):
    assert _describe(small_orders) == EXPECTED


def test_csv_and_glob_source(small_orders, tmp_path):
    small_orders.iloc[:3].to_csv(tmp_path / "part1.csv", index=False)
    small_orders.iloc[3:].to_csv(tmp_path / "part2.csv", index=False)
    assert _describe(str(tmp_path / "part*.csv")) == EXPECTED


def test_parquet_source(small_orders, tmp_path):
    small_orders.to_parquet(tmp_path / "orders.parquet")
    assert _describe(tmp_path / "orders.parquet") == EXPECTED


def test_duckdb_url_source(small_orders, tmp_path):
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders AS SELECT * FROM small_orders")
    con.execute("CREATE TABLE other AS SELECT 1 AS x")
    con.close()
    assert _describe(f"duckdb:///{path}?table=orders") == EXPECTED


def test_sqlite_url_source(small_orders, tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        small_orders.to_sql("orders", con, index=False)
    # one table only: ?table= may be left out
    assert _describe(f"sqlite:///{path}") == EXPECTED


def test_ibis_table_source(small_orders):
    assert _describe(ibis.memtable(small_orders)) == EXPECTED


def test_samples_are_the_cdnow_files():
    master = data.describe_orders(data.orders("sample:cdnow", amount_col="amount"))
    assert master["customers"] == 23_570
    assert master["orders"] == 69_659
    assert (master["first_date"], master["last_date"]) == ("1997-01-01", "1998-06-30")
    assert master["zero_amount_orders"] > 0
    sample = data.describe_orders(data.orders("sample:cdnow-2357", amount_col="amount"))
    assert (sample["customers"], sample["orders"]) == (2_357, 6_919)


def test_year_month_strings_are_parsed():
    df = pd.DataFrame({"customer_id": [1, 2], "date": ["2024-01", "2024-11"]})
    out = data.orders(df).execute()
    assert list(out["order_date"].astype(str)) == ["2024-01-01", "2024-11-01"]


def test_offsets_are_converted_to_the_timezone():
    # 23:30 at +02:00 is 21:30 UTC (same day) but 00:30 the next day in Riyadh (+03:00).
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "date": ["2024-01-05T23:30:00+02:00", "2024-01-05T22:00:00-05:00", "2024-01-05 23:59"],
        }
    )
    utc = data.orders(df).execute()["order_date"].astype(str).tolist()
    riyadh = data.orders(df, timezone="Asia/Riyadh").execute()["order_date"].astype(str).tolist()
    assert utc == ["2024-01-05", "2024-01-06", "2024-01-05"]
    assert riyadh == ["2024-01-06", "2024-01-06", "2024-01-05"]


def test_tz_aware_pandas_timestamps():
    stamps = pd.to_datetime(["2024-01-05 23:30"]).tz_localize("Europe/Berlin")
    df = pd.DataFrame({"customer_id": [1], "date": stamps})
    assert data.orders(df, timezone="UTC").execute()["order_date"].astype(str)[0] == "2024-01-05"
    tokyo = data.orders(df, timezone="Asia/Tokyo").execute()["order_date"].astype(str)[0]
    assert tokyo == "2024-01-06"


def test_missing_column_lists_existing(small_orders):
    with pytest.raises(GrowthkitError, match=r"'customer_id' missing.*'cust', 'when', 'value'"):
        data.orders(small_orders)


def test_unparsable_date_shows_example(small_orders):
    bad = small_orders.assign(when=["2024-01-05", "yesterday", "2024-02-01", "x", "2024-03-01"])
    with pytest.raises(GrowthkitError, match=r"date column 'when' has 2 value.*'yesterday'"):
        data.orders(bad, customer_col="cust", date_col="when")


def test_non_numeric_amount_shows_example(small_orders):
    bad = small_orders.assign(value=["10", "5", "n/a", "0", "20"])
    with pytest.raises(GrowthkitError, match=r"amount column 'value' has 1 non-numeric.*'n/a'"):
        data.orders(bad, customer_col="cust", date_col="when", amount_col="value")


def test_numeric_strings_are_accepted(small_orders):
    ok = small_orders.assign(value=["10", "5", "7.5", "0", "20"])
    assert _describe(ok)["revenue"] == 42.5


def test_empty_data(small_orders, tmp_path):
    with pytest.raises(GrowthkitError, match="empty"):
        data.orders(small_orders.iloc[:0], customer_col="cust", date_col="when")
    small_orders.iloc[:0].to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(GrowthkitError, match="empty"):
        data.orders(tmp_path / "empty.parquet", customer_col="cust", date_col="when")


def test_empty_values_are_reported(small_orders):
    bad = small_orders.assign(cust=["a", None, "b", "c", "a"])
    with pytest.raises(GrowthkitError, match=r"column 'cust' has 1 empty value"):
        data.orders(bad, customer_col="cust", date_col="when")


def test_bad_sources(tmp_path):
    with pytest.raises(GrowthkitError, match="no such file"):
        data.load(tmp_path / "nope.csv")
    with pytest.raises(GrowthkitError, match="not a supported file"):
        data.load(tmp_path / "orders.xlsx")
    with pytest.raises(GrowthkitError, match=r"sample 'nope' does not exist.*sample:cdnow"):
        data.load("sample:nope")
    with pytest.raises(GrowthkitError, match="does not exist"):
        data.load(f"duckdb:///{tmp_path}/missing.duckdb?table=orders")
    with pytest.raises(TypeError, match="found int"):
        data.load(42)
    with pytest.raises(GrowthkitError, match="timezone='Mars/Olympus'"):
        data.orders("sample:cdnow-2357", timezone="Mars/Olympus")


def test_missing_table_lists_tables(tmp_path):
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE a AS SELECT 1 AS x")
    con.execute("CREATE TABLE b AS SELECT 1 AS x")
    con.close()
    with pytest.raises(GrowthkitError, match=r"needs a table.*a, b"):
        data.load(f"duckdb:///{path}")
    with pytest.raises(GrowthkitError, match=r"table 'c' not found.*a, b"):
        data.load(f"duckdb:///{path}?table=c")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "postgresql://analyst:s3cret@db.example/shop?table=orders",
            "postgresql://analyst:***@db.example/shop?table=orders",
        ),
        (
            "snowflake://user@acct/db?password=hunter2&table=t",
            "snowflake://***@acct/db?password=***&table=t",
        ),
        ("duckdb:///data/shop.duckdb?table=orders", "duckdb:///data/shop.duckdb?table=orders"),
        ("sample:cdnow", "sample:cdnow"),
    ],
)
def test_redact_masks_credentials(source, expected):
    assert data.redact(source) == expected
    assert "s3cret" not in data.redact(source) and "hunter2" not in data.redact(source)
