"""Turn the analysis into a decision a marketer can act on, with the reasons behind it.

The rules are here; the words are in :mod:`growthkit.abtest.narrative`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from growthkit.abtest import narrative
from growthkit.abtest.formats import interval_name
from growthkit.abtest.formats import language as report_language
from growthkit.abtest.narrative import testable
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language

__all__ = ["VERDICTS", "Decision", "decide"]

#: The possible verdicts. "no decision" is given when the data cannot support one: a broken
#: split (SRM), or a primary metric or guardrail for which no test is possible.
VERDICTS = ("ship", "don't ship", "keep running", "no decision")


@dataclass(frozen=True)
class Decision:
    """A verdict, the arm it concerns and the reasons, in plain language.

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`.
    arm : str or None
        The arm to ship (for ``"ship"``), else None.
    reasons : tuple of str
        One plain-text sentence per finding that led to the verdict, most important first, in
        the decision's language with data-derived names bidi-isolated (escape them before
        putting them into Markdown, as :meth:`to_markdown` does).
    lang : Language, optional
        The language of the headline and the reasons; English when None.
    """

    verdict: str
    arm: str | None
    reasons: tuple[str, ...]
    lang: Language | None = field(default=None, repr=False, compare=False)

    @property
    def headline(self) -> str:
        """One plain sentence: what to do."""
        return narrative.headline(self.verdict, self.arm, self.lang)

    def to_markdown(self) -> str:
        """The headline in bold followed by the reasons as a bullet list, escaped."""
        return narrative.decision_markdown(self)


def decide(
    results: pd.DataFrame,
    srm_result: Mapping[str, object],
    power_table: pd.DataFrame,
    primary: str | None = None,
    alpha: float = 0.05,
    min_lift: float = 0.05,
    level: str | None = None,
    language: Language | str = "en",
) -> Decision:
    """Decide whether to ship, and say why.

    The rules, in order:

    1. **No decision** when the SRM check failed: a broken split biases every estimate.
    2. **Ship** the arm with the largest significant improvement of the primary metric
       (adjusted p < ``alpha``, treatment − control > 0), provided every guardrail (every other
       metric, where higher is better) can be evaluated in that arm and none is significantly
       worse.
    3. **Don't ship** when a guardrail regresses in every winning arm, when the primary metric
       is significantly worse, or when the test could detect ``min_lift`` with the power
       planned and found nothing.
    4. **No decision** when the only winners have a guardrail that cannot be evaluated (no
       test is possible, e.g. a ratio whose denominator is 0), or when the primary metric
       cannot be tested in any arm (e.g. no conversions, or only conversions, in both arms).
    5. **Keep running** when the primary metric shows no significant change but the test
       was too small to detect ``min_lift``: the reasons give the size needed.

    Parameters
    ----------
    results : pandas.DataFrame
        Overall (unsegmented) output of :func:`growthkit.abtest.compare`.
    srm_result : mapping
        Output of :func:`growthkit.abtest.srm`.
    power_table : pandas.DataFrame
        Output of :func:`growthkit.abtest.power_table` for ``results``.
    primary : str, optional
        The decision metric; the first metric in ``results`` by default. The others are
        guardrails.
    alpha : float, default 0.05
        Significance level applied to the adjusted p-values.
    min_lift : float, default 0.05
        The smallest relative lift of the primary metric worth shipping for; a test that
        cannot detect it with the planned power has "too little power".
    level : str, optional
        How the reasons name the intervals; ``"95% CI"`` (from ``alpha``) by default.
    language : Language or str, default "en"
        The language of the reasons (``"en"`` or ``"ar"``); the verdict is the same in all.

    Returns
    -------
    Decision

    References
    ----------
    Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled Experiments. Cambridge
    University Press, ch. 3 (SRM and trust), ch. 7 (guardrail metrics).
    """
    if "segment" in results:
        raise GrowthkitError("decide: results are segmented; expected the overall analysis")
    metrics = list(dict.fromkeys(results["metric"]))
    primary = metrics[0] if primary is None else primary
    if primary not in metrics:
        raise GrowthkitError(f"primary={primary!r} is not a metric; metrics found: {metrics}")
    lang = report_language(language)
    level = interval_name(alpha, lang=lang) if level is None else level
    if srm_result["flag"]:
        return Decision("no decision", None, (narrative.srm_reason(dict(srm_result), lang),),
                        lang)
    significant = results["p_value_adjusted"] < alpha
    prim = results[results["metric"] == primary]
    winners, reasons, regressions, unknowns, underpowered, untested = [], [], [], [], [], []
    # The largest improvement first: one control, so abs_diff orders the arms as the lift does.
    for _, row in prim.sort_values("abs_diff", ascending=False, na_position="last").iterrows():
        arm = row["variant"]
        if not testable(row):
            reasons.append(narrative.untestable_primary_reason(arm, primary, row, lang))
            untested.append(arm)
        elif significant[row.name] and row["abs_diff"] > 0:
            guards = results[(results["variant"] == arm) & (results["metric"] != primary)]
            worse = guards[significant[guards.index] & (guards["abs_diff"] < 0)]
            unknown = guards[[not testable(g) for _, g in guards.iterrows()]]
            regressions += [
                narrative.regression_reason(arm, primary, row, g, level, lang)
                for _, g in worse.iterrows()
            ]
            unknowns += [
                narrative.unknown_guardrail_reason(arm, primary, row, g, level, lang)
                for _, g in unknown.iterrows()
            ]
            if worse.empty and unknown.empty:
                winners.append(arm)
                reasons.append(narrative.improves_reason(arm, primary, row, level, lang))
        elif significant[row.name]:
            reasons.append(narrative.worse_reason(arm, primary, row, level, lang))
        else:
            pw = power_table[
                (power_table["metric"] == primary) & (power_table["variant"] == arm)
            ].iloc[0]
            reason, weak = narrative.no_change_reason(row, pw, level, min_lift, lang)
            reasons.append(reason)
            if weak:
                underpowered.append(arm)
    blocked = regressions + unknowns
    if winners:
        guards = list(dict.fromkeys(
            results.loc[(results["variant"] == winners[0]) & (results["metric"] != primary),
                        "metric"]
        ))
        if guards:
            reasons.append(narrative.guardrails_fine_reason(winners[0], guards, lang))
        return Decision("ship", winners[0], tuple(reasons + blocked), lang)
    if regressions:
        return Decision("don't ship", None, tuple(blocked + reasons), lang)
    if unknowns or len(untested) == len(prim):
        return Decision("no decision", None, tuple(blocked + reasons), lang)
    if underpowered:
        return Decision("keep running", None, tuple(reasons), lang)
    return Decision("don't ship", None, tuple(reasons), lang)
