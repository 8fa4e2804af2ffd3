"""Turn the analysis into a decision a marketer can act on, with the reasons behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.errors import GrowthkitError

__all__ = ["VERDICTS", "Decision", "decide"]

#: The possible verdicts. "no decision" is given when the experiment itself is broken (SRM).
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
        One sentence per finding that led to the verdict, most important first.
    """

    verdict: str
    arm: str | None
    reasons: tuple[str, ...]

    @property
    def headline(self) -> str:
        """One sentence: what to do."""
        return {
            "ship": f"Ship {self.arm}.",
            "don't ship": "Don't ship: keep the control.",
            "keep running": "Keep running: there is not enough data to decide yet.",
            "no decision": "No decision: the experiment's data are not trustworthy.",
        }[self.verdict]

    def to_markdown(self) -> str:
        """The headline in bold followed by the reasons as a bullet list."""
        return "\n".join([f"**{self.headline}**", "", *(f"- {r}" for r in self.reasons)])


def _pct(x: float) -> str:
    return f"{x:+.1%}" if np.isfinite(x) else "n/a"


def _effect(row: pd.Series, level: float) -> str:
    """``+25.9% (95% CI +15.0% to +36.8%, adjusted p = 0.0001)``, relative when possible."""
    if np.isfinite(row["rel_lift"]):
        est, low, high = row["rel_lift"], row["rel_ci_low"], row["rel_ci_high"]
        text = f"{_pct(est)} ({level:.0%} CI {_pct(low)} to {_pct(high)}"
    else:
        text = (
            f"{row['abs_diff']:+.4g} ({level:.0%} CI {row['abs_ci_low']:+.4g} to "
            f"{row['abs_ci_high']:+.4g}"
        )
    return f"{text}, adjusted p = {row['p_value_adjusted']:.2g})"


def _no_change(row: pd.Series, pw: pd.Series, level: float, min_lift: float) -> tuple[str, bool]:
    """The reason for a non-significant primary metric, and whether the test was too small."""
    effect = _effect(row, level)
    text = f"{row['variant']} shows no significant change in {row['metric']}: {effect}."
    if np.isfinite(pw["mde_rel"]) and pw["mde_rel"] <= min_lift:
        return (f"{text} The test could detect a {min_lift:.0%} lift, so a lift worth shipping "
                "for is unlikely."), False
    need = pw["n_for_min_lift"]
    size = f"about {need:,.0f} users per arm" if np.isfinite(need) else "far more data"
    detectable = (
        f"the smallest lift detectable with {pw['target_power']:.0%} power is "
        f"{pw['mde_rel']:.1%}" if np.isfinite(pw["mde_rel"]) else "no lift can be sized yet"
    )
    return (f"{text} Too little power: with {int(row['control_n']):,} users in the control "
            f"{detectable}; detecting {min_lift:.0%} needs {size}."), True


def decide(
    results: pd.DataFrame,
    srm_result: Mapping[str, object],
    power_table: pd.DataFrame,
    primary: str | None = None,
    alpha: float = 0.05,
    min_lift: float = 0.05,
) -> Decision:
    """Decide whether to ship, and say why.

    The rules, in order:

    1. **No decision** when the SRM check failed: a broken split biases every estimate.
    2. **Ship** the arm with the largest significant improvement of the primary metric
       (adjusted p < ``alpha``), provided no guardrail (every other metric, where higher is
       better) is significantly worse in that arm.
    3. **Don't ship** when a guardrail regresses in every winning arm, when the primary metric
       is significantly worse, or when the test could detect ``min_lift`` with the power
       planned and found nothing.
    4. **Keep running** when the primary metric shows no significant change but the test
       was too small to detect ``min_lift``: the reasons give the size needed.

    Parameters
    ----------
    results : pandas.DataFrame
        Overall (unsegmented) output of :func:`growthkit.abtest.analyze`.
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
    level = 1 - alpha
    if srm_result["flag"]:
        return Decision("no decision", None, (
            f"Sample ratio mismatch (χ² = {srm_result['chi2']:.1f}, p = "
            f"{srm_result['p_value']:.2g}): the arms are not the sizes the split should give, "
            "so assignment or logging is broken and the effects cannot be trusted. "
            "Find and fix the cause, then rerun the experiment.",
        ))
    significant = results["p_value_adjusted"] < alpha
    prim = results[results["metric"] == primary]
    winners, reasons, blocked, underpowered = [], [], [], []
    for _, row in prim.sort_values("rel_lift", ascending=False).iterrows():
        arm = row["variant"]
        if significant[row.name] and row["abs_diff"] > 0:
            worse = results[
                (results["variant"] == arm) & (results["metric"] != primary)
                & significant & (results["abs_diff"] < 0)
            ]
            if len(worse):
                blocked += [
                    f"{arm} improves {primary} by {_effect(row, level)}, but guardrail "
                    f"{g['metric']} regresses by {_effect(g, level)}."
                    for _, g in worse.iterrows()
                ]
            else:
                winners.append(arm)
                reasons.append(f"{arm} improves {primary} by {_effect(row, level)}.")
        elif significant[row.name]:
            reasons.append(f"{arm} makes {primary} worse: {_effect(row, level)}.")
        else:
            pw = power_table[
                (power_table["metric"] == primary) & (power_table["variant"] == arm)
            ].iloc[0]
            reason, weak = _no_change(row, pw, level, min_lift)
            reasons.append(reason)
            if weak:
                underpowered.append(arm)
    if winners:
        others = [r for r in results[results["variant"] == winners[0]].itertuples()
                  if r.metric != primary]
        if others:
            reasons.append("No guardrail (" + ", ".join(r.metric for r in others)
                           + f") is significantly worse in {winners[0]}.")
        return Decision("ship", winners[0], tuple(reasons + blocked))
    if underpowered and not blocked:
        return Decision("keep running", None, tuple(reasons))
    return Decision("don't ship", None, tuple(blocked + reasons))
