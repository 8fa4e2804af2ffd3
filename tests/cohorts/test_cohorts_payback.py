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
    assert payback_periods(cum, np.array([10.0, 0.0])).tolist() == [0.0, 0.0]  # "≥", at once


def test_payback_is_null_while_not_reached_or_without_a_cac():
    cum = TABLE.cumulative_margin_per_customer()
    out = payback_periods(cum, np.array([50.0, NAN]))
    assert np.isnan(out).all()


def test_the_average_customer_pays_back_when_the_same_cohorts_have_earned_their_cost():
    # At k = 2 only the first cohort is observed: 30 against its own CAC of 25, so k = 2. A
    # comparison with every cohort's mean CAC (35) would wrongly say k = 3.
    k, curve = average_payback(TABLE, np.array([25.0, 40.0]))
    assert k == 2.0
    assert curve["cac"].tolist() == pytest.approx([35.0, 35.0, 25.0, 25.0])
    assert curve["cumulative_margin_per_customer"].tolist() == pytest.approx(
        [400 / 30, 20.0, 30.0, 40.0])
    assert curve["cohorts"].tolist() == [2, 2, 1, 1]
    assert np.isnan(average_payback(TABLE, np.array([99.0, 99.0]))[0])


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
