"""growthkit.plots.cohorts: every chart returns its Axes; unobserved cells are drawn apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from i18n_support import isolated
from matplotlib.patches import Rectangle

from growthkit.errors import GrowthkitError
from growthkit.i18n import isolate, strip_isolates
from growthkit.plots import cohorts as plots


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_heatmap_hatches_every_unobserved_cell_inside_the_data_window(small):
    ax = plots.plot_retention_heatmap(small.table)
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "///"]
    # 2024-12 is open: one cell per cohort (24), plus the average row's k = 23 (only the
    # first cohort reaches it, and its cell there is December 2024).
    assert len(hatched) == 24 + 1
    image = ax.images[0].get_array()
    assert bool(image.mask[-2].all())  # the forming cohort has no value at all
    assert ax.get_yticklabels()[-1].get_text() == "average"


def test_every_chart_takes_an_axes_and_returns_it(small):
    for draw in (
        lambda ax: plots.plot_retention_heatmap(small.table, ax=ax),
        lambda ax: plots.plot_cumulative_margin(small, ax=ax),
        lambda ax: plots.plot_payback(small, ax=ax),
        lambda ax: plots.plot_payback_by_segment(small, ax=ax),
        lambda ax: plots.plot_projection(small.projection, small.currency, ax=ax),
        lambda ax: plots.plot_backtest(small.backtest, small.period, ax=ax),
    ):
        _, ax = plt.subplots()
        assert draw(ax) is ax


def test_margin_curves_carry_their_cac_lines(small):
    ax = plots.plot_cumulative_margin(small)
    labels = [line.get_label() for line in ax.get_lines()]
    # The channel comes from the data: drawn isolated, so its direction cannot leak.
    assert "all customers" in labels and isolate("referral") in labels
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 + len(small.cohorts.segment_values("channel"))
    assert "USD" in ax.get_ylabel()


def test_payback_charts_need_a_cac(small):
    import dataclasses

    with pytest.raises(GrowthkitError, match="payback needs a CAC"):
        plots.plot_payback(dataclasses.replace(small, cac=None))


def test_labels_from_the_data_cannot_start_mathtext(small):
    ax = plots.plot_projection(small.projection, "$", cac=10.0)
    ylabel = ax.get_ylabel()
    assert strip_isolates(ylabel) == r"cumulative margin per customer (\$)"
    assert isolated(ylabel, r"\$")  # the currency is the caller's: isolated
