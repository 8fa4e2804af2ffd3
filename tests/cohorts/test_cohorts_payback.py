"""growthkit.cohorts.payback: payback periods and LTV:CAC, on hand-computed tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from growthkit.cohorts import (
    CohortTable,
    average_payback,
    ltv_cac,
    ltv_cac_by_cohort,
    payback_periods,
)

NAN = np.nan


def _table(customers: list[float], margin: list[list[float]]) -> CohortTable:
    m = np.array(margin, dtype=float)
    return CohortTable(
        period="month", observation_end=dt.date(2024, 4, 30),
        cohorts=np.arange(len(customers)) + 24288, customers=np.array(customers, dtype=float),
        active=np.where(np.isnan(m), NAN, 1.0), revenue=m, margin=m,
        purchases=np.where(np.isnan(m), NAN, 1.0),
    )


# Cohort sizes 10 and 20; cumulative margin per customer [10, 20, 30, 40] and [15, 20, -, -].
TABLE = _table([10, 20], [[100, 100, 100, 100], [300, 100, NAN, NAN]])


def test_payback_is_the_first_k_at_which_cumulative_margin_covers_cac():
    cum = TABLE.cumulative_margin_per_customer()
    assert payback_periods(cum, np.array([25.0, 18.0])).tolist() == [2.0, 1.0]
    assert payback_periods(cum, np.array([10.0, 15.0])).tolist() == [0.0, 0.0]  # "≥", at once


def test_no_spend_recorded_has_no_payback_not_payback_zero():
    # A cohort with CAC 0 (customers, no spend) has nothing to pay back: null, never 0.
    cum = TABLE.cumulative_margin_per_customer()
    out = payback_periods(cum, np.array([0.0, 18.0]))
    assert np.isnan(out[0]) and out[1] == 1.0
    k, curve = average_payback(TABLE, np.array([0.0, 0.0]))
    assert np.isnan(k) and (curve["cac"].dropna() == 0).all()


def test_payback_is_null_while_not_reached_or_without_a_cac():
    cum = TABLE.cumulative_margin_per_customer()
    out = payback_periods(cum, np.array([50.0, NAN]))
    assert np.isnan(out).all()


def test_the_average_customer_chains_each_periods_margin_against_one_cac():
    # Margin per customer per period: cohort 1 (10 customers) 10, 10, 10, 10; cohort 2 (20)
    # 15, 5, -, -. Averaged over the cohorts observed at each k: 400/30, 200/30, 10, 10;
    # chained: 13.33, 20, 30, 40. One CAC, size-weighted over both complete cohorts:
    # (10·25 + 20·40) / 30 = 35, the summary's. 40 ≥ 35 first at k = 3.
    k, curve = average_payback(TABLE, np.array([25.0, 40.0]))
    assert k == 3.0
    assert curve["cac"].tolist() == pytest.approx([35.0] * 4)
    assert curve["cumulative_margin_per_customer"].tolist() == pytest.approx(
        [400 / 30, 20.0, 30.0, 40.0])
    assert curve["cohorts"].tolist() == [2, 2, 1, 1]


def test_the_average_cumulative_curve_never_falls_when_rich_cohorts_drop_out():
    # An old cohort of 100 earning 0.5 per customer per period, observed for 3 periods; a young
    # one of 10 earning 10, observed for 2. The mean of cumulative values over the cohorts
    # observed at each k falls from 300/110 to 1.5 at k = 2, when the young one leaves it; the
    # chained per-period means (150/110, 150/110, 0.5) do not.
    t = _table([100, 10], [[50, 50, 50], [100, 100, NAN]])
    mixed = t.average(t.cumulative_margin_per_customer())
    assert mixed[1:].tolist() == pytest.approx([300 / 110, 1.5])
    chained = t.average_cumulative()
    assert chained.tolist() == pytest.approx([150 / 110, 300 / 110, 300 / 110 + 0.5])


def test_ltv_cac_is_size_weighted_over_the_cohorts_observed_that_long():
    cum = TABLE.cumulative_margin_per_customer()
    cac = np.array([25.0, 40.0])
    two = ltv_cac(TABLE.customers, cum, cac, 2)  # k = 1: both cohorts
    assert two == pytest.approx({"cohorts": 2, "customers": 30.0, "ltv": 20.0, "cac": 35.0,
                                 "ratio": 20 / 35})
    four = ltv_cac(TABLE.customers, cum, cac, 4)  # k = 3: the first cohort only
    assert (four["cohorts"], four["ltv"], four["cac"], four["ratio"]) == (1, 40.0, 25.0, 1.6)
    beyond = ltv_cac(TABLE.customers, cum, cac, 24)
    assert beyond["cohorts"] == 0 and np.isnan(beyond["ratio"])
    free = ltv_cac(TABLE.customers, cum, np.zeros(2), 2)
    assert free["ltv"] == 20.0 and np.isnan(free["ratio"])  # no cost: no finite ratio


def test_ltv_cac_by_cohort():
    frame = ltv_cac_by_cohort(TABLE.cumulative_margin_per_customer(), np.array([20.0, 0.0]),
                              horizons=(1, 4))
    assert frame["ltv_1"].tolist() == [10.0, 15.0]
    assert frame["ltv_cac_1"].tolist()[0] == 0.5 and np.isnan(frame["ltv_cac_1"].iloc[1])
    assert frame["ltv_cac_4"].tolist()[0] == 2.0 and np.isnan(frame["ltv_4"].iloc[1])
