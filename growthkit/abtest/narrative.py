"""The A/B-test report's words: the summary, the section sentences and the formatted tables.

Every sentence is computed from the numbers it states. Text that goes into the JSON (the
decision's reasons, the notes) is plain; text that goes into Markdown passes
:func:`growthkit.formatting.escape` (an arm named ``<script>`` shows as typed), and the
formatted tables are DataFrames, which pandas escapes. Numbers are formatted by
:mod:`growthkit.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.abtest._specs import _parse_cuped
from growthkit.abtest.health import SRM_THRESHOLD
from growthkit.formatting import escape, money, percent, probability, small_share

if TYPE_CHECKING:
    from growthkit.abtest.analysis import ABTestAnalysis
    from growthkit.abtest.decision import Decision

__all__ = [
    "CUPED_SKIPPED",
    "SEGMENTS_SKIPPED",
    "bayesian_table",
    "cuped_markdown",
    "decision_markdown",
    "effect_text",
    "effects_table",
    "headline",
    "interval_name",
    "lift_text",
    "power_table",
    "results_markdown",
    "segments_markdown",
    "srm_markdown",
    "srm_table",
    "summary_markdown",
    "testable",
    "untestable_note",
    "untestable_reason",
]

#: Note when CUPED is off because no pre-period column was given.
CUPED_SKIPPED = (
    "CUPED is off: no pre-period column was given (set cuped to metric:pre_period_column, "
    "e.g. revenue:pre_revenue, to cut the noise with each user's behaviour before the test)."
)
#: Note when the segment breakdown is skipped because no segment column was given.
SEGMENTS_SKIPPED = (
    "The segment breakdown is skipped: no segment column was given (set segment_col to a "
    "column such as device or country to see the results within each of its values)."
)


# ----------------------------------------------------------------------------- numbers


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _binary(row: pd.Series) -> bool:
    return str(row["method"]).startswith("ztest")


def testable(row: pd.Series) -> bool:
    """Whether a results row has a test: a p-value (NaN when no test is possible)."""
    return _finite(row["p_value"])


def interval_name(alpha: float, sequential: bool = False) -> str:
    """``"95% CI"``, or ``"95% always-valid CI"`` for confidence sequences."""
    return f"{1 - alpha:.0%} {'always-valid ' if sequential else ''}CI"


def _p(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}g}" if _finite(x) else "n/a"


def _value(row: pd.Series, x: float, currency: str | None) -> str:
    """A mean: a rate for 0/1 metrics, an amount (in the currency when given) otherwise."""
    if not _finite(x):
        return "n/a"
    if _binary(row):
        return percent(x, 2)
    return money(x, currency) if currency else f"{x:,.3f}"


def _difference(row: pd.Series, x: float, currency: str | None) -> str:
    """A signed absolute difference: percentage points for rates, else the metric's units."""
    if not _finite(x):
        return "n/a"
    if _binary(row):
        return f"{x * 100:+.2f} pp"
    return f"{currency} {x:+,.2f}" if currency else f"{x:+,.4g}"


def _relative(row: pd.Series) -> bool:
    """Whether the row's effect reads as a relative lift (else as an absolute difference)."""
    return _finite(row["rel_lift"])


def lift_text(row: pd.Series, currency: str | None = None) -> str:
    """``+25.9%``; the absolute difference when there is no relative lift; ``n/a`` if neither."""
    if _relative(row):
        return percent(row["rel_lift"], signed=True)
    return _difference(row, row["abs_diff"], currency)


def _ci(row: pd.Series, currency: str | None = None) -> str:
    """``+16.7% to +35.0%`` on the scale :func:`lift_text` uses; ``n/a`` without a test."""
    if _relative(row):
        low, high = row["rel_ci_low"], row["rel_ci_high"]
        if _finite(low) and _finite(high):
            return f"{percent(low, signed=True)} to {percent(high, signed=True)}"
        return "n/a"
    low, high = row["abs_ci_low"], row["abs_ci_high"]
    if _finite(low) and _finite(high):
        return f"{_difference(row, low, currency)} to {_difference(row, high, currency)}"
    return "n/a"


def effect_text(row: pd.Series, level: str) -> str:
    """``+25.9% (95% CI +16.7% to +35.0%, adjusted p = 1.1e-09)``, plain text.

    The relative lift when there is one; with a control mean of 0, the absolute difference.
    """
    if _relative(row):
        text = f"{lift_text(row)} ({level} {_ci(row)}"
    else:
        text = f"an absolute {lift_text(row)} ({level} {_ci(row)}"
    return f"{text}, adjusted p = {_p(row['p_value_adjusted'])})"


