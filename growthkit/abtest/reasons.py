"""The A/B test's notes and reasons as codes: why a comparison has no test, why a section is
skipped, why the decision is what it is.

A computing module returns these :class:`~growthkit.notes.Note` s (a code, an English template
marked with ``N_`` and the raw arguments); :mod:`growthkit.abtest.narrative` renders them once,
in the report's language, and the JSON carries the code, the arguments and the English text.
The rule that tells why a results row has no test (:func:`untestable_code`) lives here too, so
the decision and the report's words read the same answer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from growthkit.i18n import N_
from growthkit.notes import Note
from growthkit.numeric import finite

__all__ = [
    "CUPED_SKIPPED",
    "EFFECT_KEYS",
    "FOLLOW_UPS",
    "HEADLINES",
    "NO_TEST",
    "NO_TEST_IN_ARM",
    "REASONS",
    "SEGMENTS_SKIPPED",
    "UNTESTABLE",
    "effect_args",
    "reason",
    "testable",
    "untestable_code",
    "untestable_note",
]

#: Note when CUPED is off because no pre-period column was given.
CUPED_SKIPPED = Note("cuped_off", N_(
    "CUPED is off: no pre-period column was given (set `cuped` to `metric:pre_period_column`, "
    "e.g. `revenue:pre_revenue`, to cut the noise with each user's behaviour before the test)."
))
#: Note when the segment breakdown is skipped because no segment column was given.
SEGMENTS_SKIPPED = Note("segments_skipped", N_(
    "The segment breakdown is skipped: no segment column was given (set `segment_col` to a "
    "column such as device or country to see the results within each of its values)."
))

#: Why a comparison has no test: code -> the English phrase (``{arm}``: the row's arm).
UNTESTABLE = {
    "too_few_users": N_("an arm has fewer than 2 users"),
    "no_conversions": N_("no user converted in either arm"),
    "all_converted": N_("every user converted in both arms"),
    "zero_denominator": N_("its denominator sums to 0 in both arms"),
    "zero_denominator_arm": N_("its denominator sums to 0 in {arm}"),
    "zero_denominator_control": N_("its denominator sums to 0 in the control"),
    "undefined_se": N_("its standard error is undefined"),
}
#: The note for a metric × arm with no test; its reason is one of :data:`UNTESTABLE`.
NO_TEST = N_(
    "No test is possible for {metric} ({arm}): {reason}. It shows as n/a and the decision "
    "does not rest on it."
)
#: The same note when the reason itself names the arm (``zero_denominator_arm``).
NO_TEST_IN_ARM = N_(
    "No test is possible for {metric} ({arm}): its denominator sums to 0 in {arm}. It shows as "
    "n/a and the decision does not rest on it."
)

#: What the report calls each verdict of :func:`growthkit.abtest.decide`.
HEADLINES = {
    "ship": N_("Ship {arm}."),
    "don't ship": N_("Don't ship: keep the control."),
    "keep running": N_("Keep running: there is not enough data to decide yet."),
    "no decision": N_("No decision: these data cannot support one."),
}

#: The decision's reasons: code -> English template. ``{effect}`` is a results row's lift,
#: interval and adjusted p-value (the ``effect`` argument holds the row's figures).
REASONS = {
    "srm_mismatch": N_(
        "Sample ratio mismatch (χ² = {chi2}, {p}): the arms are not the sizes the split should "
        "give, so assignment or logging is broken and the effects cannot be trusted. Find and "
        "fix the cause, then rerun the experiment."
    ),
    "improves": N_("{arm} improves {metric} by {effect}."),
    "guardrail_regresses": N_(
        "{arm} improves {metric} by {effect}, but guardrail {guardrail} regresses by "
        "{guardrail_effect}."
    ),
    "guardrail_unknown": N_(
        "{arm} improves {metric} by {effect}, but guardrail {guardrail} cannot be evaluated "
        "({reason}), so whether {arm} harms it is unknown. Fix the data behind it and rerun "
        "before shipping."
    ),
    "primary_worse": N_("{arm} makes {metric} worse: {effect}."),
    "primary_untestable": N_(
        "{metric} cannot be tested for {arm}: {reason}, so it gives no basis for a decision."
    ),
    "guardrails_fine": N_("No guardrail ({guardrails}) is significantly worse in {arm}."),
    "no_change": N_("{arm} shows no significant change in {metric}: {effect}."),
    "too_little_power": N_("{arm} shows no significant change in {metric}: {effect}."),
    "too_little_power_unsized": N_("{arm} shows no significant change in {metric}: {effect}."),
}
#: The sentence that follows a "no significant change" reason, by its code.
FOLLOW_UPS = {
    "no_change": N_(
        "The test could detect a {lift} lift, so a lift worth shipping for is unlikely."
    ),
    "too_little_power": N_(
        "Too little power: {users}, the smallest lift detectable with {power} power is "
        "{mde}; detecting {lift} needs {size}."
    ),
    "too_little_power_unsized": N_(
        "Too little power: {users}, no lift can be sized yet; detecting {lift} needs {size}."
    ),
}

#: The figures of a results row an effect is read from (lift, interval, adjusted p, test).
EFFECT_KEYS = (
    "rel_lift", "rel_ci_low", "rel_ci_high", "abs_diff", "abs_ci_low", "abs_ci_high",
    "p_value_adjusted", "method",
)


def testable(row: pd.Series) -> bool:
    """Whether a results row has a test: a p-value (NaN when no test is possible)."""
    return finite(row["p_value"])


def untestable_code(row: pd.Series) -> str:
    """Why a results row has no test, as a key of :data:`UNTESTABLE`.

    Parameters
    ----------
    row : pandas.Series
        A row of :func:`growthkit.abtest.compare` for which :func:`testable` is False.

    Returns
    -------
    str
    """
    method = str(row["method"]).split("-")[0]
    n, n_c = row["n"], row["control_n"]
    if not (finite(n) and finite(n_c)) or min(n, n_c) < 2:
        return "too_few_users"
    mean, control = row["mean"], row["control_mean"]
    if method == "ztest" and mean == control == 0:
        return "no_conversions"
    if method == "ztest" and mean == control == 1:
        return "all_converted"
    if method == "delta" and not (finite(mean) or finite(control)):
        return "zero_denominator"
    if method == "delta" and not finite(mean):
        return "zero_denominator_arm"
    if method == "delta" and not finite(control):
        return "zero_denominator_control"
    return "undefined_se"


def untestable_note(row: pd.Series) -> Note:
    """The note for a metric × arm with no test (code ``no_test``)."""
    code = untestable_code(row)
    message = NO_TEST_IN_ARM if code == "zero_denominator_arm" else NO_TEST
    return Note(
        "no_test", message, kinds={"reason": "text", "reason_code": "code"},
        metric=str(row["metric"]), arm=str(row["variant"]), reason=UNTESTABLE[code],
        reason_code=code,
    )


def effect_args(row: pd.Series) -> dict[str, Any]:
    """The figures of ``row`` an effect is read from (:data:`EFFECT_KEYS`), JSON-ready."""
    out: dict[str, Any] = {}
    for key in EFFECT_KEYS:
        value = row[key]
        if key == "method":
            out[key] = str(value)
        else:
            out[key] = float(value) if finite(value) else None
    return out


def reason(code: str, **args: Any) -> Note:
    """A decision reason: :data:`REASONS` ``[code]`` with its raw arguments.

    The ``effect`` arguments (a row's figures, :func:`effect_args`) are read by the narrative,
    which writes them as a lift with its interval and p-value in the report's language.
    """
    kinds = {k: "code" for k, v in args.items() if isinstance(v, dict | bool)}
    if "reason_code" in args:  # why a comparison has no test: its code and English phrase
        args["reason"] = UNTESTABLE[args["reason_code"]]
        kinds |= {"reason": "text", "reason_code": "code"}
    return Note(code, REASONS[code], kinds=kinds, **args)
