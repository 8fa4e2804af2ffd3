"""Holdout validation, the automatic model choice and the tracking data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit import orders, validate_orders
from growthkit.clv import fit, has_holdout, tracking_data, validate_holdout


def test_holdout_buckets_add_up(bgnbd, cdnow):
    h = validate_holdout(bgnbd, cdnow)
    table = h.by_frequency
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == h.customers == 2357
    assert table["actual_total"].sum() == pytest.approx(h.actual_purchases, rel=1e-12)
    assert table["predicted_total"].sum() == pytest.approx(h.predicted_purchases, rel=1e-12)
    # FHL (2005) Figure 4: 1,411 customers made no repeat purchase in calibration.
    assert table.loc["0", "customers"] == 1411
    predicted = bgnbd.expected_purchases(cdnow, 39.0)
    assert h.mae == pytest.approx(np.mean(np.abs(cdnow["frequency_holdout"] - predicted)),
                                  rel=1e-12)


def test_auto_picks_the_lowest_holdout_error_and_says_why(cdnow):
    chosen = fit(cdnow, "auto", time_unit="weeks")
    table = chosen.candidates
    assert set(table.index) == {"bgnbd", "mbgnbd", "paretonbd"}
    assert table["holdout_mae"].idxmin() == chosen.name
    for name in table.index:
        expected = validate_holdout(fit(cdnow, name), cdnow).mae
        assert table.loc[name, "holdout_mae"] == pytest.approx(expected, rel=1e-12)
    assert chosen.selection_reason.startswith(f"{chosen.label} was chosen for the lowest holdout")
    assert chosen.selection_reason.count("MAE") == 3


def test_auto_without_holdout_uses_aic(cdnow):
    calibration = cdnow[["frequency", "recency", "T"]]
    assert not has_holdout(calibration)
    chosen = fit(calibration, "auto")
    assert chosen.candidates["aic"].idxmin() == chosen.name
    assert "lowest AIC (no holdout period" in chosen.selection_reason


def test_tracking_counts_every_repeat_purchase_and_the_model_expectation(bgnbd, cdnow):
    table = orders("sample:cdnow-2357", amount_col="amount")
    track = tracking_data(bgnbd, table, time_unit="weeks", calibration_end="1997-09-30")
    # The cohort's repeat purchases over calibration and holdout: 2,457 + 1,882.
    assert track["actual"].iloc[-1] == 2457 + 1882
    assert track.index[-1].date().isoformat() == "1998-06-30"
    assert (np.diff(track.index) <= np.timedelta64(7, "D")).all()
    assert track["actual_in_period"].sum() == track["actual"].iloc[-1]
    # At the end, the model expects Σ E[X(age at 1998-06-30)] over the customers.
    age = cdnow["T"] + 39.0
    expected = bgnbd.expected_purchases_new(age.to_numpy()).sum()
    assert track["predicted"].iloc[-1] == pytest.approx(expected, rel=1e-9)
    at_cal = track.loc[:"1997-10-01"].iloc[-1]
    assert at_cal["actual"] <= 2457


def test_tracking_rejects_a_calibration_end_before_any_customer(bgnbd):
    table = orders("sample:cdnow-2357")
    with pytest.raises(ValueError, match="no customers have a first order on or before"):
        tracking_data(bgnbd, table, time_unit="weeks", calibration_end="1990-01-01")


def test_tracking_takes_validated_orders_and_their_last_day(bgnbd):
    # Orders know their last day (1998-06-30), so the observation end needs no query, and the
    # counts are the table's.
    valid = validate_orders("sample:cdnow-2357", amount_col="amount")
    from_orders = tracking_data(bgnbd, valid, time_unit="weeks", calibration_end="1997-09-30")
    from_table = tracking_data(bgnbd, valid.table, time_unit="weeks",
                               calibration_end="1997-09-30")
    pd.testing.assert_frame_equal(from_orders, from_table)
    assert from_orders.index[-1].date().isoformat() == "1998-06-30"
    with pytest.raises(ValueError, match="observation_end='1998-13-45' is not a date"):
        tracking_data(bgnbd, valid, time_unit="weeks", observation_end="1998-13-45")