def untestable_reason(row: pd.Series) -> str:
    """Why a results row has no test, in plain words (for a row where :func:`testable` fails)."""
    method = str(row["method"]).split("-")[0]
    n, n_c = row["n"], row["control_n"]
    if not (_finite(n) and _finite(n_c)) or min(n, n_c) < 2:
        return "an arm has fewer than 2 users"
    mean, control = row["mean"], row["control_mean"]
    if method == "ztest" and mean == control == 0:
        return "no user converted in either arm"
    if method == "ztest" and mean == control == 1:
        return "every user converted in both arms"
    if method == "delta" and not (_finite(mean) or _finite(control)):
        return "its denominator sums to 0 in both arms"
    if method == "delta" and not _finite(mean):
        return f"its denominator sums to 0 in {row['variant']}"
    if method == "delta" and not _finite(control):
        return "its denominator sums to 0 in the control"
    return "its standard error is undefined"


def untestable_note(row: pd.Series) -> str:
    """The plain-text note for a metric × arm with no test."""
    return (
        f"No test is possible for {row['metric']} ({row['variant']}): "
        f"{untestable_reason(row)}. It shows as n/a and the decision does not rest on it."
    )


# ----------------------------------------------------------------------------- decision


def headline(verdict: str, arm: str | None) -> str:
    """One plain sentence: what to do."""
    return {
        "ship": f"Ship {arm}.",
        "don't ship": "Don't ship: keep the control.",
        "keep running": "Keep running: there is not enough data to decide yet.",
        "no decision": "No decision: these data cannot support one.",
    }[verdict]


def srm_reason(srm_result: dict[str, Any]) -> str:
    """Why a sample ratio mismatch stops the decision."""
    return (
        f"Sample ratio mismatch (χ² = {srm_result['chi2']:.1f}, p = "
        f"{srm_result['p_value']:.2g}): the arms are not the sizes the split should give, so "
        "assignment or logging is broken and the effects cannot be trusted. Find and fix the "
        "cause, then rerun the experiment."
    )


def improves_reason(arm: str, metric: str, row: pd.Series, level: str) -> str:
    return f"{arm} improves {metric} by {effect_text(row, level)}."


def regression_reason(
    arm: str, metric: str, row: pd.Series, guard: pd.Series, level: str
) -> str:
    return (
        f"{arm} improves {metric} by {effect_text(row, level)}, but guardrail "
        f"{guard['metric']} regresses by {effect_text(guard, level)}."
    )


def unknown_guardrail_reason(
    arm: str, metric: str, row: pd.Series, guard: pd.Series, level: str
) -> str:
    return (
        f"{arm} improves {metric} by {effect_text(row, level)}, but guardrail "
        f"{guard['metric']} cannot be evaluated ({untestable_reason(guard)}), so whether {arm} "
        "harms it is unknown. Fix the data behind it and rerun before shipping."
    )


def worse_reason(arm: str, metric: str, row: pd.Series, level: str) -> str:
    return f"{arm} makes {metric} worse: {effect_text(row, level)}."


def untestable_primary_reason(arm: str, metric: str, row: pd.Series) -> str:
    return (
        f"{metric} cannot be tested for {arm}: {untestable_reason(row)}, so it gives no basis "
        "for a decision."
    )


def guardrails_fine_reason(arm: str, guardrails: Sequence[str]) -> str:
    return f"No guardrail ({', '.join(guardrails)}) is significantly worse in {arm}."


def no_change_reason(
    row: pd.Series, pw: pd.Series, level: str, min_lift: float
) -> tuple[str, bool]:
    """The reason for a non-significant primary metric, and whether the test was too small."""
    text = (
        f"{row['variant']} shows no significant change in {row['metric']}: "
        f"{effect_text(row, level)}."
    )
    if _finite(pw["mde_rel"]) and pw["mde_rel"] <= min_lift:
        return (f"{text} The test could detect a {min_lift:.0%} lift, so a lift worth shipping "
                "for is unlikely."), False
    need = pw["n_for_min_lift"]
    size = f"about {need:,.0f} users per arm" if _finite(need) else "far more data"
    detectable = (
        f"the smallest lift detectable with {pw['target_power']:.0%} power is "
        f"{pw['mde_rel']:.1%}" if _finite(pw["mde_rel"]) else "no lift can be sized yet"
    )
    return (f"{text} Too little power: with {int(row['control_n']):,} users in the control "
            f"{detectable}; detecting {min_lift:.0%} needs {size}."), True


