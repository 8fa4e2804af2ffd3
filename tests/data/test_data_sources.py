"""growthkit.data: every kind of source, column mapping, time zones and bad input."""

from __future__ import annotations

import sqlite3

import duckdb
import ibis
import pytest

from growthkit import data
from growthkit.errors import GrowthkitError


def _describe(source, **kw) -> dict:
    return data.describe_orders(
        data.orders(source, customer_col="cust", date_col="when", amount_col="value", **kw)
    )


EXPECTED = {
    "customers": 3,
    "orders": 5,
    "lines": 5,
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


def test_empty_data(small_orders, tmp_path):
    with pytest.raises(GrowthkitError, match="empty"):
        data.orders(small_orders.iloc[:0], customer_col="cust", date_col="when")
    small_orders.iloc[:0].to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(GrowthkitError, match="empty"):
        data.orders(tmp_path / "empty.parquet", customer_col="cust", date_col="when")


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




def test_latin1_csv_names_the_file_and_the_encoding(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("customer_id,date,city\n1,2024-01-05,M\xfcnchen\n".encode("latin-1"))
    with pytest.raises(GrowthkitError, match=r"orders.csv' is not valid UTF-8 text") as caught:
        data.validate_orders(path)
    assert len(str(caught.value)) < 300


def test_empty_file_says_it_is_empty(tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"")
    with pytest.raises(GrowthkitError, match=r"orders.csv' is empty \(0 bytes\)"):
        data.validate_orders(tmp_path / "orders.csv")
    (tmp_path / "header.csv").write_text("customer_id,date\n")
    with pytest.raises(GrowthkitError, match=r"is empty: no orders found"):
        data.validate_orders(tmp_path / "header.csv")
