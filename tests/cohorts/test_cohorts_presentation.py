"""What a reader sees (issue 19, for the cohort report): charts whose texts overlap nothing and
whose ticks say their values, in English and Arabic; money columns in one unit and precision;
LTV:CAC always "1.5:1"; no "margin" where no margin was given; a labelled retention table."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from cohorts_support import prelaunch_orders, random_orders
from layout_checks import table_problems

from growthkit.cohorts import analyze
from growthkit.cohorts.tables import headline
from growthkit.i18n import strip_isolates
from growthkit.plots import cohorts as plots
from growthkit.plots.checks import figure_problems


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module", params=["en", "ar"])
def prelaunch(request):
    return analyze(prelaunch_orders(), gross_margin=0.4, cac=20.0, models=("curve",),
                   language=request.param)


def test_the_charts_have_no_overlapping_text_and_honest_ticks(prelaunch):
    a = prelaunch
    # Before: the "unobserved" legend sat over the oldest cohorts' cells and their values
    # (8 overlaps in English, 6 in Arabic), and the backtest's ticks at 0.5% steps read
    # "0%, 2%, 2%, 4%".
    for draw in (
        lambda: plots.plot_retention_heatmap(a.table, language=a.lang),
        lambda: plots.plot_cumulative_margin(a),
        lambda: plots.plot_payback(a),
        lambda: plots.plot_projection(a.projection, a.currency, cac=a.overall["cac"],
                                      language=a.lang),
        lambda: plots.plot_backtest(a.backtest, a.period, language=a.lang),
    ):
        ax = draw()
        assert figure_problems(ax.figure) == []
        plt.close(ax.figure)


def test_the_heatmap_legend_is_outside_the_cells(prelaunch):
    ax = plots.plot_retention_heatmap(prelaunch.table, language=prelaunch.lang)
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1 - 1


def test_money_columns_keep_one_unit_and_precision(small):
    # LTVs from tens to thousands in one column: before, "$95.41" beside "$1.2K".
    scaled = random_orders(7, customers=900).assign(
        amount=lambda f: f["amount"] * np.where(f["channel"] == "ads", 40.0, 1.0))
    a = analyze(scaled, gross_margin=0.5, cac=30.0, segment_col="channel", models=("curve",),
                data_starts_at_launch=True)
    for table in (a.ltv_cac_table(), a.cohorts_table(), a.segments_table()):
        assert table_problems(table.to_html()) == []


def test_ltv_cac_is_always_written_as_a_ratio_to_one(small):
    # Every one-decimal figure of the LTV:CAC paragraph is a ratio "x.y:1" (money has two
    # decimals and a currency sign, shares a percent sign).
    text = strip_isolates(small.ltv_cac_markdown())
    assert re.findall(r"\d+\.\d:1", text)
    assert re.findall(r"(?<![\d$.,])\d+\.\d(?![\d%:])", text) == []
    for table in (small.ltv_cac_table(), small.cohorts_table(), small.segments_table()):
        for column in [c for c in table.columns if "LTV:CAC" in c]:
            cells = [strip_isolates(v) for v in table[column]]
            assert all(re.fullmatch(r"\d+(\.\d)?:1|n/a", v) for v in cells), cells
    assert all(re.fullmatch(r"\d+(\.\d)?:1", strip_isolates(v))
               for k, v in headline(small).items() if "LTV:CAC" in k)


def test_without_a_margin_no_headline_says_margin():
    frame = random_orders(3, customers=500)[["customer_id", "date", "amount", "channel"]]
    a = analyze(frame, segment_col="channel", models=("curve",), data_starts_at_launch=True)
    # Before: "Margin per customer over 12 months" on the landing page, "A customer brings
    # $.. of gross margin" in the summary, revenue all along.
    assert not any("margin" in k.lower() for k in headline(a))
    assert any("Revenue per customer" in k for k in headline(a))
    payback, *_ = strip_isolates(a.summary()).split("\n\n")
    assert "margin" not in payback.replace("no margin was given", "")
    ax = plots.plot_cumulative_margin(a)
    assert "margin" not in ax.get_title() + ax.get_ylabel()


def test_the_retention_table_is_labelled_by_cohort_and_age(small):
    r = small.table.retention()
    assert isinstance(r, pd.DataFrame)
    assert list(r.index) == small.table.labels and r.index.name == "cohort"
    assert list(r.columns) == list(range(small.table.ages)) and r.columns.name == "k"
    assert r.iloc[0, 0] == 1.0
    np.testing.assert_array_equal(r.to_numpy(), small.table.active / small.table.customers[:, None])
