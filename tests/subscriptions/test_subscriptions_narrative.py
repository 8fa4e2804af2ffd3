"""The report's words (growthkit.subscriptions.narrative): true to the numbers, safe with
hostile names.

Each sentence that states a fact is checked on numbers where the fact holds and where it does
not. Markdown is rendered as the report renders it (nbconvert's mistune filter) and checked
with ``tests/html_safety.live_markup``.
"""

from __future__ import annotations

import functools
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import small_business
from html_safety import HOSTILE, live_markup, render_markdown
from i18n_support import isolated

from growthkit.i18n import isolate, strip_isolates
from growthkit.notes import note_texts
from growthkit.subscriptions import analyze, narrative
from growthkit.subscriptions.messages import fixed, step_missing
from growthkit.subscriptions.mrr import month_label
from growthkit.subscriptions.narrative import (
    engagement_sentence,
    funnel_sentence,
    movements_sentence,
    mrr_sentence,
    nps_sentence,
    plans_sentence,
    retention_sentence,
    value_sentence,
)

matplotlib.use("Agg")


def _text(markdown: str) -> str:
    return strip_isolates(" ".join(render_markdown(markdown)[1].split()))


# ----------------------------------------------------------------------------- numbers


def _movements(ends: list[float], start: float = 100.0) -> pd.DataFrame:
    starts = [start, *ends[:-1]]
    months = [month_label(2024 * 12 + k) for k in range(len(ends))]
    return pd.DataFrame({"month": months, "start": starts, "end": ends,
                         "customers_end": [10] * len(ends)})


def test_mrr_sentence_says_up_down_or_unchanged_as_the_numbers_do():
    first = {"month": "2023-12", "mrr": 100.0, "customers": 10}
    up = _text(mrr_sentence(_movements([110.0, 120.0]), first, "EUR"))
    assert up == ("MRR was €120 in February 2024, from 10 paying customers (€12.00 each), "
                  "up 20.0% on December 2023.")
    assert "down 20.0% on December 2023" in _text(mrr_sentence(_movements([90.0, 80.0]), first,
                                                               "EUR"))
    assert "unchanged from December 2023" in _text(
        mrr_sentence(_movements([90.0, 100.0]), first, "EUR")
    )
    nothing = {"month": "2023-12", "mrr": 0.0, "customers": 0}
    assert "up from nothing in December 2023" in _text(
        mrr_sentence(_movements([5.0, 9.0]), nothing, "EUR")
    )
    # With a year of months the comparison is with the same month a year before.
    year = _movements([100.0 + k for k in range(13)])
    assert "on January 2024" in _text(mrr_sentence(year.iloc[1:], first, "EUR"))


def _window(**changes: float) -> dict:
    base = {"months": 12, "last": "2024-12", "new": 20.0, "expansion": 8.0, "churn": 3.0,
            "contraction": 5.0, "reactivation": 0.0, "quick_ratio": 3.5,
            "logo_churn": 0.05, "gross_revenue_churn": 0.04, "nrr": 1.02}
    return base | changes


def test_movements_sentence_reads_the_quick_ratio_either_way():
    good = _text(movements_sentence(_window(), "USD"))
    assert "each 1.00 of MRR lost was replaced by 3.50" in good
    assert "returning customers" not in good
    bad = _text(movements_sentence(_window(quick_ratio=0.6, reactivation=4.0), "USD"))
    assert "more MRR was lost than new subscribers and expansion brought in" in bad
    assert "replaced" not in bad and "returning customers brought back $4.00" in bad
    assert "No MRR was lost." in _text(movements_sentence(_window(quick_ratio=math.inf), "USD"))


def test_retention_sentence_says_whether_expansion_covered_the_losses():
    assert "expansion more than made up for" in _text(retention_sentence(_window(), False))
    below = _text(retention_sentence(_window(nrr=0.95), True))
    assert "expansion did not make up for" in below and "reactivation included" in below
    assert retention_sentence(_window(nrr=math.nan), False) == ""


def _sbg(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["group", "survival_12", "survival_12_low",
                                       "survival_12_high"])