def decision_markdown(decision: Decision) -> str:
    """The headline in bold, then the reasons as a bullet list; every sentence escaped."""
    return "\n".join([
        f"**{escape(decision.headline)}**",
        "",
        *(f"- {escape(reason)}" for reason in decision.reasons),
    ])


# ----------------------------------------------------------------------------- summary


def _primary_sentence(row: pd.Series, control: str, level: str, alpha: float,
                      currency: str | None) -> str:
    arm, metric = escape(row["variant"]), escape(row["metric"])
    if not testable(row):
        return f"In {arm}, {metric} cannot be tested: {escape(untestable_reason(row))}."
    lift = escape(lift_text(row, currency))
    interval = f"({level} {escape(_ci(row, currency))})"
    if row["p_value_adjusted"] < alpha and row["abs_diff"] != 0:
        verb = "rose" if row["abs_diff"] > 0 else "fell"
        return f"In {arm}, {metric} {verb} by {lift} against {escape(control)} {interval}."
    return (
        f"In {arm}, {metric} did not change significantly: {lift} against {escape(control)} "
        f"{interval}."
    )


def _srm_sentence(srm_result: dict[str, Any]) -> str:
    if srm_result["flag"]:
        return (
            "The users are **not** split between the arms as planned (sample ratio mismatch, "
            f"p = {srm_result['p_value']:.2g}), so none of these effects can be trusted."
        )
    return (
        "The users are split between the arms as planned (sample-ratio check "
        f"p = {srm_result['p_value']:.3g})."
    )


def _guardrail_sentences(results: pd.DataFrame, primary: str, alpha: float) -> list[str]:
    guards = results[results["metric"] != primary]
    if guards.empty:
        return []
    out = []
    for _, g in guards.iterrows():
        name, arm = escape(g["metric"]), escape(g["variant"])
        if not testable(g):
            out.append(
                f"Guardrail {name} cannot be evaluated in {arm}: "
                f"{escape(untestable_reason(g))}."
            )
        elif g["p_value_adjusted"] < alpha and g["abs_diff"] < 0:
            out.append(
                f"Guardrail {name} is significantly worse in {arm} ({escape(lift_text(g))})."
            )
    if out:
        return out
    names = ", ".join(escape(m) for m in dict.fromkeys(guards["metric"]))
    arms = list(dict.fromkeys(guards["variant"]))
    where = escape(arms[0]) if len(arms) == 1 else "any arm"
    return [f"No guardrail ({names}) is significantly worse in {where}."]


def summary_markdown(a: ABTestAnalysis) -> str:
    """The paragraph at the top of the report: decision, primary lift, split and guardrails."""
    p = a.parameters
    alpha, currency = p["alpha"], p.get("currency")
    level = interval_name(alpha, p.get("sequential", False))
    primary = a.results["metric"].iloc[0]
    sentences = [f"**{escape(a.decision.headline)}**"]
    for _, row in a.results[a.results["metric"] == primary].iterrows():
        sentences.append(_primary_sentence(row, str(p["control"]), level, alpha, currency))
    sentences.append(_srm_sentence(a.srm))
    sentences += _guardrail_sentences(a.results, primary, alpha)
    return " ".join(sentences)


# ----------------------------------------------------------------------------- sections


def srm_markdown(srm_result: dict[str, Any]) -> str:
    """One sentence on the sample-ratio check."""
    verdict = (
        "**Sample ratio mismatch**: the split is broken, so no decision is given."
        if srm_result["flag"] else "The split matches the plan (no sample ratio mismatch)."
    )
    return (
        f"{verdict} χ² = {srm_result['chi2']:.2f}, p = {srm_result['p_value']:.3g} "
        f"(flagged below {SRM_THRESHOLD:g})."
    )


def cuped_markdown(a: ABTestAnalysis) -> str:
    """One sentence per CUPED-adjusted metric and arm, or the note that CUPED is off."""
    covariates = _parse_cuped(a.parameters.get("cuped"))
    if not covariates:
        return escape(CUPED_SKIPPED)
    rows = a.results[a.results["method"].str.startswith("cuped")]
    sentences = []
    for r in rows.itertuples():
        vr = r.variance_reduction
        if not _finite(vr):
            continue
        what = (
            f"CUPED on {escape(r.metric)} ({escape(r.variant)}, pre-period column "
            f"“{escape(covariates.get(r.metric, '?'))}”)"
        )
        if vr > 0:
            gain = f": as good as {1 / (1 - vr) - 1:.0%} more users" if vr < 1 else ""
            sentences.append(f"{what} removed {vr:.0%} of the variance of the difference{gain}.")
        else:
            sentences.append(
                f"{what} did not reduce the variance of the difference (it changed by "
                f"{-vr:+.0%}): the pre-period column does not predict the metric."
            )
    return " ".join(sentences)


