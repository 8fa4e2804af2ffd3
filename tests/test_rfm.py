"""rfm_summary: equal to lifetimes, the CDNOW reference totals, invariants and errors."""

from __future__ import annotations

import sqlite3
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthkit import data, rfm_summary
from growthkit.errors import GrowthkitError
from growthkit.samples.cdnow import cdnow_master, cdnow_sample

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

# Floating-point sums over a customer's days run in another order in the engine than in pandas.
RTOL = 1e-12


def _generated_orders(seed: int, n_customers: int = 400) -> pd.DataFrame:
    """Orders with several orders on some days and intraday timestamps."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(4, n_customers) + 1
    customer = np.repeat(np.arange(n_customers), n)
    start = pd.Timestamp("2023-01-01")
    first = rng.integers(0, 300, n_customers)[customer]
    offset_days = first + rng.integers(0, 120, customer.size) * (rng.random(customer.size) < 0.8)
    stamps = (
        start
        + pd.to_timedelta(offset_days, "D")
        + pd.to_timedelta(rng.integers(0, 86_400, customer.size), "s")
    )
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": stamps,
            "amount": rng.gamma(2.0, 20.0, customer.size).round(2),
        }
    )


def _lifetimes_cal(orders: pd.DataFrame, cal_end: str, obs_end: str, k: float) -> pd.DataFrame:
    out = calibration_and_holdout_data(
        orders,
        "customer_id",
        "date",
        calibration_period_end=cal_end,
        observation_period_end=obs_end,
        freq="D",
        freq_multiplier=k,
        monetary_value_col="amount",
    )
    return out.rename(columns=lambda c: c.removesuffix("_cal"))


def test_cdnow_sample_matches_paper_totals():
    # Fader, Hardie & Lee (2005): calibration through 1997-09-30, weeks, distinct days:
    # sum of repeat purchases 2,457 in calibration and 1,882 in the 39-week holdout.
    s = rfm_summary(
        "sample:cdnow-2357",
        amount_col="amount",
        time_unit="weeks",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    assert len(s) == 2357
    assert s["frequency"].sum() == 2457
    assert s["frequency_holdout"].sum() == 1882
    # A customer first seen on 1997-01-01 has T = 272 / 7 weeks.
    assert s["T"].max() == pytest.approx(272 / 7, abs=1e-12)
    assert (s["duration_holdout"] == 273 / 7).all()


@pytest.mark.parametrize("time_unit,k", [("days", 1.0), ("weeks", 7.0), ("months", 365.25 / 12)])
def test_equals_lifetimes_on_cdnow_master(time_unit, k):
    orders = cdnow_master()
    ours = rfm_summary(orders, amount_col="amount", time_unit=time_unit)
    theirs = summary_data_from_transaction_data(
        orders, "customer_id", "date", monetary_value_col="amount", freq="D", freq_multiplier=k
    )
    pd.testing.assert_frame_equal(ours, theirs.sort_index(), check_exact=False, rtol=RTOL)


def test_equals_lifetimes_calibration_on_cdnow_sample():
    orders = cdnow_sample()
    ours = rfm_summary(orders, amount_col="amount", time_unit="weeks", calibration_end="1997-09-30")
    theirs = _lifetimes_cal(orders, "1997-09-30", "1998-06-30", 7.0)
    cols = ["frequency", "recency", "T", "monetary_value", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(
        ours[cols], theirs[cols].sort_index(), check_exact=False, rtol=RTOL
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_lifetimes_on_generated_orders(seed):
    orders = _generated_orders(seed)
    ours = rfm_summary(orders, amount_col="amount", time_unit="weeks", observation_end="2023-12-31")
    theirs = summary_data_from_transaction_data(
        orders,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end="2023-12-31",
        freq="D",
        freq_multiplier=7,
    )
    pd.testing.assert_frame_equal(ours, theirs.sort_index(), check_exact=False, rtol=RTOL)

    cal = rfm_summary(orders, amount_col="amount", calibration_end="2023-08-31")
    # calibration_end is a whole day, inclusive. lifetimes compares timestamps with midnight and
    # would drop the orders placed later on 2023-08-31, so it is given the day's last instant.
    theirs_cal = _lifetimes_cal(orders, "2023-08-31 23:59:59.999999", orders["date"].max(), 1.0)
    cols = ["frequency", "recency", "T", "monetary_value", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(
        cal[cols], theirs_cal[cols].sort_index(), check_exact=False, rtol=RTOL
    )


def test_holdout_spend_is_mean_per_purchase_day():
    # lifetimes averages holdout spend over raw orders; growthkit over purchase days, like
    # monetary_value. Two orders of 10 and 30 on one holdout day are one purchase of 40.
    orders = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1],
            "date": ["2024-01-01", "2024-02-01", "2024-02-01", "2024-02-03"],
            "amount": [5.0, 10.0, 30.0, 20.0],
        }
    )
    s = rfm_summary(orders, amount_col="amount", calibration_end="2024-01-15")
    assert s.loc[1, "frequency_holdout"] == 2
    assert s.loc[1, "monetary_value_holdout"] == 30.0  # (40 + 20) / 2
    assert s.loc[1, "duration_holdout"] == 19


def test_same_day_orders_are_one_purchase():
    orders = pd.DataFrame(
        {
            "customer_id": ["x"] * 4,
            "date": ["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-08", "2024-01-08 23:59"],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    s = rfm_summary(orders, amount_col="amount", time_unit="weeks", observation_end="2024-01-15")
    assert s.loc["x"].to_dict() == {
        "frequency": 1.0,
        "recency": 1.0,
        "T": 2.0,
        "monetary_value": 7.0,
    }


def test_observation_end_drops_later_orders_and_no_amount_has_no_spend():
    orders = _generated_orders(7)
    s = rfm_summary(orders, observation_end="2023-06-30")
    assert list(s.columns) == ["frequency", "recency", "T"]
    first = orders[orders["date"] < "2023-07-01"].groupby("customer_id")["date"].min()
    assert s.index.equals(first.index)


def test_customers_first_seen_after_calibration_are_excluded():
    orders = pd.DataFrame(
        {"customer_id": [1, 2, 2], "date": ["2024-01-01", "2024-03-01", "2024-03-05"]}
    )
    s = rfm_summary(orders, calibration_end="2024-02-01")
    assert list(s.index) == [1]
    assert s.loc[1, "frequency_holdout"] == 0


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_summary_invariants(seed):
    s = rfm_summary(
        _generated_orders(seed, n_customers=30), amount_col="amount", time_unit="months"
    )
    assert (s["frequency"] >= 0).all()
    assert ((s["recency"] >= 0) & (s["recency"] <= s["T"])).all()
    assert (s.loc[s["frequency"] == 0, ["recency", "monetary_value"]] == 0).all().all()
    assert (s.loc[s["frequency"] > 0, "monetary_value"] > 0).all()


def test_bad_parameters():
    with pytest.raises(GrowthkitError, match=r"time_unit='years'.*'days', 'weeks', 'months'"):
        rfm_summary("sample:cdnow-2357", time_unit="years")
    with pytest.raises(GrowthkitError, match=r"calibration_end=1998-07-01 must be before"):
        rfm_summary("sample:cdnow-2357", calibration_end="1998-07-01")
    with pytest.raises(GrowthkitError, match="observation_end='soon' is not a date"):
        rfm_summary("sample:cdnow-2357", observation_end="soon")
    with pytest.raises(GrowthkitError, match="no customers have a first order"):
        rfm_summary("sample:cdnow-2357", observation_end="1990-01-01")


def test_same_summary_on_another_engine(tmp_path):
    # The expressions are portable Ibis: run in SQLite (text dates) they give DuckDB's result.
    orders = cdnow_sample()
    path = tmp_path / "orders.db"
    with sqlite3.connect(path) as con:
        orders.assign(date=orders["date"].dt.strftime("%Y-%m-%d")).to_sql(
            "orders", con, index=False
        )
    kw = {"amount_col": "amount", "time_unit": "weeks", "calibration_end": "1997-09-30"}
    in_sqlite = rfm_summary(f"sqlite:///{path}?table=orders", **kw)
    in_duckdb = rfm_summary(orders, **kw)
    pd.testing.assert_frame_equal(in_sqlite, in_duckdb, check_exact=False, rtol=RTOL)


@pytest.mark.parametrize(
    "ids",
    [
        lambda c: c + 10_000,  # sequential: placed by value
        lambda c: c * 1_000_003 - 7_000_000,  # sparse and negative: sorted
        lambda c: c.astype("uint64") + np.uint64(2**63),  # beyond int64
        lambda c: "C-" + c.astype(str),  # text
    ],
)
def test_rows_come_in_ascending_customer_order_whatever_the_ids(ids):
    orders = _generated_orders(seed=4)
    plain = rfm_summary(orders, amount_col="amount")
    renamed = rfm_summary(orders.assign(customer_id=ids(orders["customer_id"])),
                          amount_col="amount")
    assert renamed.index.is_unique and renamed.index.is_monotonic_increasing
    expected = plain.set_axis(ids(plain.index.to_series()).to_numpy()).sort_index()
    expected.index.name = renamed.index.name
    pd.testing.assert_frame_equal(renamed, expected, rtol=RTOL, check_index_type=False)


def test_the_summary_is_a_writable_frame():
    summary = rfm_summary(_generated_orders(seed=6), amount_col="amount",
                          calibration_end="2023-09-01")
    first = summary.index[0]
    for col in summary.columns:
        summary.loc[first, col] = 1.0
    summary["T"] *= 2
    assert (summary.loc[first].drop("T") == 1.0).all() and summary.loc[first, "T"] == 2.0


def test_sums_do_not_depend_on_the_order_rows_are_added_in():
    # A float sum depends on the order of its terms: 0.1 + 0.2 + 0.3 is 0.6000000000000001,
    # 0.3 + 0.2 + 0.1 is 0.6. A parallel engine adds each thread's rows in the order its
    # threads finish, so two runs on the same orders differed in the last bits (monetary value
    # 35.8788 against 35.8787 at six digits). Which order threads finish in cannot be fixed in
    # a test; the order rows arrive in can, and it is the same cause: here the engine reads
    # each order of rows on one thread, deterministically, and must still give the same bits.
    rng = np.random.default_rng(20261208)
    n = 20_000
    orders = pd.DataFrame({
        "customer_id": rng.integers(0, 20, n),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
        "amount": rng.gamma(2.0, 20.0, n).round(2) * np.where(rng.random(n) < 0.05, -1, 1),
    })
    orders.loc[:2, ["customer_id", "date", "amount"]] = [[99, "2024-01-09", a] for a in
                                                          (0.1, 0.2, 0.3)]
    orders.loc[3, ["customer_id", "date", "amount"]] = [99, "2024-01-01", 1.0]
    kw = {"amount_col": "amount", "calibration_end": "2024-01-03"}
    forward = rfm_summary(orders, **kw)
    backward = rfm_summary(orders.iloc[::-1], **kw)
    shuffled = rfm_summary(orders.sample(frac=1.0, random_state=1), **kw)
    for other in (backward, shuffled):
        for col in forward.columns:  # the same bits
            assert forward[col].to_numpy().tobytes() == other[col].to_numpy().tobytes(), col
    assert forward.loc[99, "monetary_value_holdout"] == 0.6  # exact: sums of cents
    totals = [data.validate_orders(o, amount_col="amount").revenue
              for o in (orders, orders.iloc[::-1])]
    assert totals[0] == totals[1]
