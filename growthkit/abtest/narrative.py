"""The A/B-test report's sentences: the summary, the decision's reasons and each section.

Every sentence is computed from the numbers it states, in the report's language
(:class:`growthkit.i18n.Language`, catalog ``abtest``). Data-derived strings (arm, metric,
segment and column names) are bidi-isolated in every language, so an Arabic arm name cannot
reorder an English sentence. Plain text (the decision's reasons, the notes) isolates them with
:func:`growthkit.i18n.isolate`; Markdown escapes them first (:func:`markdown_data`), so an arm
named ``<script>`` shows as typed. The formatted tables are in :mod:`growthkit.abtest.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.abtest._specs import _parse_cuped
from growthkit.abtest.formats import (
    CORRECTIONS,
    binary,
    effect_text,
    english,
    finite,
    interval_name,
    language,
    lift_text,
    p_text,
)
from growthkit.abtest.formats import ci_text as _ci_text
from growthkit.abtest.health import SRM_THRESHOLD
from growthkit.formatting import escape
from growthkit.i18n import N_, Language, isolate, strip_isolates

if TYPE_CHECKING:
    from growthkit.abtest.analysis import ABTestAnalysis
    from growthkit.abtest.decision import Decision

__all__ = [
    "CUPED_SKIPPED",
    "SEGMENTS_SKIPPED",
    "adjustment_markdown",
    "cuped_markdown",
    "decision_markdown",
    "english_note",
    "english_reason",
    "export_markdown",
    "headline",
    "interval_name",
    "lift_text",
    "markdown",
    "markdown_data",
    "plain",
    "power_curve_markdown",
    "power_curve_problem",
    "power_markdown",
    "results_markdown",
    "segments_markdown",
    "srm_markdown",
    "summary_markdown",
    "testable",
    "untestable_note",
    "untestable_reason",
]

#: Note when CUPED is off because no pre-period column was given.
CUPED_SKIPPED = N_(
    "CUPED is off: no pre-period column was given (set `cuped` to `metric:pre_period_column`, "
    "e.g. `revenue:pre_revenue`, to cut the noise with each user's behaviour before the test)."
)
#: Note when the segment breakdown is skipped because no segment column was given.
SEGMENTS_SKIPPED = N_(
    "The segment breakdown is skipped: no segment column was given (set `segment_col` to a "
    "column such as device or country to see the results within each of its values)."
)
#: What the report calls each verdict of :func:`growthkit.abtest.decide`.
_HEADLINES = {
    "ship": N_("Ship {arm}."),
    "don't ship": N_("Don't ship: keep the control."),
    "keep running": N_("Keep running: there is not enough data to decide yet."),
    "no decision": N_("No decision: these data cannot support one."),
}


# ----------------------------------------------------------------------------- Markdown


def markdown(text: str) -> str:
    """Plain text made safe for Markdown: escaped, and ``$`` kept from starting math."""
    return escape(text)


def markdown_data(value: object) -> str:
    """A data-derived value for Markdown: escaped (``$`` too), then bidi-isolated."""
    return isolate(markdown(str(value)))


# ----------------------------------------------------------------------------- no test


def testable(row: pd.Series) -> bool:
    """Whether a results row has a test: a p-value (NaN when no test is possible)."""
    return finite(row["p_value"])


def untestable_reason(row: pd.Series, lang: Language | None = None) -> str:
    """Why a results row has no test, in plain words (for a row where :func:`testable` fails)."""
    lang = language(lang)
    method = str(row["method"]).split("-")[0]
    n, n_c = row["n"], row["control_n"]
    if not (finite(n) and finite(n_c)) or min(n, n_c) < 2:
        return lang.gettext("an arm has fewer than 2 users")
    mean, control = row["mean"], row["control_mean"]
    if method == "ztest" and mean == control == 0:
        return lang.gettext("no user converted in either arm")
    if method == "ztest" and mean == control == 1:
        return lang.gettext("every user converted in both arms")
    if method == "delta" and not (finite(mean) or finite(control)):
        return lang.gettext("its denominator sums to 0 in both arms")
    if method == "delta" and not finite(mean):
        return lang.gettext("its denominator sums to 0 in {arm}").format(
            arm=isolate(row["variant"])
        )
    if method == "delta" and not finite(control):
        return lang.gettext("its denominator sums to 0 in the control")
    return lang.gettext("its standard error is undefined")


def untestable_note(row: pd.Series, lang: Language | None = None) -> str:
    """The plain-text note for a metric × arm with no test."""
    lang = language(lang)
    return lang.gettext(
        "No test is possible for {metric} ({arm}): {reason}. It shows as n/a and the decision "
        "does not rest on it."
    ).format(metric=isolate(row["metric"]), arm=isolate(row["variant"]),
             reason=untestable_reason(row, lang))


# ----------------------------------------------------------------------------- decision


def headline(verdict: str, arm: str | None, lang: Language | None = None) -> str:
    """One plain sentence: what to do."""
    lang = language(lang)
    return lang.gettext(_HEADLINES[verdict]).format(arm=isolate(arm))


def srm_reason(srm_result: dict[str, Any], lang: Language | None = None) -> str:
    """Why a sample ratio mismatch stops the decision."""
    lang = language(lang)
    return lang.gettext(
        "Sample ratio mismatch (χ² = {chi2}, {p}): the arms are not the sizes the split should "
        "give, so assignment or logging is broken and the effects cannot be trusted. Find and "
        "fix the cause, then rerun the experiment."
    ).format(chi2=lang.number(srm_result["chi2"], 1), p=p_text(srm_result["p_value"], lang))


def improves_reason(
    arm: str, metric: str, row: pd.Series, level: str, lang: Language | None = None
) -> str:
    """A winning arm: ``B improves converted by +25.9% (95% CI ...)``."""
    lang = language(lang)
    return lang.gettext("{arm} improves {metric} by {effect}.").format(
        arm=isolate(arm), metric=isolate(metric), effect=effect_text(row, level, lang)
    )


def regression_reason(
    arm: str, metric: str, row: pd.Series, guard: pd.Series, level: str,
    lang: Language | None = None,
) -> str:
    """A winning arm that makes a guardrail significantly worse."""
    lang = language(lang)
    return lang.gettext(
        "{arm} improves {metric} by {effect}, but guardrail {guardrail} regresses by "
        "{guardrail_effect}."
    ).format(arm=isolate(arm), metric=isolate(metric), effect=effect_text(row, level, lang),
             guardrail=isolate(guard["metric"]),
             guardrail_effect=effect_text(guard, level, lang))


def unknown_guardrail_reason(
    arm: str, metric: str, row: pd.Series, guard: pd.Series, level: str,
    lang: Language | None = None,
) -> str:
    """A winning arm with a guardrail that cannot be evaluated."""
    lang = language(lang)
    return lang.gettext(
        "{arm} improves {metric} by {effect}, but guardrail {guardrail} cannot be evaluated "
        "({reason}), so whether {arm} harms it is unknown. Fix the data behind it and rerun "
        "before shipping."
    ).format(arm=isolate(arm), metric=isolate(metric), effect=effect_text(row, level, lang),
             guardrail=isolate(guard["metric"]), reason=untestable_reason(guard, lang))


def worse_reason(
    arm: str, metric: str, row: pd.Series, level: str, lang: Language | None = None
) -> str:
    """An arm that makes the primary metric significantly worse."""
    lang = language(lang)
    return lang.gettext("{arm} makes {metric} worse: {effect}.").format(
        arm=isolate(arm), metric=isolate(metric), effect=effect_text(row, level, lang)
    )


def untestable_primary_reason(
    arm: str, metric: str, row: pd.Series, lang: Language | None = None
) -> str:
    """An arm whose primary metric has no test."""
    lang = language(lang)
    return lang.gettext(
        "{metric} cannot be tested for {arm}: {reason}, so it gives no basis for a decision."
    ).format(metric=isolate(metric), arm=isolate(arm), reason=untestable_reason(row, lang))


def guardrails_fine_reason(
    arm: str, guardrails: Sequence[str], lang: Language | None = None
) -> str:
    """The shipped arm's guardrails: none significantly worse."""
    lang = language(lang)
    return lang.gettext("No guardrail ({guardrails}) is significantly worse in {arm}.").format(
        guardrails=lang.join([isolate(g) for g in guardrails]), arm=isolate(arm)
    )