def results_markdown(a: ABTestAnalysis) -> str:
    """Below the results table: metrics with no test, then CUPED."""
    notes = [
        escape(untestable_note(row)) for _, row in a.results.iterrows() if not testable(row)
    ]
    return "\n\n".join([*notes, cuped_markdown(a)])


def segments_markdown(a: ABTestAnalysis) -> str:
    """What the segment breakdown holds, or the note that it was skipped."""
    column = a.parameters.get("segment_col")
    if a.segments is None or not column:
        return escape(SEGMENTS_SKIPPED)
    seg = a.segments
    values = list(dict.fromkeys(seg["segment"]))
    alpha = a.parameters["alpha"]
    significant = int((seg["p_value_adjusted"] < alpha).sum())
    tested = int(seg["p_value"].notna().sum())
    text = (
        f"Results within each of the {len(values)} values of {escape(column)} "
        f"({', '.join(escape(v) for v in values)}): {significant} of {tested} comparisons "
        "are significant after adjustment."
    )
    if tested < len(seg):
        text += f" {len(seg) - tested} have no test (too few users or no conversions) and show n/a."
    return text


# ----------------------------------------------------------------------------- tables


def effects_table(
    frame: pd.DataFrame, alpha: float, currency: str | None = None, sequential: bool = False
) -> pd.DataFrame:
    """Results rows formatted for reading: rates in %, money in the currency, n/a for no test."""
    level = interval_name(alpha, sequential)
    rows = []
    for _, r in frame.iterrows():
        row = {"Metric": r["metric"], "Arm": r["variant"]}
        if "segment" in r:
            row["Segment"] = r["segment"]
        row |= {
            "Users": f"{r['n']:,}",
            "Control users": f"{r['control_n']:,.0f}" if _finite(r["control_n"]) else "0",
            "Arm mean": _value(r, r["mean"], currency),
            "Control mean": _value(r, r["control_mean"], currency),
            "Lift": lift_text(r, currency),
            f"{level} of the lift": _ci(r, currency),
            "p (adjusted)": _p(r["p_value_adjusted"], 3),
            "Method": r["method"],
        }
        rows.append(row)
    keys = ["Metric", "Arm", "Segment"] if "segment" in frame else ["Metric", "Arm"]
    return pd.DataFrame(rows).set_index(keys)


def srm_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Users per arm against the planned split, formatted."""
    return pd.DataFrame({
        "Users": detail["users"].map("{:,}".format),
        "Share": detail["share"].map(lambda x: percent(x, 2)),
        "Planned share": detail["expected_share"].map(lambda x: percent(x, 2)),
        "Expected users": detail["expected_users"].map("{:,.0f}".format),
    })


def _users(x: float) -> str:
    return f"{x:,.0f}" if _finite(x) else "n/a"


def power_table(power: pd.DataFrame, min_lift: float) -> pd.DataFrame:
    """Power figures, formatted: what the test could detect and what it would need."""
    target = percent(power["target_power"].iloc[0], 0) if len(power) else ""
    return pd.DataFrame({
        "Metric": power["metric"],
        "Arm": power["variant"],
        "Control users": power["control_n"].map(_users),
        "Observed lift": power["rel_lift"].map(lambda x: percent(x, signed=True)),
        f"Detectable lift ({target} power)": power["mde_rel"].map(percent),
        f"Users per arm for a {min_lift:.0%} lift": power["n_for_min_lift"].map(_users),
        "Users per arm for the observed lift": power["n_for_observed"].map(_users),
    }).set_index(["Metric", "Arm"])


def bayesian_table(bayes: pd.DataFrame) -> pd.DataFrame:
    """Chance to beat control and expected loss of shipping, formatted."""
    return pd.DataFrame({
        "Metric": bayes["metric"],
        "Arm": bayes["variant"],
        "Chance to beat control": bayes["chance_to_beat_control"].map(probability),
        "Expected loss if shipped (% of control)": bayes["rel_expected_loss"].map(small_share),
        "Posterior": bayes["method"],
    }).set_index(["Metric", "Arm"])
