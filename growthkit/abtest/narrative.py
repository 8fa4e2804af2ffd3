"""The A/B-test report's sentences: the summary, the decision's reasons and each section.

Every sentence is computed from the numbers it states, in the report's language
(:class:`growthkit.i18n.Language`, catalog ``abtest``). Data-derived strings (arm, metric,
segment and column names) are bidi-isolated in every language, so an Arabic arm name cannot
reorder an English sentence. Plain text (the decision's reasons, the notes) isolates them with
:func:`growthkit.i18n.isolate`; Markdown escapes them first (:func:`markdown_data`), so an arm
named ``<script>`` shows as typed. The formatted tables are in :mod:`growthkit.abtest.tables`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.abtest.display import (
    CORRECTIONS,
    binary,
    effect_text,
    interval_name,
    lift_text,
    p_text,
    relative,
    value_text,
)
from growthkit.abtest.display import ci_text as _ci_text
from growthkit.abtest.health import SRM_THRESHOLD
from growthkit.abtest.reasons import (
    CUPED_SKIPPED,
    FOLLOW_UPS,
    HEADLINES,
    SEGMENTS_SKIPPED,
    UNTESTABLE,
    testable,
    untestable_code,
    untestable_note,
)
from growthkit.abtest.specs import parse_cuped
from growthkit.escaping import escape
from growthkit.i18n import Language, as_language, isolate, strip_isolates
from growthkit.notes import Note
from growthkit.numeric import finite

if TYPE_CHECKING:
    from growthkit.abtest.analysis import ABTestAnalysis
    from growthkit.abtest.decision import Decision

__all__ = [
    "CUPED_SKIPPED",
    "SEGMENTS_SKIPPED",
    "adjustment_markdown",
    "cuped_markdown",
    "decision_markdown",
    "export_markdown",
    "headline",
    "headline_lift",
    "interval_name",
    "lift_text",
    "markdown",
    "markdown_data",
    "plain",
    "power_curve_markdown",
    "power_curve_problem",
    "power_markdown",
    "reason_text",
    "results_markdown",
    "segments_markdown",
    "srm_markdown",
    "summary_markdown",
    "testable",
    "untestable_reason",
]


# ----------------------------------------------------------------------------- Markdown


def markdown(text: str) -> str:
    """Plain text made safe for Markdown: escaped, and ``$`` kept from starting math."""
    return escape(text)


def markdown_data(value: object) -> str:
    """A data-derived value for Markdown: escaped (``$`` too), then bidi-isolated."""
    return isolate(markdown(str(value)))


# ----------------------------------------------------------------------------- no test


def untestable_reason(row: pd.Series, lang: Language | None = None) -> str:
    """Why a results row has no test, in plain words (for a row where :func:`testable` fails)."""
    return _untestable_phrase(untestable_code(row), row["variant"], as_language(lang, "abtest"))


def _untestable_phrase(code: str, arm: object, lang: Language) -> str:
    return lang.gettext(UNTESTABLE[code]).format(arm=isolate(arm))


# ----------------------------------------------------------------------------- decision


def headline(verdict: str, arm: str | None, lang: Language | None = None) -> str:
    """One plain sentence: what to do."""
    lang = as_language(lang, domain="abtest")
    return lang.gettext(HEADLINES[verdict]).format(arm=isolate(arm))


def _effect(figures: dict[str, Any], lang: Language) -> str:
    """A reason's ``effect`` argument as ``+25.9% (95% CI ..., adjusted p ...)``."""
    level = figures.get("level") or interval_name(
        figures.get("alpha", 0.05), bool(figures.get("sequential")), lang
    )
    return effect_text(pd.Series(figures, dtype=object), level, lang)