def no_change_reason(
    row: pd.Series, pw: pd.Series, level: str, min_lift: float, lang: Language | None = None
) -> tuple[str, bool]:
    """The reason for a non-significant primary metric, and whether the test was too small."""
    lang = language(lang)
    text = lang.gettext("{arm} shows no significant change in {metric}: {effect}.").format(
        arm=isolate(row["variant"]), metric=isolate(row["metric"]),
        effect=effect_text(row, level, lang),
    )
    target = lang.percent(min_lift, 0)
    if finite(pw["mde_rel"]) and pw["mde_rel"] <= min_lift:
        more = lang.gettext(
            "The test could detect a {lift} lift, so a lift worth shipping for is unlikely."
        ).format(lift=target)
        return f"{text} {more}", False
    need = pw["n_for_min_lift"]
    control_n = int(row["control_n"])
    users = lang.ngettext(
        "with {n} user in the control", "with {n} users in the control", control_n
    ).format(n=lang.number(control_n))
    size = (
        lang.gettext("about {n} users per arm").format(n=lang.number(need))
        if finite(need) else lang.gettext("far more data")
    )
    if finite(pw["mde_rel"]):
        more = lang.gettext(
            "Too little power: {users}, the smallest lift detectable with {power} power is "
            "{mde}; detecting {lift} needs {size}."
        ).format(users=users, power=lang.percent(pw["target_power"], 0),
                 mde=lang.percent(pw["mde_rel"]), lift=target, size=size)
    else:
        more = lang.gettext(
            "Too little power: {users}, no lift can be sized yet; detecting {lift} needs {size}."
        ).format(users=users, lift=target, size=size)
    return f"{text} {more}", True


