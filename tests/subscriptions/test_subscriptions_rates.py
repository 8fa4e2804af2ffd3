"""Churn, retention and value rates (growthkit.subscriptions.rates).

Reference values: docs/REFERENCES.md, "Cohorts and subscription metrics" (ChartMogul's revenue
churn and NRR/GRR examples, Baremetrics' quick ratio, the LTV formula, CAC payback).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from growthkit.errors import GrowthkitError
from growthkit.subscriptions import (
    cac_payback,
    ltv,
    monthly_rates,
    payback_curve,
    period_rates,
    quick_ratio,
    retention_rates,
    revenue_churn,
)


def test_chartmogul_revenue_churn_example():
    # docs/REFERENCES.md: start 100, churn 10, contraction 10, expansion 10 -> gross 20%, net 10%.
    got = revenue_churn(start=100, churn=10, contraction=10, expansion=10)
    assert got == {"gross": pytest.approx(0.20, abs=1e-12), "net": pytest.approx(0.10, abs=1e-12)}


def test_chartmogul_nrr_and_grr_example():
    # docs/REFERENCES.md: start 100k, expansion 15k, contraction 5k, churn 8k -> NRR 102%, GRR 87%.
    got = retention_rates(start=100_000, expansion=15_000, contraction=5_000, churn=8_000)
    assert got["nrr"] == pytest.approx(1.02, abs=1e-12)
    assert got["grr"] == pytest.approx(0.87, abs=1e-12)


def test_baremetrics_quick_ratio_example():
    # docs/REFERENCES.md: new 20, expansion 8, contraction 5, churn 3 -> 3.5.
    assert quick_ratio(new=20, expansion=8, contraction=5, churn=3) == pytest.approx(3.5)
    assert quick_ratio(20, 8, 0, 0) == math.inf and math.isnan(quick_ratio(0, 0, 0, 0))


def test_reactivation_is_a_gain_only_when_asked_for():
    assert revenue_churn(100, 10, 10, 10, reactivation=5)["net"] == pytest.approx(0.10)
    assert revenue_churn(100, 10, 10, 10, 5, include_reactivation=True)["net"] == pytest.approx(
        0.05
    )
    kept = retention_rates(100, 10, 5, 5, reactivation=7, include_reactivation=True)
    assert kept == {"grr": pytest.approx(0.90), "nrr": pytest.approx(1.07)}
    assert retention_rates(100, 10, 5, 5, reactivation=7)["nrr"] == pytest.approx(1.00)
    assert quick_ratio(20, 8, 5, 3, reactivation=4, include_reactivation=True) == pytest.approx(4)


def test_ltv_example_and_guards():
    # docs/REFERENCES.md: ARPA 100 with churn 5% gives 2,000 before margin.
    assert ltv(100, 1.0, 0.05) == pytest.approx(2000.0)
    assert ltv(100, 0.8, 0.05) == pytest.approx(1600.0)
    assert math.isnan(ltv(100, 0.8, 0.0))
    with pytest.raises(GrowthkitError, match=r"gross_margin=1\.5"):
        ltv(100, 1.5, 0.05)


def _movements() -> pd.DataFrame:
    return pd.DataFrame({
        "month": ["2024-02", "2024-03"],
        "start": [100.0, 0.0], "new": [20.0, 0.0], "expansion": [10.0, 0.0],
        "reactivation": [4.0, 0.0], "contraction": [5.0, 0.0], "churn": [10.0, 0.0],
        "end": [119.0, 0.0],
        "customers_start": [10, 0], "churned_customers": [2, 0], "customers_end": [12, 0],
    })


def test_monthly_rates_from_movements_and_nan_without_a_start():
    r = monthly_rates(_movements())
    first = r.iloc[0]
    assert first["logo_churn"] == pytest.approx(0.2)
    assert first["gross_revenue_churn"] == pytest.approx(0.15)
    assert first["net_revenue_churn"] == pytest.approx(0.05)
    assert first["grr"] == pytest.approx(0.85) and first["nrr"] == pytest.approx(0.95)
    assert first["reactivation_rate"] == pytest.approx(0.04)
    assert first["quick_ratio"] == pytest.approx(2.0) and first["arpa"] == pytest.approx(119 / 12)
    assert r.iloc[1][["logo_churn", "nrr", "grr"]].isna().all()


def test_period_rates_weight_months_by_their_starting_mrr():
    m = pd.DataFrame({
        "month": ["a", "b"], "start": [100.0, 300.0], "new": [0.0, 0.0],
        "expansion": [0.0, 30.0], "reactivation": [0.0, 0.0], "contraction": [0.0, 0.0],
        "churn": [10.0, 0.0], "end": [90.0, 330.0], "customers_start": [10, 30],
        "churned_customers": [1, 0], "customers_end": [9, 30],
    })
    w = period_rates(m)
    assert w["nrr"] == pytest.approx((400 + 30 - 10) / 400)  # not the mean of 0.9 and 1.1
    assert w["logo_churn"] == pytest.approx(1 / 40)


def test_payback_divides_by_the_cohort_size_not_by_survivors():
    # Cohort A: 10 customers, 100 in month 0, then 50 (half left), then 50.
    revenue = pd.DataFrame({
        "cohort": ["A"] * 3 + ["B"] * 2,
        "period": [0, 1, 2, 0, 1],
        "revenue": [100.0, 50.0, 50.0, 40.0, 0.0],
        "size": [10, 10, 10, 4, 4],
    })
    curve = payback_curve(revenue, gross_margin=0.5)
    # Period 1 pools A and B: (0.5 * (150 + 40)) / 14; period 2 only A: 0.5 * 200 / 10.
    assert curve["contribution"].tolist() == pytest.approx([0.5 * 140 / 14, 0.5 * 190 / 14, 10.0])
    assert curve["cohorts"].tolist() == [2, 2, 1]
    assert cac_payback(curve, 6.0) == 1 and cac_payback(curve, 5.0) == 0
    assert cac_payback(curve, 10.5) is None
    with pytest.raises(GrowthkitError, match="cac=-1"):
        cac_payback(curve, -1)


def test_yearly_nrr_and_grr_follow_customers_paying_twelve_months_before():
    from growthkit.data import validate_orders
    from growthkit.subscriptions.mrr import customer_months
    from growthkit.subscriptions.rates import yearly_retention

    # Paying in January 2024 (months covered 1): a 10 -> 15, b 10 -> gone, c 10 -> 5 in
    # January 2025; d starts later and is not in the base.
    rows = [("a", "2024-01-05", 10.0), ("b", "2024-01-05", 10.0), ("c", "2024-01-05", 10.0),
            ("a", "2025-01-05", 15.0), ("c", "2025-01-05", 5.0), ("d", "2025-01-05", 50.0)]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(months=1)
    orders = validate_orders(frame, amount_col="amount", keep=["months"])
    y = yearly_retention(customer_months(orders, months_covered_col="months"), 2025 * 12)
    assert (y["customers"], y["base"], y["now"]) == (3, 30.0, 20.0)
    assert y["nrr"] == pytest.approx(20 / 30) and y["grr"] == pytest.approx(15 / 30)