def test_plans_sentence_names_the_plan_that_keeps_people_only_when_intervals_part():
    apart = _text(plans_sentence(_sbg([("Basic", 0.3, 0.25, 0.35), ("Pro", 0.6, 0.55, 0.65)])))
    assert apart.startswith("Subscribers who start on Pro stay longest")
    assert "against 30% of those who start on Basic" in apart
    flipped = _text(plans_sentence(_sbg([("Basic", 0.6, 0.55, 0.65), ("Pro", 0.3, 0.25, 0.35)])))
    assert flipped.startswith("Subscribers who start on Basic stay longest")
    overlap = _text(plans_sentence(_sbg([("Basic", 0.45, 0.35, 0.55), ("Pro", 0.5, 0.4, 0.6)])))
    assert "about alike" in overlap and "longest" not in overlap
    one = _text(plans_sentence(_sbg([("all customers", 0.4, 0.35, 0.45)])))
    assert one.startswith("The retention model projects 40% of new subscribers")
    assert plans_sentence(_sbg([("x", np.nan, np.nan, np.nan)])) == ""


def _value(**changes: object) -> dict:
    base = {"arpa": 10.0, "gross_margin": 0.8, "churn": 0.05, "ltv": 160.0, "cac": 40.0,
            "ltv_cac": 4.0, "cac_payback_months": 5, "payback_months_observed": 20}
    return base | changes


def test_value_sentence_follows_ltv_cac_and_payback():
    good = _text(value_sentence(_value(), "USD"))
    assert "LTV:CAC is 4.0, and the margin of an average new customer repays it in month 5" in good
    assert "costs more to win" not in good and "at 80% gross margin" in good
    poor = _text(value_sentence(_value(ltv_cac=0.5, cac_payback_months=None), "USD"))
    assert "LTV:CAC is 0.5, so a customer costs more to win than they bring" in poor
    assert "has not repaid it within the 21 months observed" in poor
    assert "CAC" not in _text(value_sentence(_value(cac=None, ltv_cac=math.nan), "USD"))
    assert "in revenue" in _text(value_sentence(_value(gross_margin=1.0), "USD"))
    assert "no finite estimate" in _text(value_sentence(_value(ltv=math.nan), "USD"))


def test_funnel_sentence_names_best_and_worst_channels_from_the_numbers():
    trial = {"conversion": 0.4, "by_channel": {
        "ads": {"conversion": 0.2, "trials": 10}, "friends": {"conversion": 0.6, "trials": 10}}}
    text = _text(funnel_sentence(trial))
    assert "40% of trials became paying customers; friends converted best (60%) and ads worst" \
        in text
    trial["by_channel"]["ads"]["conversion"] = 0.9
    assert "ads converted best (90%) and friends worst" in _text(funnel_sentence(trial))
    trial["by_channel"]["ads"]["conversion"] = 0.6
    assert "best" not in _text(funnel_sentence(trial))
    assert funnel_sentence(None) == ""


def test_nps_sentence_sign_and_method():
    def nps(score: float) -> dict:
        return {"score": score, "ci_low": score - 10, "ci_high": score + 10, "n": 80,
                "level": 0.95, "method": "adjusted Wald (Rocks 2016)"}

    assert "more promoters than detractors" in _text(nps_sentence(nps(12.0)))
    assert "more detractors than promoters" in _text(nps_sentence(nps(-12.0)))
    assert "as many promoters as detractors" in _text(nps_sentence(nps(0.0)))
    assert "NPS is -0.4" in _text(nps_sentence(nps(-0.4)))  # not a misleading "-0"
    assert "by the adjusted Wald (Rocks 2016) method" in _text(nps_sentence(nps(1.0)))


def test_engagement_sentence_states_the_window():
    assert "DAU/MAU over the last 28 days is 25% (28-day MAU window)" in _text(
        engagement_sentence(0.25)
    )
    assert "about 7 days in 28" in _text(engagement_sentence(0.25))
    assert engagement_sentence(None) == ""


def test_month_notes_say_how_the_first_and_the_partial_month_are_treated(sample_analysis):
    notes = " ".join(note_texts(sample_analysis.notes))
    assert "The first month of data (January 2023) has no opening balance" in notes
    assert "December 2025 is not over in the data, so it is left out" in notes
    assert "no paid charge at all" not in notes


# ----------------------------------------------------------------------------- hostile names