def _follow_up(note: Note, lang: Language) -> str:
    """The sentence after a "no significant change" reason: what the test could detect."""
    args = note.args
    target = lang.percent(args["min_lift"], 0)
    if note.code == "no_change":
        return lang.gettext(FOLLOW_UPS[note.code]).format(lift=target)
    control_n, need = args["control_n"], args["n_for_min_lift"]
    users = lang.ngettext(
        "with {n} user in the control", "with {n} users in the control", control_n
    ).format(n=lang.number(control_n))
    size = (
        lang.gettext("about {n} users per arm").format(n=lang.number(need))
        if finite(need) else lang.gettext("far more data")
    )
    return lang.gettext(FOLLOW_UPS[note.code]).format(
        users=users, power=lang.percent(args["target_power"], 0),
        mde=lang.percent(args["mde_rel"]), lift=target, size=size,
    )


def reason_text(note: Note, lang: Language | None = None) -> str:
    """One of the decision's reasons (:attr:`growthkit.abtest.Decision.reasons`) as plain
    text in ``lang``, data-derived names bidi-isolated.

    Parameters
    ----------
    note : Note
        A reason made by :func:`growthkit.abtest.decide` (its code says which).
    lang : Language, optional
        The report's language; English when None.

    Returns
    -------
    str
    """
    lang = as_language(lang, domain="abtest")
    args = note.args
    if note.code == "srm_mismatch":
        values = {"chi2": lang.number(args["chi2"], 1), "p": p_text(args["p_value"], lang)}
    else:
        values = {k: isolate(args[k]) for k in ("arm", "metric", "guardrail") if k in args}
    for key in ("effect", "guardrail_effect"):
        if key in args:
            values[key] = _effect(args[key], lang)
    if "reason_code" in args:
        values["reason"] = _untestable_phrase(args["reason_code"], args["arm"], lang)
    if "guardrails" in args:
        values["guardrails"] = lang.join([isolate(g) for g in args["guardrails"]])
    text = lang.gettext(note.message).format(**values)
    if note.code in FOLLOW_UPS:
        text += " " + _follow_up(note, lang)
    return text


