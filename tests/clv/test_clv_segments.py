"""Segments for action: value tiers by CLV quantile crossed with P(alive)."""

from __future__ import annotations

import numpy as np
import pytest

from growthkit.clv import (
    AT_RISK,
    BOUGHT_ONCE,
    SEGMENT_LABELS,
    SEGMENTS,
    predict,
    segment_customers,
    summarize_segments,
)


@pytest.fixture(scope="module")
def segmented(bgnbd, gamma_gamma, cdnow):
    return segment_customers(predict(bgnbd, cdnow, gamma_gamma), value_quantiles=(0.5, 0.8),
                             at_risk_below=0.4)


def test_tiers_follow_the_clv_quantiles_and_status_the_threshold(segmented):
    clv = segmented["clv_revenue"]
    lo, hi = np.quantile(clv, [0.5, 0.8])
    assert (clv[segmented["value_tier"] == "High"] >= hi).all()
    assert (clv[segmented["value_tier"] == "Medium"].between(lo, hi, inclusive="left")).all()
    assert (clv[segmented["value_tier"] == "Low"] < lo).all()
    assert (segmented["value_tier"] == "High").mean() == pytest.approx(0.2, abs=0.01)
    at_risk = segmented["status"] == "at risk"
    assert (segmented.loc[at_risk, "p_alive"] < 0.4).all()
    assert (segmented.loc[~at_risk, "p_alive"] >= 0.4).all()
    repeat = segmented["frequency"] > 0
    assert (segmented.loc[repeat, "segment"].astype(str) == segmented.loc[repeat, "value_tier"]
            + " value, " + segmented.loc[repeat, "status"]).all()
    # One-time buyers are their own segment, whatever P(alive) says (BG/NBD: 1).
    assert (segmented.loc[~repeat, "segment"] == BOUGHT_ONCE).all()
    assert (segmented.loc[~repeat, "status"] == "bought once").all()


def test_summary_has_every_segment_in_order_and_adds_up(segmented):
    table = summarize_segments(segmented)
    assert list(table.index) == list(SEGMENTS)
    assert table["customers"].sum() == len(segmented)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["clv_revenue"].sum() == pytest.approx(segmented["clv_revenue"].sum())
    assert table.loc["High value, at risk", "customers"] > 0
    assert table["action"].str.len().min() > 20


def test_an_empty_segment_is_kept_with_zero_customers(segmented):
    high_only = segmented[segmented["value_tier"] == "High"]
    table = summarize_segments(high_only)
    assert table.loc["Low value, active", "customers"] == 0
    assert len(table) == len(SEGMENTS)


def test_segment_labels_are_defined_once_in_display_order(segmented):
    assert list(SEGMENTS) == [*SEGMENT_LABELS.values(), BOUGHT_ONCE]
    assert AT_RISK == SEGMENT_LABELS["High", "at risk"] == "High value, at risk"
    pairs = zip(segmented["value_tier"], segmented["status"], strict=True)
    assert segmented["segment"].astype(str).tolist() == [
        SEGMENT_LABELS.get(p, BOUGHT_ONCE) for p in pairs]


def test_without_the_bought_once_segment_one_time_buyers_stay_in_the_grid(bgnbd, gamma_gamma,
                                                                           cdnow):
    grid = segment_customers(predict(bgnbd, cdnow, gamma_gamma), bought_once=False)
    once = grid["frequency"] == 0
    # BG/NBD's P(alive) is 1 for them: all "active", the confusion the segment removes.
    assert (grid.loc[once, "status"] == "active").all() and BOUGHT_ONCE not in set(grid["segment"])
