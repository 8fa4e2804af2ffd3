"""growthkit.data.dates: dates to calendar days in a time zone, per expression."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from growthkit import data
from growthkit.errors import GrowthkitError


def _days(table) -> list[str]:
    return table.execute()["order_date"].astype(str).tolist()


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


def test_unparsable_date_shows_example(small_orders):
    bad = small_orders.assign(when=["2024-01-05", "yesterday", "2024-02-01", "x", "2024-03-01"])
    with pytest.raises(GrowthkitError, match=r"date column 'when' has 2 value.*'yesterday'"):
        data.orders(bad, customer_col="cust", date_col="when")


def test_interleaved_time_zones_keep_their_own_calendar_days():
    # Regression (issue #11): the zone used to be a DuckDB session setting, so a lazy table
    # loaded for Riyadh read as UTC once a later call set UTC. 23:30Z is 1 April in Riyadh.
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "date": ["2024-03-31T23:30:00Z", "2024-03-31T23:30:00+00:00", "2024-03-31 23:30"],
            "stamp": pd.to_datetime(["2024-03-31T23:30:00Z"] * 3),
        }
    )
    riyadh = data.orders(df, timezone="Asia/Riyadh")
    utc = data.orders(df, timezone="UTC")
    riyadh_stamps = data.orders(df, date_col="stamp", timezone="Asia/Riyadh")
    utc_stamps = data.orders(df, date_col="stamp", timezone="UTC")
    # naive wall-clock strings stay on their own day in every zone
    assert _days(riyadh) == ["2024-04-01", "2024-04-01", "2024-03-31"]
    assert _days(utc) == ["2024-03-31"] * 3
    assert _days(riyadh_stamps) == ["2024-04-01"] * 3
    assert _days(utc_stamps) == ["2024-03-31"] * 3
    assert _days(riyadh) == ["2024-04-01", "2024-04-01", "2024-03-31"]  # again, after UTC ran


def test_days_do_not_depend_on_the_engine_session_time_zone():
    df = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-03-31T23:30:00Z", "2024-03-31 23:30"]}
    )
    expected = ["2024-04-01", "2024-03-31"]
    backend = ibis.get_backend()  # where memtables run
    before = backend.raw_sql("SELECT current_setting('TimeZone')").fetchone()[0]
    try:
        backend.raw_sql("SET TimeZone = 'America/Los_Angeles'")
        assert _days(data.orders(df, timezone="Asia/Riyadh")) == expected
    finally:
        backend.raw_sql(f"SET TimeZone = '{before}'")


def test_mixed_month_and_full_dates_in_one_column_both_ways():
    dates = ["2024-01", "2024-01-05", "2024-2"]
    first_months = pd.DataFrame({"customer_id": [1, 2, 3], "date": dates})
    first_days = first_months.iloc[::-1].reset_index(drop=True)
    assert _days(data.orders(first_months)) == ["2024-01-01", "2024-01-05", "2024-02-01"]
    assert _days(data.orders(first_days)) == ["2024-02-01", "2024-01-05", "2024-01-01"]


def test_integer_dates_yyyymmdd_and_epoch_seconds_and_milliseconds():
    # 1_700_000_000 s = 2023-11-14 22:13:20 UTC = 2023-11-15 07:13:20 in Tokyo.
    df = pd.DataFrame(
        {"customer_id": [1, 2, 3], "date": [20240105, 1_700_000_000, 1_700_000_000_123]}
    )
    assert _days(data.orders(df)) == ["2024-01-05", "2023-11-14", "2023-11-14"]
    assert _days(data.orders(df, timezone="Asia/Tokyo")) == [
        "2024-01-05", "2023-11-15", "2023-11-15"
    ]


def test_impossible_integer_dates_are_named_with_an_example():
    # 7 would be epoch second 7 (1970-01-01); a negative number is no date growthkit reads.
    df = pd.DataFrame({"customer_id": [1, 2, 3], "date": [20240105, 20241399, -7]})
    with pytest.raises(GrowthkitError, match=r"date column 'date' has 2 value.*20241399\b"):
        data.orders(df)


def test_the_first_epoch_seconds_are_dates():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "date": [0, 86_400, 99_999_999]})
    assert _days(data.orders(df)) == ["1970-01-01", "1970-01-02", "1973-03-03"]


def test_unsupported_date_type_names_the_column():
    df = pd.DataFrame({"customer_id": [1], "when": [1.5]})
    with pytest.raises(GrowthkitError, match=r"date column 'when' has type float64; expected"):
        data.orders(df, date_col="when")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1997-09-30", dt.date(1997, 9, 30)),
        ("19970930", dt.date(1997, 9, 30)),
        (19970930, dt.date(1997, 9, 30)),
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        (None, None),
    ],
)
def test_date_parameters(value, expected):
    assert data.as_date(value, "calibration_end") == expected


@pytest.mark.parametrize(
    "value", [20250399, 12345, "yesterday", True, "2025-13-01", "June", "30/09/1997", "1997"]
)
def test_bad_date_parameters_name_the_parameter(value):
    # An int used to be read as nanoseconds since 1970 (20250331 -> 1970-01-01).
    expected = r"^calibration_end=.* is not a date( \(it reads as .*\))?; expected"
    with pytest.raises(GrowthkitError, match=expected):
        data.as_date(value, "calibration_end")


def test_unknown_time_zone():
    with pytest.raises(GrowthkitError, match=r"timezone='Mars/Olympus' is not a known time zone"):
        data.check_timezone("Mars/Olympus")
