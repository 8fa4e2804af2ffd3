"""The CLV charts draw on the given Axes, label their units, and plot_history_alive works on
pandas 3 (lifetimes' version calls the removed ``fillna(method=...)``)."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from growthkit.clv import (
    AT_RISK,
    predict,
    segment_customers,
    summarize_segments,
    validate_holdout,
)
from growthkit.errors import GrowthkitError
from growthkit.i18n import isolate
from growthkit.plots.clv import (
    plot_at_risk_example,
    plot_clv_distribution,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_holdout_by_frequency,
    plot_period_transactions,
    plot_probability_alive_matrix,
    plot_segments,
    plot_tracking,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_history_alive_follows_the_model_day_by_day(bgnbd, ax):
    dates = ["1997-01-01", "1997-01-01", "1997-02-12", "1997-05-07"]  # two orders on one day
    out = plot_history_alive(bgnbd, dates, time_unit="weeks", end="1997-09-30", ax=ax)
    assert out is ax
    line = ax.get_lines()[0]
    days, p_alive = line.get_xdata(), line.get_ydata()
    assert len(days) == 273  # 1997-01-01 to 1997-09-30, daily
    # On 1997-06-01: 2 repeat purchases, the last in week 18, customer age 21.57 weeks.
    i = 151
    summary = pd.DataFrame({"frequency": [2.0], "recency": [126 / 7], "T": [151 / 7]})
    assert p_alive[i] == pytest.approx(bgnbd.probability_alive(summary).iloc[0], rel=1e-12)
    assert p_alive[0] == 1.0 and np.all((p_alive > 0) & (p_alive <= 1))
    assert ax.get_ylabel() == "P(alive)"


def test_history_alive_rejects_an_end_before_the_first_purchase(bgnbd, ax):
    with pytest.raises(ValueError, match="before the first purchase"):
        plot_history_alive(bgnbd, ["1997-03-01"], time_unit="weeks", end="1997-01-01", ax=ax)


def test_model_diagnostics_plot_on_the_given_axes(bgnbd, cdnow, ax):
    assert plot_period_transactions(bgnbd, cdnow, ax=ax) is ax
    heights = [p.get_height() for p in ax.patches]
    assert heights[0] == (cdnow["frequency"] == 0).sum()  # first bar: actual one-time buyers
    assert sum(heights[:8]) == len(cdnow)
    assert ax.get_ylabel() == "Customers"


@pytest.mark.parametrize(
    ("plot", "matrix"),
    [(plot_frequency_recency_matrix, lambda m: m.expected_purchases_matrix(1.0)),
     (plot_probability_alive_matrix, lambda m: m.p_alive_matrix())],
    ids=["expected purchases", "P(alive)"],
)
def test_matrices_draw_the_models_matrix_and_label_the_time_unit(plot, matrix, bgnbd, ax):
    plot(bgnbd, ax=ax)
    assert "weeks" in ax.get_ylabel()
    drawn = ax.images[0].get_array()
    np.testing.assert_array_equal(drawn.filled(np.nan), matrix(bgnbd).to_numpy())


def test_tracking_and_holdout_plots(bgnbd, cdnow, ax):
    tracking = pd.DataFrame({"actual": [1.0, 3.0], "predicted": [1.5, 2.5],
                             "actual_in_period": [1.0, 2.0], "predicted_in_period": [1.5, 1.0]},
                            index=pd.to_datetime(["1997-01-07", "1997-01-14"]))
    plot_tracking(tracking, calibration_end="1997-01-10", ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["Actual", "Model",
                                                             "End of calibration"]
    ax.clear()
    plot_holdout_by_frequency(validate_holdout(bgnbd, cdnow), time_unit="weeks", ax=ax)
    assert "39 weeks" in ax.get_ylabel()
    ax.clear()
    plot_holdout_by_frequency(None, ax=ax)  # no holdout period: a note, not a chart
    assert not ax.lines and ax.texts[0].get_text().startswith("No holdout period")


def test_value_plots_put_the_currency_on_the_axis(bgnbd, gamma_gamma, cdnow, ax):
    predictions = predict(bgnbd, cdnow, gamma_gamma)
    plot_clv_distribution(predictions, currency="EUR", ax=ax)
    assert ax.xaxis.get_major_formatter()(1000, 0) == "€1K"
    # Without a margin profit equals revenue: one histogram and one median line, not two.
    assert len(ax.patches) == 39 and len(ax.get_legend().get_texts()) == 2
    ax.clear()
    segments = summarize_segments(segment_customers(predictions))
    plot_segments(segments, currency="SAR", ax=ax)
    assert ax.xaxis.get_major_formatter()(1500, 0) == "SAR\u00a01.5K"


@pytest.mark.parametrize("h", ["*_`$x$`_*", "US$ $5"], ids=["mathtext", "dollars"])
def test_data_derived_labels_show_as_typed(analysis, h, ax, monkeypatch):
    # A $ in a customer id or an amount must not start matplotlib's mathtext.
    dates = analysis.purchase_dates(analysis.example_customer())
    a = dataclasses.replace(
        analysis,
        predictions=analysis.predictions.rename(index=lambda c: f"{h} #{c}"),
    )
    monkeypatch.setattr(type(a), "purchase_dates", lambda self, customer: dates)
    plot_at_risk_example(a, ax=ax)
    ax.figure.canvas.draw()  # would raise on a mathtext parse error
    shown = f"{h} #{analysis.example_customer()}".replace("$", "\\$")
    assert ax.get_title() == f"P(alive) over time of customer {isolate(shown)} ({AT_RISK})"
    ax.clear()
    plot_segments(a.segments, currency="USD", ax=ax)
    ax.figure.canvas.draw()
    assert ax.xaxis.get_major_formatter()(1000, 0) == "\\$1K"  # no mathtext either


def test_period_transactions_above_the_sample_size_scale_a_seeded_sample(bgnbd, cdnow):
    def model_bars(**options) -> np.ndarray:
        fig, ax = plt.subplots()
        try:
            plot_period_transactions(bgnbd, cdnow, ax=ax, **options)
            heights = np.array([p.get_height() for p in ax.patches])
        finally:
            plt.close(fig)
        assert heights[:8].sum() == len(cdnow)  # the actual bars count every customer
        return heights[8:]

    everyone = model_bars(replicates=40)
    sampled = model_bars(replicates=40, sample_size=1_000)
    # Scaled up to all 2,357 customers, and close to simulating every customer.
    assert sampled.sum() == pytest.approx(len(cdnow), rel=1e-12)
    np.testing.assert_allclose(sampled, everyone, atol=0.03 * len(cdnow))
    np.testing.assert_array_equal(model_bars(replicates=40, sample_size=1_000), sampled)
    np.testing.assert_array_equal(model_bars(replicates=40, sample_size=len(cdnow)), everyone)
    with pytest.raises(GrowthkitError, match="sample_size=0"):
        model_bars(sample_size=0)