def decision_markdown(decision: Decision) -> str:
    """The headline in bold, then the reasons as a bullet list; every sentence escaped."""
    return "\n".join([
        f"**{markdown(decision.headline)}**",
        "",
        *(f"- {markdown(reason)}" for reason in decision.reasons),
    ])


# ----------------------------------------------------------------------------- summary


def _primary_sentence(row: pd.Series, control: str, level: str, alpha: float,
                      currency: str | None, lang: Language) -> str:
    names = {"arm": markdown_data(row["variant"]), "metric": markdown_data(row["metric"])}
    if not testable(row):
        return lang.gettext("In {arm}, {metric} cannot be tested: {reason}.").format(
            **names, reason=markdown(untestable_reason(row, lang))
        )
    names |= {
        "lift": markdown(lift_text(row, lang, currency)), "control": markdown_data(control),
        "interval": markdown(
            lang.gettext("({level} {interval})").format(
                level=level, interval=_ci_text(row, lang, currency)
            )
        ),
    }
    if row["p_value_adjusted"] < alpha and row["abs_diff"] > 0:
        return lang.gettext("In {arm}, {metric} rose by {lift} against {control} {interval}."
                            ).format(**names)
    if row["p_value_adjusted"] < alpha and row["abs_diff"] < 0:
        return lang.gettext("In {arm}, {metric} fell by {lift} against {control} {interval}."
                            ).format(**names)
    return lang.gettext(
        "In {arm}, {metric} did not change significantly: {lift} against {control} {interval}."
    ).format(**names)


