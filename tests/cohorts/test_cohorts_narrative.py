"""growthkit.cohorts.narrative: every sentence is computed, and absent where its fact is false.

Each test changes the number a sentence states (``dataclasses.replace`` on the analysis of a
small shop) and checks that the sentence follows it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import mistune
import numpy as np
import pandas as pd
import pytest
from html_safety import HOSTILE, live_markup

from growthkit.cohorts import analyze, narrative
from growthkit.cohorts.segments import projected_ratio_interval
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates


def _with(a, **overall):
    return dataclasses.replace(a, overall={**a.overall, **overall})


def _plain(text: str) -> str:
    """Visible text: without the bidi isolates around data-derived strings."""
    return strip_isolates(text)


def test_ltv_cac_is_said_to_be_above_or_below_three_to_one(small):
    below = narrative.ltv_cac_markdown(_with(small, ltv_cac_12=1.5))
    above = narrative.ltv_cac_markdown(_with(small, ltv_cac_12=3.25))
    assert "LTV:CAC is **1.5:1** over the 12 cohorts observed that long, below the 3:1" in below
    assert "**3.2:1**" in above and "above the 3:1 rule of thumb" in above
    assert "below" not in above.split("rule of thumb")[0]


def test_without_twelve_periods_of_data_the_six_period_ratio_is_stated(small):
    text = narrative.ltv_cac_markdown(_with(small, ltv_cac_12=np.nan, ltv_cac_6=0.9,
                                            cohorts_6=5))
    assert "At 6 months, LTV:CAC is **0.9:1** over the 5 cohorts" in text


def test_which_segment_values_clear_three_to_one(small):
    seg = small.segments.copy()
    ratios = seg.loc["channel", "projected_ltv_cac_24"]
    assert (ratios >= 3).sum() == 1  # referral only, in this shop
    assert "Only referral (" in _plain(narrative.ltv_cac_markdown(small))
    seg.loc[("channel", "email"), "projected_ltv_cac_24"] = 3.4
    both = _plain(narrative.ltv_cac_markdown(dataclasses.replace(small, segments=seg)))
    assert "Only" not in both and "email (3.4:1)" in both and "clear 3:1" in both
    seg.loc["channel", "projected_ltv_cac_24"] = 1.0
    none = _plain(narrative.ltv_cac_markdown(dataclasses.replace(small, segments=seg)))
    assert "No channel value clears 3:1 at 24 months" in none


def test_the_fastest_channel_is_the_one_with_the_shortest_payback(small):
    text = _plain(narrative.summary_markdown(small))
    assert "**referral** customers pay back fastest: 1 month after acquisition" in text
    seg = small.segments.copy()
    seg.loc[("channel", "referral"), "payback_period"] = 9.0
    seg.loc[("channel", "email"), "payback_period"] = 0.0
    swapped = _plain(narrative.summary_markdown(dataclasses.replace(small, segments=seg)))
    assert "**email** customers pay back fastest: in the month of acquisition" in swapped
    assert "referral 9 months after acquisition" in swapped


def test_a_segment_not_paid_back_says_so_with_its_projection(small):
    seg = small.segments.copy()
    seg.loc[("channel", "email"), ["payback_period", "projected_payback_period"]] = [
        np.nan, 27.0]
    text = _plain(narrative.summary_markdown(dataclasses.replace(small, segments=seg)))
    assert "email not yet after 22 months of data (projected: 27 months after acquisition)" in (
        text)


def test_channels_without_spend_are_named_only_when_there_are_some(small):
    assert "Customers from organic came with no recorded spend (CAC 0)" in _plain(
        small.summary())
    seg = small.segments.copy()
    seg.loc[("channel", "organic"), "cac"] = 5.0
    text = narrative.summary_markdown(dataclasses.replace(small, segments=seg))
    assert "no recorded spend" not in text


def test_a_small_bias_with_wide_errors_is_not_tracking_closely(small):
    # The small shop's own backtest: its errors spread beyond 1 ± 15%, so a bias of 1% must
    # not read "tracked closely" (3 customers once got that verdict).
    models = small.backtest.models.copy()
    models.loc[small.backtest.chosen, "bias"] = 0.01
    b = dataclasses.replace(small.backtest, models=models)
    low, high = b.spread()
    assert low < 0.85 or high > 1.15
    text = _plain(narrative.summary_markdown(dataclasses.replace(small, backtest=b)))
    assert "It tracked what happened closely." not in text
    assert "so it cannot be said to have tracked closely" in text


@pytest.mark.parametrize(
    ("bias", "verdict"),
    [(0.2, "Read the projections as optimistic by about that much."),
     (-0.2, "Read the projections as conservative by about that much."),
     (0.01, "It tracked what happened closely.")],
)
def test_the_backtest_verdict_follows_the_bias(small, bias, verdict):
    models = small.backtest.models.copy()
    models.loc[small.backtest.chosen, "bias"] = bias
    cells = small.backtest.cells.assign(ratio=1.02)  # errors within 1 ± 15% everywhere
    b = dataclasses.replace(small.backtest, models=models, cells=cells)
    text = narrative.summary_markdown(dataclasses.replace(small, backtest=b))
    assert verdict in text
    direction = "over" if bias > 0 else "under"
    assert f"{direction}-projecting by {abs(bias):.1%} in total" in text
    others = {v for _, v in [(0.2, "optimistic"), (-0.2, "conservative"), (0.01, "closely")]}
    assert sum(word in text for word in others) == 1


def test_the_chosen_model_is_the_one_named_with_its_rival(small):
    b = small.backtest
    text = narrative.backtest_markdown(small)
    other = "curve" if b.chosen == "bgnbd" else "bgnbd"
    assert f"the {narrative.MODEL_LABELS[b.chosen]} projection" in text
    assert f"the {narrative.MODEL_LABELS[other]} model's {b.models.loc[other, 'mape']:.1%}" in text


def test_the_right_edge_sentence_depends_on_where_the_data_end(small):
    mid = _plain(narrative.summary_markdown(small))  # the shop's data end on 2024-12-15
    assert "Data end on December 15, 2024, before the month 2024-12 ended: its cells are " \
        "unobserved (null, not 0)" in mid
    ended = dataclasses.replace(small, cohorts=dataclasses.replace(
        small.cohorts, observation_end=dt.date(2024, 11, 30)))
    text = _plain(narrative.summary_markdown(ended))
    assert "Data end on November 30, 2024, the last day of a month: every period up to it is " \
        "complete" in text
    assert "still forming" not in text


def test_an_interval_below_the_projection_is_explained(small):
    text = narrative.ltv_cac_markdown(small)
    band = projected_ratio_interval(small.projection, small.table, small.overall["cac"], 24)
    point = small.overall["projected_ltv_cac_24"]
    explained = "below the projection itself: in the backtest the projections ran high"
    assert (explained in text) == (band[1] < point)
    proj = small.projection
    wide = dataclasses.replace(proj, low=proj.cumulative * 0.5, high=proj.cumulative * 2)
    text = narrative.ltv_cac_markdown(dataclasses.replace(small, projection=wide))
    assert explained not in text and "90% interval" in text


def test_without_a_cac_payback_and_ltv_cac_are_left_out(small_shop):
    frame, _ = small_shop
    a = analyze(frame.head(6000), margin_col="margin")
    text = a.summary()
    assert "No acquisition cost was given, so payback is not shown" in text
    assert "LTV:CAC" not in text.split("*Note:*")[0]
    assert {"no_cac", "no_segments"} <= {n.code for n in a.notes}
    assert "of gross margin in their first 12 months on average" in text


def test_hostile_strings_in_segment_values_and_currency_stay_text(small_shop):
    frame, spend = small_shop
    frame = frame.head(5000).copy()
    names = {"paid_search": HOSTILE[0], "paid_social": HOSTILE[1], "organic": HOSTILE[2],
             "referral": HOSTILE[3], "email": HOSTILE[4]}
    frame["channel"] = frame["channel"].map(names)
    spend = spend.assign(channel=spend["channel"].map(names))
    a = analyze(frame, margin_col="margin", spend_data=spend, segment_col="channel")
    for text in (a.summary(), a.segments_markdown(), a.data_markdown(),
                 a.retention_markdown(), a.margin_markdown(), a.ltv_cac_markdown(),
                 a.projection_markdown(), a.backtest_markdown(), a.export_markdown()):
        assert live_markup(mistune.html(text)) == []
    assert live_markup(a._repr_html_()) == []
    assert any(v in a.segments.index.get_level_values(1) for v in HOSTILE)


def test_the_currency_must_be_an_iso_code(small_shop):
    frame, _ = small_shop
    with pytest.raises(GrowthkitError, match="currency='<b>\\$</b>' is not an ISO 4217"):
        analyze(frame.head(100), currency="<b>$</b>")


def test_tables_are_formatted_frames(small):
    tables = small.tables()
    assert list(tables) == ["LTV:CAC", "Payback by segment", "Cohorts"]
    ltv = tables["LTV:CAC"]
    overall = ltv.loc[("all customers", "")]
    assert overall["LTV:CAC at 12 months"] == f"{small.overall['ltv_cac_12']:.1f}:1"
    assert overall["Against 3:1 (projected at 24 months, else at 12 months)"] == "below"
    assert overall["Cohorts observed for 6 months"] == f"{small.overall['cohorts_6']:,}"
    cohorts = tables["Cohorts"]
    assert cohorts.loc["2024-12", "Customers"].endswith("(forming)")
    assert cohorts.loc["2023-01", "CAC"].startswith("$")  # "$42.14": money, never a raw float
    assert cohorts.loc["2023-01", "CAC from"] == "spend"
    assert isinstance(small.backtest_table(), pd.DataFrame)
