"""``analyze``: the report's result object, its JSON metrics, summary and CSV export."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import analyze, fit, predict

CONTRACT = {
    "transaction_model": {"name", "params", "log_likelihood"},
    "spend_model": {"name", "params", "excluded_customers"},
    "holdout": {"actual_purchases", "predicted_purchases", "mae"},
    "clv": {"horizon_months", "total", "mean", "median", "total_interval"},
}


@pytest.fixture(scope="module")
def analysis():
    return analyze("sample:cdnow-2357", calibration_end="1997-09-30", gross_margin=0.3,
                   n_draws=100, seed=1)


def test_metrics_follow_the_json_contract(analysis):
    m = json.loads(json.dumps(analysis.metrics(), allow_nan=False))
    assert m["customers"] == 2357 and m["orders"] == 6919
    for key, fields in CONTRACT.items():
        assert fields <= set(m[key]), key
    assert set(m["transaction_model"]["params"]) == {"r", "alpha", "a", "b"}
    assert set(m["spend_model"]["params"]) == {"p", "q", "gamma"}
    low, high = m["clv"]["total_interval"]
    assert low < m["clv"]["total"] < high
    assert m["parameters"]["gross_margin"] == 0.3 and "lifetimes" in m["versions"]
    assert "CLV, next 12 months" in m["headline"]


def test_models_are_fitted_on_calibration_and_checked_on_holdout(analysis, cdnow):
    # The calibration summary is the paper's, so the fits are the paper's. (Two fits of the
    # same data agree to the optimiser's tolerance, not to the last bit: BLAS sums can round
    # differently with memory alignment, and the likelihood is flat near its maximum.)
    m = analysis.metrics()
    assert m["transaction_model"]["params"] == pytest.approx(fit(cdnow).params, rel=1e-5)
    assert m["transaction_model"]["log_likelihood"] == pytest.approx(-9582.43, abs=5e-3)
    assert m["spend_model"]["excluded_customers"] == 1411
    assert m["holdout"]["actual_purchases"] == 1882
    assert m["holdout"]["predicted_purchases"] == pytest.approx(1653.4, abs=0.05)


def test_clv_starts_from_the_full_history(analysis, bgnbd, gamma_gamma):
    # Forecasts use every customer's history up to the observation end with the calibration
    # estimates: 78 weeks of T for a customer first seen on 1997-01-01.
    current = analysis.current
    assert current["T"].max() == pytest.approx((pd.Timestamp("1998-06-30")
                                                - pd.Timestamp("1997-01-01")).days / 7)
    expected = predict(bgnbd, current, gamma_gamma, gross_margin=0.3)
    np.testing.assert_allclose(analysis.predictions["clv_revenue"], expected["clv_revenue"],
                               rtol=1e-5)
    own = predict(analysis.model, current, analysis.spend_model, gross_margin=0.3)
    m = analysis.metrics()["clv"]
    assert m["total"] == pytest.approx(own["clv_revenue"].sum(), rel=1e-12)
    assert m["median"] == pytest.approx(own["clv_revenue"].median(), rel=1e-12)
    assert m["profit_total"] == pytest.approx(0.3 * m["total"], rel=1e-12)


def test_summary_says_who_buys_what_they_are_worth_and_how_good_the_model_is(analysis):
    text = analysis.summary_markdown()
    assert "1,653.4 repeat purchases against 1,882" in text
    assert "under-predicts" in text
    total = analysis.intervals.total[0]
    assert f"USD {total / 1e3:,.3g}k" in text
    assert "high value but at risk" in text


def test_tables_render_for_every_section(analysis):
    for table in (analysis.overview_table(), analysis.rfm_table(), analysis.model_table(),
                  analysis.holdout_table(), analysis.spend_table(), analysis.clv_table(),
                  analysis.segments_table(), analysis.run_info()):
        assert isinstance(table, pd.DataFrame) and not table.empty
    assert analysis.holdout_table().loc["all", "actual total"] == 1882


def test_segments_csv_has_one_row_per_customer(analysis, tmp_path):
    path = analysis.export_segments(tmp_path / "segments.csv")
    csv = pd.read_csv(path, index_col=0)
    assert len(csv) == 2357
    assert {"segment", "p_alive", "clv_revenue", "clv_profit"} <= set(csv.columns)
    assert analysis.export_segments(None) is None


def test_without_calibration_end_there_is_no_holdout(tmp_path):
    a = analyze("sample:cdnow-2357", model="auto", n_draws=50)
    m = a.metrics()
    assert "holdout" not in m
    assert "no holdout period" in a.summary_markdown()
    assert "lowest AIC" in m["transaction_model"]["selection_reason"]
    assert a.holdout_table() is None


def test_customer_lookups_for_the_at_risk_example(analysis):
    customer = analysis.example_customer()
    assert analysis.segment_of(customer) == "High value, at risk"
    dates = analysis.purchase_dates(customer)
    row = analysis.current.loc[customer]
    assert dates.dt.normalize().nunique() == row["frequency"] + 1


def test_a_spend_correlation_becomes_a_caveat_in_the_summary(monkeypatch):
    # CDNOW's frequency-spend correlation is 0.07 over 78 weeks; a stricter limit flags it.
    monkeypatch.setattr("growthkit.clv.spend.CORRELATION_LIMIT", 0.05)
    a = analyze("sample:cdnow-2357", n_draws=20)
    assert a.spend_model.correlation_warning is True
    assert len(a.notes) == 1 and "(r = 0.07, above 0.05)" in a.notes[0]
    assert "*Caveat:* frequency and spend per purchase are correlated" in a.summary_markdown()
    assert a.metrics()["spend_model"]["correlation_warning"] is True
