"""``spark:`` sources and Spark tables through growthkit.data, on the shared local session."""

from __future__ import annotations

import ibis
import pytest
from spark_support import make_orders

from growthkit import data
from growthkit.errors import GrowthkitError

COLUMNS = ("customer", "day", "amount")


def _facts(source, quality: bool = True) -> tuple:
    o = data.validate_orders(source, *COLUMNS, quality=quality)
    return (o.orders, o.customers, o.first_day, o.last_day, round(o.revenue, 6),
            o.quality.refunds, o.quality.zero_amount_orders, o.quality.duplicate_rows)


def test_parquet_path_source_reads_on_spark(orders_file, spark):
    table = data.load(f"spark:{orders_file}?master=local[2]")
    assert ibis.get_backend(table).name == "pyspark"
    assert _facts(table) == _facts(orders_file)


def test_table_name_and_csv_sources_read_on_spark(orders_file, spark, tmp_path):
    frame = make_orders(seed=5, customers=20)
    spark.createDataFrame(frame).createOrReplaceTempView("shop_orders")
    frame.to_csv(tmp_path / "orders.csv", index=False)
    frame.to_csv(tmp_path / "orders.tsv", index=False, sep="\t")
    expected = _facts(frame, quality=False)
    assert _facts("spark:shop_orders", quality=False) == expected
    assert _facts(f"spark:{tmp_path / 'orders.csv'}", quality=False) == expected
    assert _facts(f"spark:{tmp_path / 'orders.tsv'}", quality=False) == expected


def test_an_ibis_spark_table_passes_through(tables):
    _, spark_table = tables
    assert data.load(spark_table) is spark_table


def test_missing_path_and_table_are_one_line(spark, tmp_path):
    with pytest.raises(GrowthkitError, match=r"Spark could not read the path \(.*PATH_NOT_FOUND"):
        data.load(f"spark:{tmp_path / 'nothing.parquet'}")
    with pytest.raises(GrowthkitError, match=r"'spark:no_such_table': Spark could not read the "
                                             r"table \("):
        data.load("spark:no_such_table")


def test_a_path_with_a_credential_is_not_echoed(spark):
    with pytest.raises(GrowthkitError, match=r"could not read the path$") as caught:
        data.load("spark:file://user:S3cretPW@localhost/nothing.parquet")
    assert "S3cretPW" not in str(caught.value)


def test_another_master_in_the_same_process_is_refused(spark):
    with pytest.raises(GrowthkitError, match=r"master='local\[4\]'.* already runs"):
        data.load("spark:/data/orders.parquet?master=local[4]")
