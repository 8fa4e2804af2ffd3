"""One local Spark session (``local[2]``) for every Spark test, and orders on both engines.

Starting Spark takes seconds, so the session is shared by the whole test run. It is tuned for
tiny data: two shuffle partitions, no UI, no whole-stage code generation and the JVM's quick
compiler, which halve the time of each small query.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest
from spark_support import make_orders

from growthkit.data import spark as gk_spark

MASTER = "local[2]"
SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """The shared SparkSession, stopped after the last test. Tables it would manage go to a
    temporary folder, never the working directory."""
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = gk_spark.session(MASTER, {**SETTINGS, "spark.sql.warehouse.dir": str(warehouse)})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_con(spark) -> ibis.BaseBackend:
    return gk_spark.connect(spark)


@pytest.fixture(scope="session")
def orders_file(tmp_path_factory) -> Path:
    """:func:`make_orders` as a Parquet file both engines read."""
    path = tmp_path_factory.mktemp("spark") / "orders.parquet"
    make_orders().to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def tables(orders_file, spark_con) -> tuple[ibis.Table, ibis.Table]:
    """The same orders as (DuckDB table, Spark table)."""
    return ibis.duckdb.connect().read_parquet(orders_file), spark_con.read_parquet(
        str(orders_file)
    )