def decision_markdown(decision: Decision, lang: Language | None = None) -> str:
    """The headline in bold, then the reasons as a bullet list; every sentence escaped.

    ``lang`` is the report's language (the decision's own when None).
    """
    lang = as_language(lang or decision.lang, domain="abtest")
    return "\n".join([
        f"**{markdown(headline(decision.verdict, decision.arm, lang))}**",
        "",
        *(f"- {markdown(reason_text(r, lang))}" for r in decision.reasons),
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
    significant = row["p_value_adjusted"] < alpha
    if relative(row):  # a relative lift says so, with the two means it compares
        names |= {
            "control_value": markdown(value_text(row, row["control_mean"], lang, currency)),
            "arm_value": markdown(value_text(row, row["mean"], lang, currency)),
        }
        if significant and row["abs_diff"] > 0:
            return lang.gettext(
                "In {arm}, {metric} rose by {lift} relative to {control} {interval}: from "
                "{control_value} to {arm_value}."
            ).format(**names)
        if significant and row["abs_diff"] < 0:
            return lang.gettext(
                "In {arm}, {metric} fell by {lift} relative to {control} {interval}: from "
                "{control_value} to {arm_value}."
            ).format(**names)
        return lang.gettext(
            "In {arm}, {metric} did not change significantly: {lift} relative to {control} "
            "{interval}, from {control_value} to {arm_value}."
        ).format(**names)
    if significant and row["abs_diff"] > 0:
        return lang.gettext("In {arm}, {metric} rose by {lift} against {control} {interval}."
                            ).format(**names)
    if significant and row["abs_diff"] < 0:
        return lang.gettext("In {arm}, {metric} fell by {lift} against {control} {interval}."
                            ).format(**names)
    return lang.gettext(
        "In {arm}, {metric} did not change significantly: {lift} against {control} {interval}."
    ).format(**names)


def headline_lift(row: pd.Series, lang: Language, currency: str | None = None) -> tuple[str, str]:
    """The landing page's label and value for the primary metric's lift in ``row``.

    A relative lift says so and gives the two means it compares (``+25.9%`` from ``11.35%``
    to ``14.28%``); without one (a control mean of 0) the absolute difference.

    Returns
    -------
    tuple of str
        The label (``converted relative lift (treatment)``) and the value.
    """
    names = {"metric": isolate(row["metric"]), "arm": isolate(row["variant"])}
    lift = lift_text(row, lang, currency)
    if not relative(row):
        return lang.gettext("{metric} lift ({arm})").format(**names), lift
    label = lang.gettext("{metric} relative lift ({arm})").format(**names)
    value = lang.gettext("{lift} (from {control_value} to {arm_value})").format(
        lift=lift, control_value=value_text(row, row["control_mean"], lang, currency),
        arm_value=value_text(row, row["mean"], lang, currency),
    )
    return label, value


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
    sentences = [f"**{markdown(headline(a.decision.verdict, a.decision.arm, lang))}**"]
    for _, row in a.results[a.results["metric"] == primary].iterrows():
        sentences.append(_primary_sentence(row, str(p["control"]), level, alpha, currency, lang))
    sentences.append(_srm_sentence(a.srm, lang))
    sentences += _guardrail_sentences(a.results, primary, alpha, lang)
    return " ".join(sentences)


# ----------------------------------------------------------------------------- sections


def srm_markdown(srm_result: dict[str, Any], lang: Language | None = None) -> str:
    """One sentence on the sample-ratio check."""
    lang = as_language(lang, domain="abtest")
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
    covariates = parse_cuped(a.parameters.get("cuped"))
    if not covariates:
        return CUPED_SKIPPED.text(lang, markdown=True)
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
        untestable_note(row).text(a.lang, markdown=True)
        for _, row in a.results.iterrows() if not testable(row)
    ]
    return "\n\n".join([*notes, adjustment_markdown(a), cuped_markdown(a)])


def segments_markdown(a: ABTestAnalysis) -> str:
    """What the segment breakdown holds, or the note that it was skipped."""
    lang = a.lang
    column = a.parameters.get("segment_col")
    if a.segments is None or not column:
        return SEGMENTS_SKIPPED.text(lang, markdown=True)
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
    """What the power table's columns mean, with this report's target power and lift, and what
    an n/a in it means when there is one."""
    lang = a.lang
    target = a.power["target_power"].iloc[0] if len(a.power) else 0.8
    text = lang.gettext(
        "Detectable lift is the smallest lift the test finds {power} of the time with the users "
        "it has. The last columns give the users per arm a {lift} lift, or the lift observed "
        "here, would need."
    ).format(power=lang.percent(target, 0), lift=lang.percent(a.parameters["min_lift"], 0))
    sized = a.power[["mde_rel", "n_for_min_lift", "n_for_observed"]]
    if sized.isna().any(axis=None):
        text += " " + lang.gettext(
            "A figure shown as n/a cannot be computed for its comparison: no lift is detectable "
            "with these users, the control has no spread or baseline, or the effect is so large "
            "that the size formula would need fewer than 2 users per arm, the fewest a test "
            "can run on."
        )
    return markdown(text)


def power_curve_problem(row: pd.Series, lang: Language | None = None) -> str | None:
    """Why no power curve can be drawn for a results row (None when one can)."""
    lang = as_language(lang, domain="abtest")
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
    lang = as_language(lang, domain="abtest")
    if path is None:
        return lang.gettext(
            "The results table was not exported (set `results_csv` to a file name, such as "
            "`abtest_results.csv`, to get it as a CSV file)."
        )
    return lang.gettext(
        "The results table, with its figures to six significant digits, is in the CSV file "
        "{file} next to this "
        "report."
    ).format(file=markdown_data(Path(path).name))


def plain(text: str) -> str:
    """Plain text without bidi isolates, as the JSON keeps it."""
    return strip_isolates(text)
