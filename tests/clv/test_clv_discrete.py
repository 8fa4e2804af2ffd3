"""BG/BB in the CLV report (issue 20, section 3): summaries in whole periods computed in the
engine, the donations data as orders, the report's forecast, holdout and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit import rfm_summary
from growthkit.clv import analyze, fit
from growthkit.errors import GrowthkitError
from growthkit.samples.donations import donation_orders, donation_patterns


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return donation_orders()


def test_whole_periods_by_hand():
    orders = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 3, 3],
        "date": pd.to_datetime(["2020-03-01", "2020-03-20", "2020-05-02", "2020-07-31",
                                "2020-07-01", "2020-01-15", "2020-02-29"]),
        "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 1.0, 3.0],
    })
    s = rfm_summary(orders, amount_col="amount", time_unit="months", discrete=True,
                    observation_end="2020-08-15")
    # Customer 1: first period March, purchases in May and July: x 2, t_x 4, n 5 (to August).
    assert s.loc[1].to_dict() == {"frequency": 2.0, "recency": 4.0, "n_periods": 5.0,
                                  "monetary_value": 25.0}
    assert s.loc[2, ["frequency", "recency", "n_periods"]].tolist() == [0.0, 0.0, 1.0]
    assert s.loc[3, ["frequency", "recency", "n_periods", "monetary_value"]].tolist() == [
        1.0, 1.0, 7.0, 3.0]
    held = rfm_summary(orders, amount_col="amount", time_unit="months", discrete=True,
                       observation_end="2020-08-15", calibration_end="2020-04-30")
    assert held.loc[1, ["frequency", "n_periods", "frequency_holdout"]].tolist() == [0, 1, 2]
    assert held.loc[1, "monetary_value_holdout"] == 25.0
    assert (held["n_periods_holdout"] == 4).all() and 2 not in held.index
    weeks = rfm_summary(orders, time_unit="weeks", discrete=True, observation_end="2020-08-15")
    assert weeks.loc[3, ["frequency", "recency"]].tolist() == [1.0, 6.0]  # ISO weeks 3 and 9
    with pytest.raises(GrowthkitError, match="time_unit"):
        rfm_summary(orders, time_unit="days", discrete=True)


def test_the_donation_orders_give_back_the_patterns_and_the_papers_fit(donations):
    s = rfm_summary(donations, amount_col="amount", time_unit="years", discrete=True)
    counts = s.groupby(["frequency", "recency", "n_periods"]).size()
    patterns = donation_patterns().set_index(["frequency", "recency", "periods"])["weights"]
    assert counts.to_numpy().tolist() == patterns.sort_index().to_numpy().tolist()
    model = fit(s, "bgbb", time_unit="years")
    # Fader, Hardie & Shang (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783.
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert model.params[name] == pytest.approx(value, abs=6e-4), name
    assert model.log_likelihood == pytest.approx(-33225.6, abs=0.05)
    simulated = model.simulate_frequency(np.full(200_000, 6), seed=1)
    expected = model.frequency_probabilities(6)
    assert np.bincount(simulated, minlength=7) / simulated.size == pytest.approx(
        expected.to_numpy(), abs=4e-3)


def test_the_report_with_bgbb_on_the_donations():
    a = analyze("sample:donations", model="bgbb", time_unit="years", n_draws=40)
    assert a.model.name == "bgbb" and a.calibration_end == "1998-12-31"
    assert a.model.params["alpha"] == pytest.approx(1.2035, abs=1e-3)
    # The holdout: 1999-2001, three opportunities, predicted from 1995-1998.
    assert a.holdout.actual_purchases == a.rfm["frequency_holdout"].sum()
    assert abs(a.holdout.relative_error) < 0.05
    assert a.tracking.index[-1].isoformat() == "2001-12-31" and len(a.tracking) == 7
    p = a.predictions
    assert p["expected_purchases"].sum() == pytest.approx(
        a.model.expected_purchases(a.current, 1).sum(), rel=1e-9)  # 12 months: one year
    low, high = a.intervals.total[1:]
    assert low < p["clv_revenue"].sum() < high
    m = a.metrics()
    assert m["transaction_model"]["name"] == "bgbb" and m["parameters"]["time_unit"] == "years"
    assert "BG/BB" in a.summary() and "years" in a.holdout_markdown()
    assert "BG/BB takes no covariates" in a.drivers_markdown()
    assert "whole periods (years)" in a.discrete_markdown()


def test_bgbb_parameters_are_checked_in_one_line(donations):
    with pytest.raises(GrowthkitError, match=r"^time_unit='days' with model='bgbb'"):
        analyze(donations, model="bgbb", time_unit="days")
    with pytest.raises(GrowthkitError, match=r"^time_unit='years' with model='bgnbd'"):
        analyze(donations, time_unit="years")
    with pytest.raises(GrowthkitError, match=r"^covariates with model='bgbb'"):
        analyze(donations, model="bgbb", time_unit="years", first_order_covariates="amount")
