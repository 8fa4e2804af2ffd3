"""The CLV report's charts and tables read right at a glance, in English and Arabic (#19).

Every chart the notebook draws is checked with :func:`growthkit.plots.checks.figure_problems`
(no text over text or over another chart, tick labels that say their tick's value); the
segments table with ``tests/layout_checks.table_problems`` (one unit and precision per money
column); the landing page's key figures are labelled values, never "a / b".
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from layout_checks import table_problems

from growthkit.clv import analyze, narrative
from growthkit.plots import clv as charts
from growthkit.plots.checks import figure_problems


@pytest.fixture(scope="module", params=["en", "ar"])
def analysis(request):
    return analyze("sample:cdnow-2357", n_draws=20, language=request.param)


def drawings(a):
    lang, s = a.lang, a.settings
    yield "period transactions", lambda: charts.plot_period_transactions(
        a.model, a.current, seed=0, language=lang)
    yield "frequency-recency", lambda: charts.plot_frequency_recency_matrix(
        a.model, s.horizon, horizon_months=s.horizon_months, language=lang)
    yield "P(alive)", lambda: charts.plot_probability_alive_matrix(a.model, language=lang)
    yield "tracking", lambda: charts.plot_tracking(
        a.tracking, calibration_end=a.calibration_end, language=lang)
    yield "holdout", lambda: charts.plot_holdout_by_frequency(
        a.holdout, time_unit=s.time_unit, language=lang)
    yield "distribution", lambda: charts.plot_clv_distribution(
        a.predictions, currency=a.currency, language=lang)
    yield "segments", lambda: charts.plot_segments(a.segments, currency=a.currency,
                                                   language=lang)
    yield "at-risk example", lambda: charts.plot_at_risk_example(a)


def test_every_chart_has_no_overlap_and_ticks_that_match_their_labels(analysis):
    # Before: the heatmaps put ticks at 2.5, 7.5, 12.5, 17.5 labelled "2", "8", "12", "18".
    found = {}
    for name, draw in drawings(analysis):
        problems = figure_problems(draw().figure)
        plt.close("all")
        if problems:
            found[name] = problems
    assert found == {}


def test_heatmap_ticks_sit_on_whole_frequencies_and_recencies(analysis):
    ax = charts.plot_probability_alive_matrix(analysis.model, language=analysis.lang)
    ax.figure.draw_without_rendering()
    for axis in (ax.xaxis, ax.yaxis):
        ticks = axis.get_majorticklocs()
        assert np.array_equal(ticks, np.round(ticks)), ticks
    plt.close("all")


def test_segment_money_columns_keep_one_unit_and_precision(analysis):
    # Before: "$51.9K, $2.25K, $4.91K, $2.54K, $0.00, $555, $6.64K" in one column.
    assert table_problems(analysis.segments_view().to_html()) == []
    table = analysis.segments_table()
    total = table.iloc[:, 4]
    if analysis.lang.locale_id.startswith("en"):
        assert list(total) == ["$51,916", "$2,251", "$4,915", "$2,535", "$0", "$555", "$6,641"]


def test_landing_figures_are_labelled_values_never_a_slash_b(analysis):
    headline = narrative.headline(analysis)
    assert len(headline) == 4
    assert not any("/" in value for value in headline.values())


def test_segments_chart_without_intervals_draws_bars_only():
    # A model near the edge of its range gives no interval (NaN bounds): before, the chart
    # raised "'xerr' must not contain negative values"; a bound on the wrong side of the
    # estimate is drawn as reaching the estimate.
    a = analyze("sample:cdnow-2357", n_draws=20)
    segments = a.segments.copy()
    segments.loc[segments.index[:3], ["revenue_low", "revenue_high"]] = np.nan
    segments.loc[segments.index[3], "revenue_high"] = segments["clv_revenue"].iloc[3] / 2
    ax = charts.plot_segments(segments, currency="USD")
    [bars] = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    bounded = segments[["revenue_low", "revenue_high"]].notna().all(axis=1)
    assert len(bars.lines[2][0].get_segments()) == bounded.sum() == 3  # ("Low, active": empty)
    assert figure_problems(ax.figure) == []
    plt.close("all")
