"""growthkit.data.urls: parsing source URLs, masking secrets, concealing them from files."""

from __future__ import annotations

import json
import os

import pytest

from growthkit import data
from growthkit.data import urls
from growthkit.errors import GrowthkitError

SECRET = "S3cretPW"


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


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("duckdb://user:S3cretPW@/abs/shop.duckdb?table=orders",
         "duckdb://user:***@/abs/shop.duckdb?table=orders"),
        ("sqlite://user:S3cretPW@/abs/x.db?table=orders", "sqlite://user:***@/abs/x.db?table=orders"),
        ("postgresql://user:S3c/retPW@host/db", "postgresql://user:***@host/db"),
        ("postgresql://user:S3c#ret?PW@host/db?table=t", "postgresql://user:***@host/db?table=t"),
        ("postgresql://host/db?pwd=S3cretPW&table=t", "postgresql://host/db?pwd=***&table=t"),
        ("trino://host/db?token=S3cretPW", "trino://host/db?token=***"),
        ("x://host/db?secret=S3cretPW&api_key=S3cretPW&access_key=S3cretPW",
         "x://host/db?secret=***&api_key=***&access_key=***"),
        ("https://S3cretPW@host/x.parquet", "https://***@host/x.parquet"),
        ("postgresql://host/db?email=a@b.example&table=t", "postgresql://host/db?email=a@b.example&table=t"),
    ],
)
def test_every_secret_form_is_masked(source, expected):
    shown = data.redact(source)
    assert shown == expected
    assert "S3cretPW" not in shown and "S3c/retPW" not in shown and "retPW" not in shown


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a password holding "?" and then "=" in the userinfo
        ("postgresql://bob:ab?c=S3cretPW@host/db", "postgresql://bob:***@host/db"),
        ("https://Zm9v?YmFy=S3cretPW@host/x.parquet", "https://***@host/x.parquet"),
        ("spark:s3a://AK:se?c=S3cretPW@bucket/x.parquet", "spark:s3a://AK:***@bucket/x.parquet"),
        # secret query keys, by the same rule (a word anywhere, or "pw"/"sig" at the end)
        ("x://h/db?pw=S3cretPW&jwt=S3cretPW&table=t", "x://h/db?pw=***&jwt=***&table=t"),
        ("x://h/db?sig=S3cretPW&signature=S3cretPW&client_key=S3cretPW&db_pw=S3cretPW",
         "x://h/db?sig=***&signature=***&client_key=***&db_pw=***"),
        # JDBC URLs and key/value DSNs
        ("jdbc:postgresql://db/shop?user=bob&password=S3cretPW",
         "jdbc:postgresql://db/shop?user=bob&password=***"),
        ("jdbc:sqlserver://db;user=bob;password=S3cretPW;database=shop",
         "jdbc:sqlserver://db;user=bob;password=***;database=shop"),
        ("host=db password=S3cretPW dbname=shop", "host=db password=*** dbname=shop"),
        ("host=db password='a b S3cretPW' dbname=shop", "host=db password=*** dbname=shop"),
        ("Driver={PostgreSQL};Server=db;Pwd=S3cretPW;", "Driver={PostgreSQL};Server=db;Pwd=***;"),
    ],
)
def test_secrets_in_any_userinfo_query_or_dsn_are_masked(source, expected):
    shown = data.redact(source)
    assert shown == expected
    assert "S3cretPW" not in shown
    assert urls.conceal(source) == (expected, {expected: source})


def test_a_password_with_query_characters_still_connects_whole():
    url = urls.parse_url("postgresql://bob:ab?c=S3cretPW@host/db?table=orders")
    assert (url.userinfo, url.location, url.table) == ("bob:ab?c=S3cretPW", "host/db", "orders")
    assert url.connect_url() == "postgresql://bob:ab?c=S3cretPW@host/db"


def test_file_databases_connect_without_userinfo():
    url = urls.parse_url("duckdb://user:S3cretPW@/abs/shop.duckdb?table=orders")
    assert url.database_file == "/abs/shop.duckdb"
    assert url.table == "orders"
    assert url.connect_url() == "duckdb:///abs/shop.duckdb"


def test_missing_database_file_error_holds_no_secret(tmp_path):
    source = f"duckdb://user:{SECRET}@{tmp_path}/missing.duckdb?table=orders"
    with pytest.raises(GrowthkitError) as caught:
        data.load(source)
    assert SECRET not in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_unreachable_server_error_holds_no_secret():
    source = f"postgresql://analyst:{SECRET}@127.0.0.1:1/shop?table=orders"
    with pytest.raises(GrowthkitError, match="could not connect") as caught:
        data.load(source)
    assert SECRET not in str(caught.value)


def test_conceal_and_reveal_round_trip(monkeypatch):
    real = f"postgresql://analyst:{SECRET}@db/shop?table=orders"
    shown, mapping = urls.conceal(real)
    assert shown == "postgresql://analyst:***@db/shop?table=orders"
    env = urls.credentials_env(mapping)
    assert SECRET not in shown and SECRET in env[urls.CREDENTIALS_ENV]
    assert urls.reveal(shown) == shown  # nothing known yet
    monkeypatch.setenv(urls.CREDENTIALS_ENV, env[urls.CREDENTIALS_ENV])
    assert urls.reveal(shown) == real
    assert urls.conceal("sample:cdnow") == ("sample:cdnow", {})
    assert urls.conceal(3) == (3, {})
    assert json.loads(env[urls.CREDENTIALS_ENV]) == {shown: real}


def test_a_concealed_duckdb_source_loads_in_the_kernel(tmp_path, monkeypatch):
    import duckdb

    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT 1 AS customer_id, DATE '2024-01-05' AS date")
    real = f"duckdb://analyst:{SECRET}@{path}?table=orders"
    shown, mapping = urls.conceal(real)
    monkeypatch.setenv(urls.CREDENTIALS_ENV, urls.credentials_env(mapping)[urls.CREDENTIALS_ENV])
    assert data.validate_orders(shown).orders == 1


def test_absolute_source_resolves_relative_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text("customer_id,date\n1,2024-01-01\n")
    (tmp_path / "shop.duckdb").write_bytes(b"")
    assert urls.absolute_source("orders.csv") == str(tmp_path / "orders.csv")
    assert urls.absolute_source("duckdb://shop.duckdb?table=t") == (
        f"duckdb://{tmp_path}/shop.duckdb?table=t"
    )
    assert urls.absolute_source("duckdb://u:p@shop.duckdb?table=t") == (
        f"duckdb://u:p@{tmp_path}/shop.duckdb?table=t"
    )
    assert urls.absolute_source("missing.csv") == "missing.csv"
    assert urls.absolute_source("sample:cdnow") == "sample:cdnow"
    assert urls.absolute_source(os.sep) == os.sep