def _srm_sentence(srm_result: dict[str, Any], lang: Language) -> str:
    p = markdown(p_text(srm_result["p_value"], lang))
    if srm_result["flag"]:
        return lang.gettext(
            "The users are **not** split between the arms as planned (sample ratio mismatch, "
            "{p}), so none of these effects can be trusted."
        ).format(p=p)
    return lang.gettext(
        "The users are split between the arms as planned (sample-ratio check {p})."
    ).format(p=p)


def _guardrail_sentences(results: pd.DataFrame, primary: str, alpha: float,
                         lang: Language) -> list[str]:
    guards = results[results["metric"] != primary]
    if guards.empty:
        return []
    out = []
    for _, g in guards.iterrows():
        names = {"guardrail": markdown_data(g["metric"]), "arm": markdown_data(g["variant"])}
        if not testable(g):
            out.append(lang.gettext(
                "Guardrail {guardrail} cannot be evaluated in {arm}: {reason}."
            ).format(**names, reason=markdown(untestable_reason(g, lang))))
        elif g["p_value_adjusted"] < alpha and g["abs_diff"] < 0:
            out.append(lang.gettext(
                "Guardrail {guardrail} is significantly worse in {arm} ({lift})."
            ).format(**names, lift=markdown(lift_text(g, lang))))
    if out:
        return out
    names = lang.join([markdown_data(m) for m in dict.fromkeys(guards["metric"])])
    arms = list(dict.fromkeys(guards["variant"]))
    if len(arms) == 1:
        return [lang.gettext("No guardrail ({guardrails}) is significantly worse in {arm}."
                             ).format(guardrails=names, arm=markdown_data(arms[0]))]
    return [lang.gettext("No guardrail ({guardrails}) is significantly worse in any arm."
                         ).format(guardrails=names)]


def summary_markdown(a: ABTestAnalysis) -> str:
    """The paragraph at the top of the report: decision, primary lift, split and guardrails."""
    p, lang = a.parameters, a.lang
    alpha, currency = p["alpha"], p.get("currency")
    level = interval_name(alpha, p.get("sequential", False), lang)
    primary = a.results["metric"].iloc[0]
    sentences = [f"**{markdown(a.decision.headline)}**"]
    for _, row in a.results[a.results["metric"] == primary].iterrows():
        sentences.append(_primary_sentence(row, str(p["control"]), level, alpha, currency, lang))
    sentences.append(_srm_sentence(a.srm, lang))
    sentences += _guardrail_sentences(a.results, primary, alpha, lang)
    return " ".join(sentences)


# ----------------------------------------------------------------------------- sections


def srm_markdown(srm_result: dict[str, Any], lang: Language | None = None) -> str:
    """One sentence on the sample-ratio check."""
    lang = language(lang)
    if srm_result["flag"]:
        verdict = lang.gettext(
            "**Sample ratio mismatch**: the split is broken, so no decision is given."
        )
    else:
        verdict = lang.gettext("The split matches the plan (no sample ratio mismatch).")
    figures = lang.gettext("χ² = {chi2}, {p} (flagged below {threshold}).").format(
        chi2=lang.number(srm_result["chi2"], 2), p=p_text(srm_result["p_value"], lang),
        threshold=lang.number(SRM_THRESHOLD, 3),
    )
    return f"{verdict} {markdown(figures)}"


