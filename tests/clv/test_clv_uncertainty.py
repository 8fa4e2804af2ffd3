"""Intervals for total and per-segment CLV from the parametric bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import clv_intervals, predict, segment_customers
from growthkit.clv.uncertainty import TOTAL
from growthkit.clv.value import Histories, clv_revenue, clv_settings


@pytest.fixture(scope="module")
def segmented(bgnbd, gamma_gamma, cdnow) -> pd.DataFrame:
    return segment_customers(predict(bgnbd, cdnow, gamma_gamma))


@pytest.fixture(scope="module")
def intervals(bgnbd, gamma_gamma, cdnow, segmented):
    return clv_intervals(bgnbd, gamma_gamma, cdnow, segmented["segment"].astype(str),
                         gross_margin=0.4, n_draws=100, seed=3)


def test_intervals_contain_their_point_estimates(intervals, segmented):
    t = intervals.table
    assert (t["revenue_low"] < t["clv_revenue"]).all()
    assert (t["clv_revenue"] < t["revenue_high"]).all()
    # The points are the predictions' own sums, per segment and in total.
    expected = segmented.groupby("segment", observed=True)["clv_revenue"].sum()
    np.testing.assert_allclose(t.loc[expected.index.astype(str), "clv_revenue"], expected,
                               rtol=1e-12)
    assert t.loc[TOTAL, "clv_revenue"] == pytest.approx(segmented["clv_revenue"].sum(),
                                                        rel=1e-12)
    assert t.loc[TOTAL, "customers"] == len(segmented)


def test_profit_intervals_scale_with_the_margin(intervals):
    t = intervals.table
    np.testing.assert_allclose(t["profit_low"], 0.4 * t["revenue_low"], rtol=1e-15)
    np.testing.assert_allclose(t["clv_profit"], 0.4 * t["clv_revenue"], rtol=1e-15)
    assert intervals.total_profit[0] == pytest.approx(0.4 * intervals.total[0], rel=1e-15)


def test_intervals_are_seeded(bgnbd, gamma_gamma, cdnow, intervals, segmented):
    groups = segmented["segment"].astype(str)
    again = clv_intervals(bgnbd, gamma_gamma, cdnow, groups, gross_margin=0.4, n_draws=100,
                          seed=3)
    pd.testing.assert_frame_equal(again.table, intervals.table)
    other = clv_intervals(bgnbd, gamma_gamma, cdnow, groups, gross_margin=0.4, n_draws=100,
                          seed=4)
    assert other.total[1] != intervals.total[1]


def test_interval_width_matches_the_parameter_uncertainty(bgnbd, gamma_gamma, cdnow):
    # A 90% interval from 400 draws is about ±1.645 standard deviations of the total; its
    # relative half-width on the CDNOW sample (2,357 customers) is several percent, and a
    # 50% interval is narrower.
    wide = clv_intervals(bgnbd, gamma_gamma, cdnow, n_draws=400, seed=0)
    narrow = clv_intervals(bgnbd, gamma_gamma, cdnow, n_draws=400, seed=0, level=0.5)
    point, low, high = wide.total
    assert 0.02 < (high - low) / 2 / point < 0.2
    assert narrow.total[2] - narrow.total[1] < 0.6 * (high - low)
    assert list(wide.table.index) == [TOTAL]


def test_intervals_per_cell_equal_the_per_customer_computation(bgnbd, gamma_gamma, cdnow,
                                                               segmented):
    # The intervals sum each draw's CLV over (history, segment) cells; recomputing every
    # customer's CLV at the same seeded draws and summing gives the same quantiles.
    groups = segmented["segment"].astype(str)
    got = clv_intervals(bgnbd, gamma_gamma, cdnow, groups, n_draws=50, seed=7).table
    settings = clv_settings(bgnbd, 12, 0.10, 1.0, None)
    hist = Histories.from_summary(cdnow, spend=True)
    codes, labels = pd.factorize(groups.reindex(cdnow.index), sort=True)
    rng = np.random.default_rng(7)
    drawn = bgnbd.draw_params(50, rng)
    spend_drawn = gamma_gamma.draw_params(50, rng)
    totals = []
    for params, spend_params in zip(drawn, spend_drawn, strict=False):
        values = clv_revenue(bgnbd, params, spend_params, hist, settings)
        totals.append([values.sum(), *np.bincount(codes, values, len(labels))])
    low, high = np.quantile(np.array(totals), [0.05, 0.95], axis=0)
    assert list(got.index) == [TOTAL, *labels]
    np.testing.assert_allclose(got["revenue_low"], low, rtol=1e-11)
    np.testing.assert_allclose(got["revenue_high"], high, rtol=1e-11)
    assert len(got) > 3 and (got["revenue_high"] > got["revenue_low"]).all()
