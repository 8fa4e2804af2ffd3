"""The CLV report's words (growthkit.clv.narrative): safe with hostile strings, true to the numbers.

Markdown is rendered as the report renders it (nbconvert's mistune filter) and checked with
``tests/html_safety.live_markup``. Sentences that state a fact about the data are also checked
on data where the fact is false.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from html_safety import HOSTILE, live_markup, render_markdown

from growthkit.clv import AT_RISK, BOUGHT_ONCE, CLVAnalysis, fit_table, narrative
from growthkit.i18n import strip_isolates


def _sections(a: CLVAnalysis) -> dict[str, str]:
    return {
        "summary": a.summary(),
        "data": a.data_markdown(),
        "holdout": a.holdout_markdown(),
        "example": a.example_markdown(),
    }


def _with_ids(a: CLVAnalysis, name: str) -> CLVAnalysis:
    """The same analysis with every customer id containing ``name``."""
    ids = {c: f"{name} #{c}" for c in a.predictions.index}
    return dataclasses.replace(a, predictions=a.predictions.rename(index=ids))


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_source_and_segments_file_show_as_text(analysis, h):
    # The currency is an ISO code (checked by analyze); the source and file name are free text.
    a = dataclasses.replace(analysis, parameters={**analysis.parameters, "data": h,
                                                  "segments_csv": h})
    for name, markdown in {**_sections(a), "segments": a.segments_markdown()}.items():
        html, _ = render_markdown(markdown)
        assert live_markup(html) == [], name
    assert f"read from {h} (6,919 rows)" in strip_isolates(render_markdown(a.data_markdown())[1])
    assert f"in the file {h} next to" in strip_isolates(render_markdown(a.segments_markdown())[1])


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_customer_id_shows_as_text(analysis, h):
    a = _with_ids(analysis, h)
    customer = a.example_customer()
    assert customer.startswith(h)
    html, text = render_markdown(a.example_markdown())
    assert live_markup(html) == []
    assert f"Customer {customer} is the most valuable of the high value, at risk" in \
        strip_isolates(text)


def test_the_summary_states_the_numbers_it_is_built_from(analysis):
    text = analysis.summary()
    p = analysis.predictions
    repeat = p["frequency"] > 0
    active = int((repeat & (p["p_alive"] >= 0.5)).sum())
    assert f"{int(repeat.sum()):,} have bought more than once, and {active:,} of those " \
        f"({active / repeat.sum():.0%}) are probably still active" in text
    top = p["clv_revenue"].nlargest(len(p) // 5).sum() / p["clv_revenue"].sum()
    assert f"The top 20% of customers hold {top:.0%} of that value" in text
    once = int((~repeat).sum())
    assert f"**Bought once:** {once:,} customers ({once / len(p):.0%})" in text
    assert "BG/NBD assumes customers can stop buying only right after a purchase" in text
    risk = analysis.segments.loc[AT_RISK]
    assert f"**Act on:** {int(risk['customers']):,} customers are *high value but at risk*" in text
    # A 30% margin (the fixture): profit is stated; without one it is not.
    assert "At a 30% gross margin that is" in text
    no_margin = dataclasses.replace(analysis, settings=analysis.settings.replace(gross_margin=1.0))
    assert "gross margin that is" not in no_margin.summary()
    assert "`-p gross_margin 0.3`" in no_margin.summary()
    assert list(no_margin.clv_table().index) == ["Revenue CLV"]
    assert list(analysis.clv_table().index) == ["Revenue CLV", "Profit CLV"]
    assert "Profit CLV" in analysis.clv_markdown() and "rerun" in no_margin.clv_markdown()


def test_the_bought_once_words_follow_the_model_and_the_data(analysis, mbgnbd):
    other = dataclasses.replace(analysis, model=mbgnbd).summary()
    assert "BG/NBD assumes" not in other and "stop buying at any time" in other
    p = analysis.predictions
    repeaters = p[p["frequency"] > 0]
    assert "**Bought once:**" not in dataclasses.replace(analysis, predictions=repeaters).summary()


def test_how_many_came_back_is_computed(analysis):
    # CDNOW: 1,218 of 2,357 never came back by 1998-06-30, a majority.
    assert analysis.rfm_markdown().startswith(
        "Most customers never came back: 1,218 of 2,357 (52%) bought only once.")
    current = analysis.current
    once = pd.Series(range(len(current)), index=current.index) < 300  # 300 bought once
    mostly_back = current.assign(frequency=(~once).astype(int))
    text = dataclasses.replace(analysis, current=mostly_back).rfm_markdown()
    assert text.startswith("Most customers came back: only 300 of 2,357 (13%) bought only once.")
    everyone = current.assign(frequency=current["frequency"] + 1)
    assert dataclasses.replace(analysis, current=everyone).rfm_markdown().startswith(
        "Every customer came back at least once")


@pytest.mark.parametrize(
    ("predicted", "verdict"),
    [(1882 * 0.8, "It **under-predicts** by 20%, so read the forecast below as conservative."),
     (1882 * 1.2, "It **over-predicts** by 20%, so read the forecast below as optimistic."),
     (1882 * 1.01, "It tracks what happened closely.")],
    ids=["under", "over", "close"],
)
def test_the_holdout_verdict_follows_the_error(analysis, predicted, verdict):
    holdout = dataclasses.replace(analysis.holdout, predicted_purchases=predicted)
    text = dataclasses.replace(analysis, holdout=holdout).summary()
    assert verdict in text
    others = {"under-predicts", "over-predicts", "tracks what happened closely"}
    assert sum(word in text for word in others) == 1


def test_without_at_risk_customers_the_summary_and_example_say_so(analysis):
    segments = analysis.segments.copy()
    segments.loc[AT_RISK, ["customers", "clv_revenue"]] = 0
    p = analysis.predictions
    a = dataclasses.replace(analysis, segments=segments, predictions=p[p["segment"] != AT_RISK])
    assert "**Act on:** no customer is both high value and at risk." in a.summary()
    assert strip_isolates(a.example_markdown()).startswith(
        "No customer is both high value and at risk; customer **"
        f"{a.example_customer()}**")


def test_the_example_states_the_customers_history(analysis):
    customer = analysis.example_customer()
    row = analysis.predictions.loc[customer]
    text = analysis.example_markdown()
    assert f"{row['frequency']:,.0f} repeat purchases, the last " in text
    assert f"{row['T'] - row['recency']:,.1f} weeks before the forecast starts" in text


def test_formatted_tables_use_the_report_formats(analysis):
    model = analysis.model_table()
    summary = analysis.model.summary()
    assert model.loc["r", "estimate"] == f"{summary.loc['r', 'estimate']:.4f}"
    assert model.loc["customers", "estimate"] == "2,357" and model.loc["AIC", "std. error"] == ""
    segments = analysis.segments_table()
    assert segments.loc[AT_RISK, "share"] == f"{analysis.segments.loc[AT_RISK, 'share']:.1%}"
    assert segments.loc[BOUGHT_ONCE, "mean P(alive)"] == "n/a"  # BG/NBD: 1 by convention
    holdout = analysis.holdout_table()
    assert holdout.index.name == "repeat purchases in the calibration period"
    assert list(holdout.index[-2:]) == ["7 or more", "all"]
    rfm = analysis.rfm_table()
    assert all("." not in v or len(v.split(".")[-1]) <= 2 for v in rfm.to_numpy().ravel())
    headline = narrative.headline(analysis)
    assert list(headline) == ["CLV, next 12 months", "Customers", "Holdout purchases predicted",
                              "Holdout purchases that happened"]
    assert headline["Holdout purchases that happened"] == "1,882"  # labelled, never "a / b"
    assert not any(" / " in value for value in headline.values())
    info = analysis.run_info()
    info.index = info.index.map(strip_isolates)
    assert strip_isolates(info.loc["parameter: calibration_end", "value"]) == "1997-09-30"
    assert info.loc["parameter: model", "value"] == "BG/NBD"
    assert info.loc["parameter: observation_end", "value"] == "none"
    assert "version: ibis-framework" in info.index
    assert isinstance(fit_table(analysis.spend_model.summary()), pd.DataFrame)
