"""Charts of the subscriptions report (growthkit.plots.subscriptions): they draw what the data
say, on the Axes given, and say so when there is nothing to draw."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from growthkit.i18n import isolate, strip_isolates
from growthkit.plots.subscriptions import (
    plot_churn_trends,
    plot_funnel,
    plot_migration,
    plot_mrr_waterfall,
    plot_nps,
    plot_retention_trends,
    plot_stickiness,
    plot_survival,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close():
    yield
    matplotlib.pyplot.close("all")


def test_the_waterfall_walks_from_start_to_end(sample_analysis):
    m = sample_analysis.movements
    ax = plot_mrr_waterfall(m, months=12, currency="EUR")
    bars = ax.patches
    assert len(bars) == 7
    start, end = bars[0].get_height(), bars[-1].get_height()
    assert start == pytest.approx(m["start"].iloc[-12]) and end == pytest.approx(m["end"].iloc[-1])
    # Each movement bar starts where the running total stands.
    level = start
    for bar, col, sign in zip(bars[1:6], ["new", "expansion", "reactivation", "contraction",
                                          "churn"], [1, 1, 1, -1, -1], strict=True):
        change = sign * m[col].tail(12).sum()
        assert bar.get_height() == pytest.approx(abs(change))
        assert bar.get_y() == pytest.approx(level if change >= 0 else level + change)
        level += change
    assert level == pytest.approx(end)
    assert strip_isolates(ax.get_ylabel()) == "MRR (EUR)"


def test_rate_trends_and_survival_use_the_given_axes(sample_analysis):
    _, axes = matplotlib.pyplot.subplots(1, 3)
    assert plot_churn_trends(sample_analysis.rates, ax=axes[0]) is axes[0]
    assert plot_retention_trends(sample_analysis.rates, ax=axes[1]) is axes[1]
    assert plot_survival(sample_analysis.sbg_fits, horizon=24, ax=axes[2]) is axes[2]
    lines = {line.get_label(): line for line in axes[2].get_lines()}
    fitted = lines[f"{isolate('full')}: sBG fit"]  # the plan name isolated
    model = next(f.model for f in sample_analysis.sbg_fits if f.name == "full")
    np.testing.assert_allclose(fitted.get_ydata(), model.survival(fitted.get_xdata()))
    assert lines[f"{isolate('full')}: projection"].get_xdata().max() == max(24, model.periods)


def test_migration_funnel_nps_and_stickiness_draw_their_numbers(sample_analysis):
    a = sample_analysis
    ax = plot_migration(a.migration)
    # Plan names, isolated in the order of the data.
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        isolate(p) for p in ["trial", "full", "light"]]
    ax = plot_funnel(a.funnel)
    overall = a.funnel_overall()
    assert [p.get_width() for p in ax.patches] == overall["people"].tolist()
    ax = plot_nps(a.nps)
    (_, caps, _) = ax.containers[-1].lines
    assert ax.get_xlim() == (-100, 100) and len(caps) == 2
    ax = plot_stickiness(a.activity)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), a.activity["dau_mau"])


def test_nothing_to_draw_is_said_on_the_chart():
    empty = pd.DataFrame(columns=["month", "start", "new", "expansion", "reactivation",
                                  "contraction", "churn", "end"])
    ax = plot_mrr_waterfall(empty)
    assert "No complete month" in ax.texts[0].get_text()
    ax = plot_stickiness(pd.DataFrame(columns=["day", "dau", "mau", "dau_mau"]))
    assert "No activity" in ax.texts[0].get_text()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_waterfall_and_mrr_table_read_right_in_both_languages(language):
    # Issue 19: "+" beside "US$" but "−" beside the number in Arabic, value labels over the
    # title, "$0.00" on empty bars, and an MRR table mixing "$1K" with "$1.03K".
    import matplotlib.pyplot as plt
    from layout_checks import table_problems

    from growthkit.i18n import strip_isolates
    from growthkit.plots.checks import figure_problems
    from growthkit.subscriptions import analyze

    a = analyze("sample:subscriptions", language=language)
    ax = plot_mrr_waterfall(a.movements, currency=a.currency, language=a.lang)
    assert figure_problems(ax.figure) == []
    # The character after each sign, isolates kept: "+" sits where "-" does (inside the
    # amount's isolate, before its digits), never outside it by the currency.
    texts = [t.get_text().replace("\u200f", "") for t in ax.texts]
    signs = [t[t.index(c) + 1] for t in texts for c in "+-" if c in t]
    after = {"digit" if c.isdigit() else c for c in signs}
    assert len(signs) == 5 and len(after) == 1, texts
    assert len([t for t in texts if strip_isolates(t)[0] in "+-"]) == 5
    assert table_problems(a.movements_table().to_html()) == []
    plt.close("all")
    # An empty movement (no reactivation) has no label at all.
    quiet = a.movements.assign(reactivation=0.0)
    ax = plot_mrr_waterfall(quiet, currency=a.currency, language=a.lang)
    assert len(ax.texts) == 6
    plt.close("all")
