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

from growthkit.clv import AT_RISK, CLVAnalysis, narrative
from growthkit.formatting import escape


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
def test_a_hostile_currency_source_and_note_show_as_text(analysis, h):
    a = dataclasses.replace(analysis, currency=h, notes=[h],
                            parameters={**analysis.parameters, "data": h})
    for name, markdown in _sections(a).items():
        html, _ = render_markdown(markdown)
        assert live_markup(html) == [], name
    # The currency reads as typed wherever money is shown; the note and the source too.
    total = a.intervals.total[0]
    _, summary = render_markdown(a.summary())
    assert f"{h} {total / 1e3:,.3g}k" in summary and f"Caveat: {h}" in summary
    assert f"read from {h} (6,919 rows)" in render_markdown(a.data_markdown())[1]
    assert h in render_markdown(a.example_markdown())[1]


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_customer_id_shows_as_text(analysis, h):
    a = _with_ids(analysis, h)
    customer = a.example_customer()
    assert customer.startswith(h)
    html, text = render_markdown(a.example_markdown())
    assert live_markup(html) == []
    assert f"Customer {customer} is the most valuable of the high value, at risk" in text
    assert escape(customer) in a.example_markdown()


def test_the_summary_states_the_numbers_it_is_built_from(analysis):
    p = analysis.predictions
    text = analysis.summary()
    active = int((p["p_alive"] >= 0.5).sum())
    assert f"{active:,} ({active / len(p):.0%}) are probably still active" in text
    top = p["clv_revenue"].nlargest(len(p) // 5).sum() / p["clv_revenue"].sum()
    assert f"The top 20% of customers hold {top:.0%} of that value" in text
    once = int((p["frequency"] == 0).sum())
    assert f"BG/NBD counts the {once:,} who never came back as active" in text
    risk = analysis.segments.loc[AT_RISK]
    assert f"**Act on:** {int(risk['customers']):,} customers are *high value but at risk*" in text


def test_the_bgnbd_caveat_is_left_out_when_it_does_not_apply(analysis, mbgnbd):
    # MBG/NBD lets one-time buyers drop out; and without one-time buyers there is nobody to
    # count.
    assert "BG/NBD counts" not in dataclasses.replace(analysis, model=mbgnbd).summary()
    repeaters = analysis.predictions.assign(frequency=analysis.predictions["frequency"] + 1)
    assert "BG/NBD counts" not in dataclasses.replace(analysis, predictions=repeaters).summary()


@pytest.mark.parametrize(
    ("predicted", "verdict"),
    [(1882 * 0.8, "It **under-predicts**, so read the forecast below as conservative."),
     (1882 * 1.2, "It **over-predicts**, so read the forecast below as optimistic."),
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
    assert a.example_markdown().startswith("No customer is both high value and at risk; "
                                           f"Customer **{escape(a.example_customer())}**")


def test_the_example_states_the_customers_history(analysis):
    customer = analysis.example_customer()
    row = analysis.predictions.loc[customer]
    text = analysis.example_markdown()
    assert f"{row['frequency']:,.0f} repeat purchase(s), the last " in text
    assert f"{row['T'] - row['recency']:,.1f} weeks before the forecast starts" in text


def test_formatted_tables_use_the_report_formats(analysis):
    model = analysis.model_table()
    summary = analysis.model.summary()
    assert model.loc["r", "estimate"] == f"{summary.loc['r', 'estimate']:.4g}"
    assert model.loc["customers", "estimate"] == "2,357" and model.loc["AIC", "std. error"] == ""
    segments = analysis.segments_table()
    assert segments.loc[AT_RISK, "share"] == f"{analysis.segments.loc[AT_RISK, 'share']:.1%}"
    assert set(narrative.headline(analysis)) == {
        "CLV, next 12 months", "Customers", "Holdout purchases (predicted / actual)"}
    info = analysis.run_info()
    assert info.loc["parameter: calibration_end", "value"] == "'1997-09-30'"
    assert "version: ibis-framework" in info.index
    assert isinstance(narrative.fit_table(analysis.spend_model.summary()), pd.DataFrame)
