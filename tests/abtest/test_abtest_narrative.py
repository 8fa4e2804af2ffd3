"""The report's words (growthkit.abtest.narrative): safe with hostile names, true to the numbers.

Markdown is rendered as the report renders it (nbconvert's mistune filter), then checked with
``tests/html_safety.live_markup``. Every sentence of the summary is also checked on data where
the fact it states is false.
"""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from html_safety import HOSTILE, live_markup, render_markdown

from growthkit.abtest import analyze, narrative
from growthkit.i18n import isolate, strip_isolates
from growthkit.plots.abtest import plot_forest, plot_power_curve

matplotlib.use("Agg")


def _seen(markdown: str) -> str:
    """The text a reader sees: rendered as the report renders it, bidi isolates removed."""
    return strip_isolates(render_markdown(markdown)[1])


@functools.cache
def _hostile_analysis(h: str):
    """An experiment with ``h`` in every slot: arms, control, metric, CUPED column, segment
    column and values (the currency is an ISO code, checked); plus a metric with no test and
    one with a zero baseline."""
    rng = np.random.default_rng(17)
    n = 400
    arm = np.where(np.arange(n) % 2 == 0, h, f"B {h}")
    treated = arm != h
    pre = rng.gamma(1.0, 10.0, n)
    df = pd.DataFrame({
        "arm": arm,
        "refunds": np.where(treated, rng.gamma(1.0, 2.0, n), 0.0),  # control mean 0
        "revenue": 0.5 * pre + rng.gamma(2.0, 5.0, n) + 3.0 * treated,
        f"{h} pre": pre,
        "never": 0,  # no conversions in either arm: no test
        "den": 1.0 + rng.poisson(2.0, n),
        f"{h} seg": np.where(rng.random(n) < 0.5, h, "other"),
    })
    return analyze(
        df, variant_col="arm", control=h, metrics=["refunds", "revenue", "never"],
        ratio_metrics={h: ("revenue", "den")}, cuped={"revenue": f"{h} pre"},
        segment_col=f"{h} seg", currency="EUR", correction="bh",
    )


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_every_sentence_shows_hostile_names_as_text(h):
    a = _hostile_analysis(h)
    sections = {
        "summary": a.summary(),
        "decision": a.decision_markdown(),
        "srm": a.srm_markdown(),
        "results": a.results_markdown(),
        "segments": a.segments_markdown(),
    }
    for name, markdown in sections.items():
        html, text = render_markdown(markdown)
        assert live_markup(html) == [], name
    text = _seen(a.summary())
    # The arm, control and currency (the zero-baseline primary shows an absolute difference).
    assert f"In B {h}, refunds rose by +€" in text
    assert f"against {h} (95% CI +€" in text
    text = _seen(a.results_markdown())
    assert f"No test is possible for never (B {h})" in text
    assert f"pre-period column “{h} pre”" in text
    text = _seen(a.segments_markdown())
    assert (f"values of {h} seg ({h} and other)" in text
            or f"values of {h} seg (other and {h})" in text)
    assert h in _seen(a.decision_markdown())
    assert live_markup(a._repr_html_()) == []


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_charts_show_hostile_names_as_typed(h):
    a = _hostile_analysis(h)
    _, ax = matplotlib.pyplot.subplots(figsize=(16, 6))
    ax = plot_forest(a.segments, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # A "$" is escaped, so matplotlib draws it instead of starting mathtext; each name isolated.
    typed = h.replace("$", r"\$")
    assert " · ".join(isolate(x) for x in ("revenue", f"B {typed}", typed)) in labels
    ax.figure.canvas.draw()  # mathtext would fail or eat the dollars here
    matplotlib.pyplot.close(ax.figure)
    ax = plot_power_curve(a.results[a.results["metric"] == h].iloc[0])
    assert ax.get_title() == f"Chance of detecting a lift in {isolate(typed)}"
    matplotlib.pyplot.close(ax.figure)


# ----------------------------------------------------------------------------- the summary


def _experiment(
    lift: float = 0.3, guard: float = 0.0, n: int = 4000, skew: int = 0, base: float = 0.2,
    seed: int = 5,
) -> pd.DataFrame:
    """Two arms: conversion at ``base`` and ``base·(1 + lift)``; a guardrail ``retained`` at
    0.5 and 0.5·(1 + guard); ``skew`` extra treatment users break the split."""
    rng = np.random.default_rng(seed)
    arm = np.array(["control"] * (n // 2) + ["treatment"] * (n // 2 + skew))
    treated = arm == "treatment"
    return pd.DataFrame({
        "variant": arm,
        "converted": (rng.random(len(arm)) < np.where(treated, base * (1 + lift), base)),
        "retained": (rng.random(len(arm)) < np.where(treated, 0.5 * (1 + guard), 0.5)),
    })


def _analyze(df: pd.DataFrame, metrics: str, **kwargs):
    # Bonferroni: the sentences do not depend on the correction, and statsmodels' Holm runs a
    # full gc.collect() on every call, which is slow in a test process.
    return analyze(df, metrics=metrics, correction="bonferroni", **kwargs)


def _summary(df: pd.DataFrame, metrics: str = "converted,retained") -> str:
    """The summary as the reader sees it (rendered, as text)."""
    return _seen(_analyze(df, metrics).summary())


def test_summary_of_a_winner():
    a = _analyze(_experiment(), "converted,retained")
    r = a.results.iloc[0]
    level = f"(95% CI +{r['rel_ci_low']:.1%} to +{r['rel_ci_high']:.1%})"
    # issue 19: the lift is relative, and the two conversion rates it compares are given.
    assert _seen(a.summary()) == (
        "Ship treatment. "
        f"In treatment, converted rose by +{r['rel_lift']:.1%} relative to control {level}: "
        f"from {r['control_mean']:.2%} to {r['mean']:.2%}. "
        "The users are split between the arms as planned (sample-ratio check "
        f"p = {a.srm['p_value']:.3f}). No guardrail (retained) is significantly worse in "
        "treatment."
    )


def test_summary_when_the_primary_metric_falls():
    a = _analyze(_experiment(lift=-0.3), "converted,retained")
    text, r = _seen(a.summary()), a.results.iloc[0]
    assert "converted fell by -" in text and "rose" not in text
    assert "relative to control (95% CI -" in text
    assert f": from {r['control_mean']:.2%} to {r['mean']:.2%}." in text
    assert text.startswith("Don't ship: keep the control.")


def test_summary_when_the_primary_metric_does_not_change():
    text = _summary(_experiment(lift=0.0, n=600))
    assert "converted did not change significantly" in text and " relative to control (" in text
    assert "rose" not in text and "fell" not in text


def test_summary_when_the_primary_metric_cannot_be_tested():
    df = _experiment().assign(converted=False)
    text = _summary(df)
    assert "In treatment, converted cannot be tested: no user converted in either arm." in text
    assert "rose" not in text
    assert text.startswith("No decision: these data cannot support one.")


def test_summary_when_the_split_is_broken():
    text = _summary(_experiment(skew=400))
    assert "are not split between the arms as planned (sample ratio mismatch" in text
    assert "are split between the arms as planned" not in text


def test_summary_when_a_guardrail_regresses():
    text = _summary(_experiment(guard=-0.3))
    assert "Guardrail retained is significantly worse in treatment (-" in text
    assert "No guardrail" not in text


def test_summary_when_a_guardrail_cannot_be_evaluated():
    df = _experiment().assign(sessions=0.0, revenue=1.0)
    text = _summary(df, "converted,revenue/sessions")
    assert ("Guardrail revenue/sessions cannot be evaluated in treatment: its denominator "
            "sums to 0 in both arms.") in text
    assert "No guardrail" not in text


def test_summary_without_guardrails_says_nothing_about_them():
    assert "uardrail" not in _summary(_experiment(), "converted")


def test_summary_of_a_negative_metric_says_an_improvement_rose():
    # Profit of −10 per user in the control, −8 in the treatment: a lift of +20%.
    rng = np.random.default_rng(2)
    arm = np.repeat(["control", "treatment"], 1000)
    profit = np.where(arm == "treatment", -8.0, -10.0) + rng.normal(0, 2, 2000)
    df = pd.DataFrame({"variant": arm, "profit": profit})
    text = _seen(_analyze(df, "profit", currency="EUR").summary())
    assert "In treatment, profit rose by +" in text and "fell" not in text


# ----------------------------------------------------------------------------- sections


def test_cuped_sentence_says_when_it_did_not_help():
    rng = np.random.default_rng(9)
    n = 2000
    df = pd.DataFrame({"variant": np.repeat(["control", "treatment"], n // 2),
                       "revenue": rng.gamma(2.0, 5.0, n), "noise": rng.normal(0, 1, n)})
    a = _analyze(df, "revenue", cuped="revenue:noise")
    vr = a.results["variance_reduction"].iloc[0]
    text = a.cuped_markdown()
    if vr > 0:  # pooled θ on an unrelated covariate: at most a sliver either way
        assert f"removed {vr:.0%}" in text
    else:
        assert "did not reduce the variance" in text and "removed" not in text
    helpful = _analyze(df.assign(pre=df["revenue"] + rng.normal(0, 1, n)), "revenue",
                       cuped="revenue:pre")
    assert "removed" in helpful.cuped_markdown()
    assert "did not reduce" not in helpful.cuped_markdown()


def test_segments_sentence_counts_significant_comparisons():
    df = _experiment().assign(device=lambda d: np.where(d.index % 2 == 0, "mobile", "desktop"))
    a = _analyze(df, "converted", segment_col="device")
    seg = a.segments
    k = int((seg["p_value_adjusted"] < 0.05).sum())
    assert k > 0
    assert f"{k} of {len(seg)} comparisons are significant" in a.segments_markdown()
    null = _analyze(df.assign(converted=np.random.default_rng(1).random(len(df)) < 0.2),
                    "converted", segment_col="device")
    assert "0 of 2 comparisons are significant" in null.segments_markdown()


def test_untestable_reasons_name_the_cause():
    row = pd.Series({"metric": "m", "variant": "B", "method": "delta", "n": 10, "control_n": 10,
                     "mean": np.nan, "control_mean": 2.0, "p_value": np.nan})
    assert narrative.untestable_reason(row) == f"its denominator sums to 0 in {isolate('B')}"
    small = row.copy()
    small["n"] = 1
    assert narrative.untestable_reason(small) == "an arm has fewer than 2 users"
    assert not narrative.testable(row)


def test_tables_show_n_a_where_there_is_no_test():
    a = _analyze(_experiment().assign(never=0), "converted,never", currency="USD")
    table = a.results_table()
    key = (isolate("never"), isolate("treatment"))
    row = table.loc[key]
    assert row["p (adjusted)"] == "n/a" and row["95% CI of the lift"] == "n/a"
    assert row["Lift"] == "0.00 pp"  # no relative lift from 0%: the absolute difference
    assert a.bayesian_table().loc[key, "Chance to beat control"] == "n/a"


# ----------------------------------------------------------------------------- facts moved out
# of the notebook's Markdown: each sentence on data where it would have been false.


def test_the_adjustment_sentence_follows_the_correction_and_the_number_of_tests():
    df = _experiment()
    holm = analyze(df, metrics="converted,retained")
    assert ("The p-values are adjusted with Holm's method for the 2 comparisons tested "
            "together") in _seen(holm.results_markdown())
    none = analyze(df, metrics="converted,retained", correction="none")
    text = _seen(none.results_markdown())
    assert "are not adjusted for multiple testing (correction is none)" in text
    assert "Holm" not in text
    one = _analyze(df, "converted")
    assert "One comparison is tested, so its p-value needs no adjustment." in _seen(
        one.results_markdown())
    assert "always valid" not in _seen(one.results_markdown())
    sequential = _analyze(df, "converted", sequential=True)
    assert "Intervals and p-values are always valid" in _seen(sequential.results_markdown())


def test_the_segments_sentence_says_whether_the_p_values_were_adjusted():
    df = _experiment().assign(device=lambda d: np.where(d.index % 2 == 0, "mobile", "desktop"))
    adjusted = _seen(_analyze(df, "converted", segment_col="device").segments_markdown())
    assert "after adjusting the p-values across all segment comparisons" in adjusted
    raw = analyze(df, metrics="converted", segment_col="device", correction="none")
    text = _seen(raw.segments_markdown())
    assert "without adjustment for multiple testing" in text and "after adjusting" not in text


def test_the_power_sentence_states_this_reports_power_and_lift():
    a = _analyze(_experiment(), "converted", min_lift=0.1)
    text = _seen(a.power_markdown())
    assert "finds 80% of the time" in text and "a 10% lift" in text and "5%" not in text
    assert "Users per arm for a 10% lift" in a.power_table().columns


def test_the_power_curve_sentence_is_the_reason_when_there_is_no_curve():
    a = _analyze(_experiment(), "converted")
    n = int(a.results["control_n"][0])
    assert f"the vertical line marks this test's size ({n:,} users in the control)" in _seen(
        a.power_curve_markdown())
    none = _analyze(_experiment().assign(converted=False), "converted")
    text = _seen(none.power_curve_markdown())
    assert text == "No power curve for converted: a control rate of 0%."
    assert "vertical line" not in text


def test_no_markdown_cell_states_a_fact_that_depends_on_the_parameters():
    import json
    from pathlib import Path

    import growthkit

    path = Path(growthkit.__file__).parent / "notebooks" / "abtest.ipynb"
    nb = json.loads(path.read_text("utf-8"))
    cells = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    # The correction, the target power and lift, the segments' adjustment and the power
    # curve's line are computed now (the sentences tested above).
    for fact in ("Holm", "80%", "5% lift", "adjusted across all segment", "vertical line",
                 "a real change"):
        assert fact not in cells