def cuped_markdown(a: ABTestAnalysis) -> str:
    """One sentence per CUPED-adjusted metric and arm, or the note that CUPED is off."""
    lang = a.lang
    covariates = _parse_cuped(a.parameters.get("cuped"))
    if not covariates:
        return lang.gettext(CUPED_SKIPPED)  # catalog text, Markdown (code spans) as written
    rows = a.results[a.results["method"].str.startswith("cuped")]
    sentences = []
    for r in rows.itertuples():
        vr = r.variance_reduction
        if not finite(vr):
            continue
        names = {"metric": markdown_data(r.metric), "arm": markdown_data(r.variant),
                 "column": markdown_data(covariates.get(r.metric, "?"))}
        if 0 < vr < 1:
            sentences.append(lang.gettext(
                "CUPED on {metric} ({arm}, pre-period column “{column}”) removed {share} of the "
                "variance of the difference: as good as {more} more users."
            ).format(**names, share=lang.percent(vr, 0), more=lang.percent(1 / (1 - vr) - 1, 0)))
        elif vr >= 1:
            sentences.append(lang.gettext(
                "CUPED on {metric} ({arm}, pre-period column “{column}”) removed {share} of the "
                "variance of the difference."
            ).format(**names, share=lang.percent(vr, 0)))
        else:
            sentences.append(lang.gettext(
                "CUPED on {metric} ({arm}, pre-period column “{column}”) did not reduce the "
                "variance of the difference (it changed by {change}): the pre-period column "
                "does not predict the metric well enough to help."
            ).format(**names, change=lang.percent(-vr, 0, signed=True)))
    return " ".join(sentences)


def adjustment_markdown(a: ABTestAnalysis) -> str:
    """How the p-values were adjusted for testing several metrics and arms at once."""
    lang, p = a.lang, a.parameters
    tested = int(a.results["p_value"].notna().sum())
    correction = p.get("correction", "holm")
    if tested <= 1:
        text = lang.gettext("One comparison is tested, so its p-value needs no adjustment.")
    elif correction not in CORRECTIONS:
        text = lang.ngettext(
            "The p-values of the {n} comparison are not adjusted for multiple testing "
            "(`correction` is `none`): with several comparisons some look significant by "
            "chance.",
            "The p-values of the {n} comparisons are not adjusted for multiple testing "
            "(`correction` is `none`): with several comparisons some look significant by "
            "chance.",
            tested,
        ).format(n=lang.number(tested))
    else:
        text = lang.ngettext(
            "The p-values are adjusted with {method} for the {n} comparison tested together "
            "(metrics × arms).",
            "The p-values are adjusted with {method} for the {n} comparisons tested together "
            "(metrics × arms).",
            tested,
        ).format(method=lang.gettext(CORRECTIONS[correction]), n=lang.number(tested))
    if p.get("sequential"):
        text += " " + lang.gettext(
            "Intervals and p-values are always valid: they stay correct however often the "
            "results are looked at."
        )
    return text  # catalog text (Markdown) with numbers: nothing from the data


def results_markdown(a: ABTestAnalysis) -> str:
    """Below the results table: metrics with no test, the adjustment, then CUPED."""
    notes = [
        markdown(untestable_note(row, a.lang))
        for _, row in a.results.iterrows() if not testable(row)
    ]
    return "\n\n".join([*notes, adjustment_markdown(a), cuped_markdown(a)])


def segments_markdown(a: ABTestAnalysis) -> str:
    """What the segment breakdown holds, or the note that it was skipped."""
    lang = a.lang
    column = a.parameters.get("segment_col")
    if a.segments is None or not column:
        return lang.gettext(SEGMENTS_SKIPPED)
    seg = a.segments
    values = list(dict.fromkeys(seg["segment"]))
    alpha = a.parameters["alpha"]
    significant = int((seg["p_value_adjusted"] < alpha).sum())
    tested = int(seg["p_value"].notna().sum())
    names = {"column": markdown_data(column),
             "values": lang.join([markdown_data(v) for v in values]),
             "k": lang.number(len(values))}
    text = lang.ngettext(
        "Results within the {k} value of {column} ({values}).",
        "Results within each of the {k} values of {column} ({values}).", len(values),
    ).format(**names)
    counts = {"significant": lang.number(significant), "tested": lang.number(tested)}
    if a.parameters.get("correction", "holm") in CORRECTIONS and tested > 1:
        text += " " + lang.ngettext(
            "{significant} of {tested} comparison is significant after adjusting the p-values "
            "across all segment comparisons.",
            "{significant} of {tested} comparisons are significant after adjusting the p-values "
            "across all segment comparisons.", tested,
        ).format(**counts)
    else:
        text += " " + lang.ngettext(
            "{significant} of {tested} comparison is significant, without adjustment for "
            "multiple testing.",
            "{significant} of {tested} comparisons are significant, without adjustment for "
            "multiple testing.", tested,
        ).format(**counts)
    if tested < len(seg):
        text += " " + lang.ngettext(
            "{n} comparison has no possible test and shows n/a.",
            "{n} comparisons have no possible test and show n/a.", len(seg) - tested,
        ).format(n=lang.number(len(seg) - tested))
    return text


