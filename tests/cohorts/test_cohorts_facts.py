"""Sentences of the cohort report that state a fact, each on data where the fact is false."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from growthkit.cohorts import analyze, narrative
from growthkit.i18n import strip_isolates


def _plain(text: str) -> str:
    """Visible text: bidi isolates and Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", strip_isolates(text))


@pytest.fixture(scope="module")
def no_cac(small_shop):
    """Margins from a rate, segments by channel, no acquisition cost."""
    frame, _ = small_shop
    return analyze(frame.head(6000), gross_margin=0.35, segment_col="channel", cohorts_csv=None,
                   data_starts_at_launch=True)


def test_unobserved_cells_are_counted_only_when_there_are_some(small, small_shop):
    assert "**Hatched cells are unobserved**: 24 cells at the right edge" in _plain(
        small.retention_markdown())
    frame, _ = small_shop
    ended = analyze(frame[frame["date"] < "2024-12-01"], observation_end="2024-11-30",
                    data_starts_at_launch=True,
                    margin_col="margin", cac=30.0, cohorts_csv=None)
    text = _plain(ended.retention_markdown())
    assert "Every cell up to November 30, 2024 is observed" in text
    assert "Hatched" not in text and "unobserved" not in text


def test_the_margin_basis_is_the_one_used(small, no_cac, small_shop):
    assert "each order's margin from column margin" in _plain(small.data_markdown())
    assert "a gross margin of 35% of revenue" in no_cac.data_markdown()
    frame, _ = small_shop
    bare = analyze(frame.head(2000)[["customer_id", "date", "amount"]], cohorts_csv=None)
    assert "no margin given, so margin is taken as the whole revenue" in bare.data_markdown()
    assert "no_margin" in {n.code for n in bare.notes}


def test_refunds_and_late_orders_are_mentioned_only_when_present(small):
    text = _plain(small.data_markdown())
    assert f"{small.data_quality.refunds:,} orders are refunds" in text
    assert "Orders after the observation end" not in text
    quiet = dataclasses.replace(
        small, data_quality=dataclasses.replace(small.data_quality, refunds=0),
        overview={**small.overview, "orders_after_observation_end": True})
    text = _plain(quiet.data_markdown())
    assert "refunds (" not in text and "orders are refunds" not in text
    assert f"Orders after the observation end ({'December 15, 2024'}) are left out." in text


def test_without_cac_the_margin_section_states_the_average_at_twelve_periods(no_cac):
    t = no_cac.table
    curve = t.average_cumulative()  # the per-period means, chained
    text = _plain(no_cac.margin_markdown())
    assert f"On average it reaches {no_cac.lang.money(curve[11], 'USD')} after 12 months" in text
    assert "no CAC line" in text


def test_without_cac_the_segments_name_the_best_and_worst_margin(no_cac):
    rows = no_cac.segments.xs("channel", level="segment_column")
    best, worst = rows["ltv_12"].idxmax(), rows["ltv_12"].idxmin()
    text = _plain(no_cac.segments_markdown())
    assert f"{best} customers bring the most margin in their first 12 months" in text
    assert f"{worst} the least" in text
    flipped = no_cac.segments.copy()
    flipped.loc[("channel", worst), "ltv_12"] = rows["ltv_12"].max() + 1
    text = _plain(narrative.segments_markdown(dataclasses.replace(no_cac, segments=flipped)))
    assert f"{worst} customers bring the most margin" in text


def test_the_season_sentence_follows_the_fitted_curve(small):
    proj = dataclasses.replace(small.projection, model="curve",
                               details={**small.projection.details, "season": {1: 1.2}})
    with_season = narrative.projection_markdown(dataclasses.replace(small, projection=proj))
    assert "includes a month-of-year season" in with_season
    flat = dataclasses.replace(proj, details={**proj.details, "season": {}})
    text = narrative.projection_markdown(dataclasses.replace(small, projection=flat))
    assert "has no season" in text and "includes a month-of-year season" not in text
    bgnbd = dataclasses.replace(proj, model="bgnbd")
    text = narrative.projection_markdown(dataclasses.replace(small, projection=bgnbd))
    assert "season" not in text and "BG/NBD model" in text


def test_one_backtested_model_is_not_called_the_models(small):
    b = small.backtest
    assert narrative.backtest_markdown(small).startswith("The models were fitted")
    alone = dataclasses.replace(b, models=b.models.loc[[b.chosen]])
    text = narrative.backtest_markdown(dataclasses.replace(small, backtest=alone))
    assert text.startswith("The model was fitted") and "chosen for the lower" not in text


def test_no_projection_says_why(small):
    text = narrative.projection_markdown(dataclasses.replace(
        small, projection=None, no_projection="too little history"))
    assert strip_isolates(text) == "There is no projection: too little history"


def test_cohort_counts_follow_the_plural(small):
    one = dataclasses.replace(small, overall={**small.overall, "ltv_cac_12": 1.5,
                                               "cohorts_12": 1})
    assert "over the 1 cohort observed that long" in narrative.ltv_cac_markdown(one)
    assert "over the 12 cohorts observed that long" in narrative.ltv_cac_markdown(small)


def test_tables_hold_formatted_text_only(small, no_cac):
    for a in (small, no_cac):
        frames = [*a.tables().values(), a.overview_table()]
        if a.backtest_table() is not None:
            frames.append(a.backtest_table())
        for frame in frames:
            assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
            assert not any(isinstance(v, float) for v in pd.Series(frame.to_numpy().ravel()))