@functools.cache
def _hostile(h: str):
    b = small_business(plans={h: (5.0, 0.15), f"{h} pro": (12.0, 0.04)},
                       channels={h: 0.3, "friends": 0.7})
    events = b["events"].replace({"event": {"signup": f"{h} signup"}})
    return analyze(b["charges"], plan_col="plan", events_data=events, nps_data=b["nps"],
                   funnel_steps=["visit", f"{h} signup", "trial_start", "paid", "referral"],
                   cac=20.0, currency="EUR")


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_every_section_shows_hostile_names_as_text(h):
    a = _hostile(h)
    sections = {
        "summary": a.summary(), "data": a.data_markdown(), "movements": a.movements_markdown(),
        "rates": a.rates_markdown(), "value": a.value_markdown(), "sbg": a.sbg_markdown(),
        "migration": a.migration_markdown(), "funnel": a.funnel_markdown(),
        "nps": a.nps_markdown(), "engagement": a.engagement_markdown(),
    }
    for name, markdown in sections.items():
        assert live_markup(render_markdown(markdown)[0]) == [], name
    summary = _text(a.summary())
    assert "MRR was €" in summary
    assert f"Subscribers who start on {h} pro stay longest" in summary
    assert "against a CAC of €20.00" in summary
    assert f"friends converted best (69%) and {h} worst (32%)" in summary
    assert "No event in events_data is named 'referral'" in " ".join(note_texts(a.notes))
    assert live_markup(a._repr_html_()) == []
    for table in (a.movements_table(), a.sbg_plan_table(), a.migration_table(), a.funnel_table(),
                  a.trial_table(), a.value_table(), a.overview_table()):
        assert live_markup(table.to_html()) == []


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_charts_show_hostile_names_as_typed(h):
    from growthkit.plots.subscriptions import (
        plot_funnel,
        plot_migration,
        plot_mrr_waterfall,
        plot_survival,
    )

    a = _hostile(h)
    typed = h.replace("$", r"\$")
    # Drawn as typed (dollars literal, no mathtext) and isolated: the names come from the data.
    ax = plot_survival(a.sbg_fits)
    assert any(isolated(t.get_text(), typed) for t in ax.get_legend().get_texts())
    ax.figure.canvas.draw()  # mathtext would fail or eat the dollars here
    ax = plot_funnel(a.funnel)
    assert isolate(f"{h} signup".replace("$", r"\$")) in [
        t.get_text() for t in ax.get_yticklabels()]
    ax.figure.canvas.draw()
    ax = plot_migration(a.migration)
    assert isolate(typed) in [t.get_text() for t in ax.get_yticklabels()]
    ax.figure.canvas.draw()
    ax = plot_mrr_waterfall(a.movements, currency=a.currency)
    assert strip_isolates(ax.get_ylabel()) == "MRR (EUR)"
    ax.figure.canvas.draw()
    matplotlib.pyplot.close("all")


def test_notes_show_as_typed_and_escape_their_data_when_shown():
    lang = narrative.words("en")
    shown = narrative.note_markdown(fixed(narrative.PLANS_SKIPPED), lang)
    assert _text(shown) == narrative.PLANS_SKIPPED
    hostile = narrative.note_markdown(step_missing("<b>x</b>"), lang)
    assert "<b>" not in hostile and "'<b>x</b>'" in _text(hostile)


def test_a_plan_with_constant_churn_is_said_to_have_it():
    # "flat": half of the subscribers left leave every month, exactly (256, 128, ..., 1).
    # "mixed": half never leave, half leave within three months.
    # Both start paying in February; the data end on October 31 (8 months later).
    lifetimes = {"flat": [k for k in range(1, 9) for _ in range(256 >> k)] + [9],
                 "mixed": [9] * 100 + [1, 2, 3] * 33 + [1]}
    rows = [("closer", "2024-01-31", 1.0, "flat"), ("closer", "2024-10-31", 1.0, "flat")]
    for plan, months in lifetimes.items():
        for i, n in enumerate(months):
            rows += [(f"{plan}{i}", f"2024-{m:02d}-05", 9.0, plan) for m in range(2, 2 + n)]
    charges = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "plan"])
    a = analyze(charges, plan_col="plan")
    text = _text(a.sbg_markdown())
    flat = next(f for f in a.sbg_fits if f.name == "flat").model
    assert flat.homogeneous and flat.mean_churn == pytest.approx(0.5, abs=1e-3)
    assert "Churn on flat does not vary measurably from one subscriber to the next: the model " \
        "reduces to a constant 50.0% a month." in text
    assert "Churn on mixed" not in text