def power_markdown(a: ABTestAnalysis) -> str:
    """What the power table's columns mean, with this report's target power and lift."""
    lang = a.lang
    target = a.power["target_power"].iloc[0] if len(a.power) else 0.8
    return markdown(lang.gettext(
        "Detectable lift is the smallest lift the test finds {power} of the time with the users "
        "it has. The last columns give the users per arm a {lift} lift, or the lift observed "
        "here, would need."
    ).format(power=lang.percent(target, 0), lift=lang.percent(a.parameters["min_lift"], 0)))


def power_curve_problem(row: pd.Series, lang: Language | None = None) -> str | None:
    """Why no power curve can be drawn for a results row (None when one can)."""
    lang = language(lang)
    baseline, n_now = float(row["control_mean"]), float(row["control_n"])
    sd = float(row["control_std"]) if "control_std" in row else float("nan")
    rate = binary(row)
    usable = (
        finite(baseline) and baseline != 0 and finite(n_now) and n_now >= 2
        and ((0 < baseline < 1) if rate else (finite(sd) and sd > 0))
    )
    if usable:
        return None
    if rate and finite(baseline):
        return lang.gettext("No power curve for {metric}: a control rate of {rate}.").format(
            metric=isolate(row["metric"]), rate=lang.percent(baseline, 0)
        )
    return lang.gettext(
        "No power curve for {metric}: no spread or no baseline in the control."
    ).format(metric=isolate(row["metric"]))


def power_curve_markdown(a: ABTestAnalysis) -> str:
    """The sentence above the power curve of the primary metric (its reason when none)."""
    lang = a.lang
    row = a.results.iloc[0]
    problem = power_curve_problem(row, lang)
    if problem is not None:
        return markdown(problem)
    return lang.ngettext(
        "The chance of detecting a lift in {metric} grows with the number of users per arm; the "
        "vertical line marks this test's size ({n} user in the control).",
        "The chance of detecting a lift in {metric} grows with the number of users per arm; the "
        "vertical line marks this test's size ({n} users in the control).",
        int(row["control_n"]),
    ).format(metric=markdown_data(row["metric"]), n=markdown(lang.number(row["control_n"])))


def export_markdown(path: Path | None, lang: Language | None = None) -> str:
    """Where the results table was exported, or how to export it."""
    lang = language(lang)
    if path is None:
        return lang.gettext(
            "The results table was not exported (set `results_csv` to a file name, such as "
            "`abtest_results.csv`, to get it as a CSV file)."
        )
    return lang.gettext(
        "The results table, with unrounded figures, is in the CSV file {file} next to this "
        "report."
    ).format(file=markdown_data(Path(path).name))


def plain(text: str) -> str:
    """Plain text without bidi isolates, as the JSON keeps it."""
    return strip_isolates(text)


def english_reason(row: pd.Series) -> str:
    """:func:`untestable_reason` in English without isolates, for the JSON."""
    return plain(untestable_reason(row, english()))


def english_note(row: pd.Series) -> str:
    """:func:`untestable_note` in English without isolates, for the JSON."""
    return plain(untestable_note(row, english()))
