"""The A/B-test charts (growthkit.plots.abtest)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from growthkit.abtest import analyze_summary, compare, sample_size
from growthkit.i18n import isolate
from growthkit.plots.abtest import plot_forest, plot_power_curve
from growthkit.samples.experiment import make_experiment

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def segmented():
    return compare(make_experiment(n_users=6000), "variant", "control", "converted,revenue",
                   segment_col="device", correction="bonferroni")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_forest_plot_draws_one_interval_per_row(segmented):
    ax = plot_forest(segmented)
    assert len(ax.get_yticklabels()) == len(segmented)
    # Metric, arm and segment come from the data: each isolated.
    row = " · ".join(isolate(x) for x in ("converted", "treatment", "desktop"))
    assert row in [t.get_text() for t in ax.get_yticklabels()]
    assert "%" in ax.get_xlabel()
    matplotlib.pyplot.close(ax.figure)


def test_forest_plot_leaves_out_rows_without_an_interval_and_says_when_none_is_left():
    rows = [{"metric": "conv", "variant": v, "n": 100, "conversions": 0} for v in "AB"]
    ax = plot_forest(analyze_summary(rows, control="A"))
    assert _texts(ax) == ["No relative lift with an interval to show (see the results table)."]
    matplotlib.pyplot.close(ax.figure)


def test_power_curve_reaches_80_percent_at_the_sample_size(segmented):
    row = compare(make_experiment(n_users=6000), "variant", "control", "converted").iloc[0]
    ax = plot_power_curve(row, lifts=(0.1,))
    x, y = ax.get_lines()[0].get_data()
    assert np.all(np.diff(y) >= -1e-12)
    n = sample_size(row["control_mean"], 0.1, relative=True)
    assert np.interp(n, x, y) == pytest.approx(0.8, abs=0.01)
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize(("conversions", "rate"), [(0, "0%"), (100, "100%")])
def test_power_curve_of_a_rate_of_0_or_100_percent_says_why_there_is_none(conversions, rate):
    # Before, this raised "baseline=0.0 is not a conversion rate" and failed the whole report.
    rows = [{"metric": "signed $up", "variant": v, "n": 100, "conversions": conversions}
            for v in "AB"]
    ax = plot_power_curve(analyze_summary(rows, control="A").iloc[0])
    metric = isolate(r"signed \$up")  # the metric's name as typed, isolated
    assert _texts(ax) == [f"No power curve for {metric}: a control rate of {rate}."]
    assert not ax.get_lines()
    matplotlib.pyplot.close(ax.figure)


def test_power_curve_of_a_metric_that_does_not_vary_says_why_there_is_none():
    row = pd.Series({"metric": "spend", "method": "welch", "control_mean": 5.0,
                     "control_std": 0.0, "control_n": 50, "n": 50})
    ax = plot_power_curve(row)
    assert _texts(ax) == [
        f"No power curve for {isolate('spend')}: no spread or no baseline in the control."]
    matplotlib.pyplot.close(ax.figure)
