"""growthkit.cohorts.segments: a group's figures and the per-cohort rows, hand-computed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_cohorts_payback import NAN, TABLE, _table

from growthkit.cohorts import Projection, cohort_rows, summarize


def _projection(table, cumulative):
    cumulative = np.array(cumulative, dtype=float)
    return Projection("curve", table, cumulative, np.zeros_like(cumulative, bool),
                      np.full_like(cumulative, NAN), np.full_like(cumulative, NAN), None,
                      dt.date(2024, 4, 30))


def test_a_groups_figures():
    # sizes 10 and 20; cumulative margin per customer [10, 20, 30, 40] and [15, 20, -, -]
    s = summarize(TABLE, np.array([25.0, 40.0]), None)
    assert s["customers"] == 30 and s["cohorts"] == 2
    assert s["cac"] == pytest.approx(35.0)  # size-weighted
    # The chained average 13.3, 20, 30, 40 against the one CAC of 35 (as the summary says it).
    assert s["payback_period"] == 3.0
    assert np.isnan(s["ltv_6"])  # no cohort has been observed for 6 periods
    assert s["cohorts_6"] == 0 and np.isnan(s["projected_ltv_24"])


def test_projected_figures_use_every_complete_cohort():
    table = _table([10, 20], [[100] * 4, [300, 100, NAN, NAN]])
    curve = [[10, 20, 30, 40] + [40 + i for i in range(1, 21)],
             [15, 20] + [20 + 2 * i for i in range(1, 23)]]
    s = summarize(table, np.array([25.0, 40.0]), _projection(table, curve))
    ltv12 = (10 * curve[0][11] + 20 * curve[1][11]) / 30
    assert s["projected_ltv_12"] == pytest.approx(ltv12)
    assert s["projected_ltv_cac_12"] == pytest.approx(ltv12 / 35.0)
    mean = (10 * np.array(curve[0]) + 20 * np.array(curve[1])) / 30
    assert s["projected_payback_period"] == float(np.argmax(mean >= 35.0))


def test_without_a_cac_there_are_no_cost_figures():
    s = summarize(TABLE, None, None)
    assert np.isnan(s["cac"]) and np.isnan(s["payback_period"]) and np.isnan(s["ltv_cac_12"])
    # one active customer in period 1 in each cohort: 1/10 and 1/20, weighted by size
    assert np.isnan(s["ltv_6"]) and s["retention_1"] == pytest.approx((1 + 1) / 30)


def test_cohort_rows():
    rows = cohort_rows(TABLE, np.array([25.0, 18.0]), ["spend", "flat"], None)
    assert rows.index.tolist() == ["2024-01", "2024-02"]
    assert rows["payback_period"].tolist() == [2.0, 1.0]
    assert rows["last_k"].tolist() == [3, 1] and rows["complete"].all()
    assert rows["cac_basis"].tolist() == ["spend", "flat"]
