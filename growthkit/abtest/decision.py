"""Turn the analysis into a decision a marketer can act on, with the reasons behind it.

The rules are here; the reasons are codes with arguments (:mod:`growthkit.abtest.reasons`),
written in the report's language by :mod:`growthkit.abtest.narrative`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from growthkit.abtest.reasons import HEADLINES, effect_args, reason, testable, untestable_code
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language, as_language
from growthkit.notes import Note
from growthkit.numeric import finite

__all__ = ["VERDICTS", "Decision", "decide"]

#: The possible verdicts. "no decision" is given when the data cannot support one: a broken
#: split (SRM), or a primary metric or guardrail for which no test is possible.
VERDICTS = ("ship", "don't ship", "keep running", "no decision")


@dataclass(frozen=True)
class Decision:
    """A verdict, the arm it concerns and the reasons, as codes.

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`.
    arm : str or None
        The arm to ship (for ``"ship"``), else None.
    reasons : tuple of Note
        One note per finding that led to the verdict, most important first: a code (``improves``,
        ``guardrail_regresses``, ``no_change``...) with its raw arguments.
        :func:`growthkit.abtest.narrative.reason_text` writes one in a report language.
    lang : Language, optional
        The language of :attr:`headline`; English when None.
    """

    verdict: str
    arm: str | None
    reasons: tuple[Note, ...]
    lang: Language | None = field(default=None, repr=False, compare=False)

    @property
    def headline_note(self) -> Note:
        """What to do, as a note (code ``verdict``)."""
        args = {"arm": self.arm} if self.verdict == "ship" else {}
        return Note("verdict", HEADLINES[self.verdict], **args)

    @property
    def headline(self) -> str:
        """One plain sentence: what to do, in :attr:`lang`."""
        return self.headline_note.text(as_language(self.lang, domain="abtest"))

    @property
    def codes(self) -> tuple[str, ...]:
        """The reasons' codes, in order."""
        return tuple(r.code for r in self.reasons)


def decide(
    results: pd.DataFrame,
    srm_result: Mapping[str, object],
    power_table: pd.DataFrame,
    primary: str | None = None,
    alpha: float = 0.05,
    min_lift: float = 0.05,
    level: str | None = None,
    language: Language | str = "en",
    sequential: bool = False,
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
        How the reasons name the intervals, as given (``"95% CI"``); by default the narrative
        names them from ``alpha`` and ``sequential`` in the report's language.
    language : Language or str, default "en"
        The language of :attr:`Decision.headline`; the verdict and the reasons' codes are the
        same in all.
    sequential : bool, default False
        Whether the intervals are always-valid confidence sequences (how they are named).

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
    lang = as_language(language, domain="abtest")
    if srm_result["flag"]:
        srm_note = reason("srm_mismatch", chi2=float(srm_result["chi2"]),  # type: ignore[arg-type]
                          p_value=float(srm_result["p_value"]))  # type: ignore[arg-type]
        return Decision("no decision", None, (srm_note,), lang)
    interval = {"alpha": float(alpha), "sequential": bool(sequential)}
    if level is not None:
        interval["level"] = str(level)
    found = _findings(results, power_table, primary, alpha, min_lift, interval)
    reasons, blocked = found["reasons"], found["regressions"] + found["unknowns"]
    winners = found["winners"]
    if winners:
        guards = list(dict.fromkeys(
            results.loc[(results["variant"] == winners[0]) & (results["metric"] != primary),
                        "metric"]
        ))
        if guards:
            reasons.append(reason("guardrails_fine", arm=winners[0], guardrails=guards))
        return Decision("ship", winners[0], tuple(reasons + blocked), lang)
    if found["regressions"]:
        return Decision("don't ship", None, tuple(blocked + reasons), lang)
    prim = results[results["metric"] == primary]
    if found["unknowns"] or len(found["untested"]) == len(prim):
        return Decision("no decision", None, tuple(blocked + reasons), lang)
    if found["underpowered"]:
        return Decision("keep running", None, tuple(reasons), lang)
    return Decision("don't ship", None, tuple(reasons), lang)


def _effect(row: pd.Series, interval: dict[str, object]) -> dict[str, object]:
    return {**effect_args(row), **interval}


def _findings(
    results: pd.DataFrame, power_table: pd.DataFrame, primary: str, alpha: float,
    min_lift: float, interval: dict[str, object],
) -> dict[str, list]:
    """Each arm of the primary metric, the largest improvement first, sorted into findings."""
    significant = results["p_value_adjusted"] < alpha
    prim = results[results["metric"] == primary]
    found: dict[str, list] = {k: [] for k in (
        "winners", "reasons", "regressions", "unknowns", "underpowered", "untested")}
    # One control, so abs_diff orders the arms as the lift does.
    for _, row in prim.sort_values("abs_diff", ascending=False, na_position="last").iterrows():
        arm, effect = row["variant"], _effect(row, interval)
        if not testable(row):
            code = untestable_code(row)
            found["reasons"].append(reason("primary_untestable", metric=primary,
                                           arm=arm, reason_code=code))
            found["untested"].append(arm)
        elif significant[row.name] and row["abs_diff"] > 0:
            guards = results[(results["variant"] == arm) & (results["metric"] != primary)]
            worse = guards[significant[guards.index] & (guards["abs_diff"] < 0)]
            unknown = guards[[not testable(g) for _, g in guards.iterrows()]]
            found["regressions"] += [
                reason("guardrail_regresses", arm=arm, metric=primary, effect=effect,
                       guardrail=g["metric"], guardrail_effect=_effect(g, interval))
                for _, g in worse.iterrows()
            ]
            found["unknowns"] += [
                reason("guardrail_unknown", arm=arm, metric=primary, effect=effect,
                       guardrail=g["metric"], reason_code=untestable_code(g))
                for _, g in unknown.iterrows()
            ]
            if worse.empty and unknown.empty:
                found["winners"].append(arm)
                found["reasons"].append(reason("improves", arm=arm, metric=primary,
                                               effect=effect))
        elif significant[row.name]:
            found["reasons"].append(reason("primary_worse", arm=arm, metric=primary,
                                           effect=effect))
        else:
            pw = power_table[
                (power_table["metric"] == primary) & (power_table["variant"] == arm)
            ].iloc[0]
            note = _no_change(row, pw, effect, min_lift)
            found["reasons"].append(note)
            if note.code != "no_change":
                found["underpowered"].append(arm)
    return found


def _no_change(row: pd.Series, pw: pd.Series, effect: dict, min_lift: float) -> Note:
    """A non-significant primary metric: whether the test could have found ``min_lift``."""
    mde_rel, need = pw["mde_rel"], pw["n_for_min_lift"]
    if finite(mde_rel) and mde_rel <= min_lift:
        code = "no_change"
    elif finite(mde_rel):
        code = "too_little_power"
    else:
        code = "too_little_power_unsized"
    return reason(
        code, arm=row["variant"], metric=row["metric"], effect=effect,
        min_lift=float(min_lift), control_n=int(row["control_n"]),
        target_power=float(pw["target_power"]),
        mde_rel=float(mde_rel) if finite(mde_rel) else None,
        n_for_min_lift=float(need) if finite(need) else None,
    )
