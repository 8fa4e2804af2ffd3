"""The Bayesian view: chance to beat control and the expected loss of each choice.

Binary metrics use conjugate beta posteriors and exact closed forms; every other metric uses
a normal posterior for the difference (a flat prior on the effect, so the posterior is centred
on the estimate with the frequentist standard error).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import betaln, logsumexp

from growthkit.errors import GrowthkitError

__all__ = ["bayesian_view", "beta_binomial", "normal_posterior", "prob_beta_greater"]


def prob_beta_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """Exact P(X₁ > X₂) for independent X₁ ~ Beta(a1, b1) and X₂ ~ Beta(a2, b2).

    Uses P(X₁ > X₂) = Σ_{i=0}^{a1−1} B(a2 + i, b1 + b2) / ((b1 + i) B(1 + i, b1) B(a2, b2)),
    which needs a whole-number ``a1``; when ``a2`` is also whole and smaller, the complement is
    summed instead, so the sum has at most min(a1, a2) terms.

    Parameters
    ----------
    a1, b1, a2, b2 : float
        Positive beta parameters; at least one of ``a1``, ``a2`` must be a whole number.

    Returns
    -------
    float

    References
    ----------
    Miller, E. (2015). Formulas for Bayesian A/B testing,
    https://www.evanmiller.org/bayesian-ab-testing.html. Cook, J. D. (2005). Exact calculation
    of beta inequalities. UT MD Anderson Cancer Center technical report.
    """
    if min(a1, b1, a2, b2) <= 0:
        raise GrowthkitError(f"beta parameters {(a1, b1, a2, b2)} must all be positive")
    whole1, whole2 = float(a1).is_integer(), float(a2).is_integer()
    if whole2 and (not whole1 or a2 < a1):
        return 1.0 - prob_beta_greater(a2, b2, a1, b1)
    if not whole1:
        raise GrowthkitError(
            f"prob_beta_greater needs a whole-number a1 or a2; found {a1!r} and {a2!r}"
        )
    i = np.arange(int(a1), dtype=float)
    terms = betaln(a2 + i, b1 + b2) - np.log(b1 + i) - betaln(1 + i, b1) - betaln(a2, b2)
    return float(min(max(math.exp(logsumexp(terms)), 0.0), 1.0))


def beta_binomial(
    conversions: int,
    n: int,
    control_conversions: int,
    control_n: int,
    prior: tuple[float, float] = (1.0, 1.0),
) -> dict[str, float]:
    """Chance that the treatment's rate beats the control's, and each choice's expected loss.

    With a Beta(a, b) prior each arm's rate has a Beta(a + conversions, b + n − conversions)
    posterior. The expected loss of shipping the treatment is E[max(p_C − p_T, 0)]: how much
    conversion rate is given up, on average, if the treatment is in fact worse.

    Parameters
    ----------
    conversions, n : int
        Treatment conversions and units.
    control_conversions, control_n : int
        Control conversions and units.
    prior : (float, float), default (1, 1)
        Beta prior shared by both arms; the default is uniform. Whole numbers keep the sums
        exact.

    Returns
    -------
    dict
        ``chance_to_beat_control`` = P(p_T > p_C), ``expected_loss`` (of shipping the
        treatment) and ``control_expected_loss`` (of keeping the control), both in units of the
        rate.

    References
    ----------
    Stucchio, C. (2015). Bayesian A/B testing at VWO. VWO technical report, eq. 3.
    Miller, E. (2015). Formulas for Bayesian A/B testing.
    """
    for name, c, m in (("treatment", conversions, n), ("control", control_conversions, control_n)):
        if not 0 <= c <= m:
            raise GrowthkitError(f"{name}: conversions={c!r} must lie between 0 and n={m!r}")
    a, b = prior
    at, bt = a + conversions, b + n - conversions
    ac, bc = a + control_conversions, b + control_n - control_conversions
    beat = prob_beta_greater(at, bt, ac, bc)
    # E[max(X - Y, 0)] = E[X] P(X' > Y) - E[Y] P(X > Y'), X' and Y' with one extra success.
    loss_t = ac / (ac + bc) * prob_beta_greater(ac + 1, bc, at, bt) - at / (at + bt) * (
        prob_beta_greater(ac, bc, at + 1, bt)
    )
    loss_c = at / (at + bt) * prob_beta_greater(at + 1, bt, ac, bc) - ac / (ac + bc) * (
        prob_beta_greater(at, bt, ac + 1, bc)
    )
    return {
        "chance_to_beat_control": beat,
        "expected_loss": max(loss_t, 0.0),
        "control_expected_loss": max(loss_c, 0.0),
    }


def normal_posterior(diff: object, se: object) -> dict[str, np.ndarray]:
    """Chance to beat control and expected losses from a normal posterior of the difference.

    With a flat prior the posterior of the effect δ is N(d̂, SE²); the expected loss of
    shipping is E[max(−δ, 0)] = SE·φ(d̂/SE) − d̂·Φ(−d̂/SE).

    Parameters
    ----------
    diff, se : array_like
        Estimated treatment − control difference and its standard error.

    Returns
    -------
    dict of numpy.ndarray
        ``chance_to_beat_control``, ``expected_loss`` and ``control_expected_loss``, in the
        metric's units.

    References
    ----------
    Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed., §2.5 (normal model with a flat
    prior). Stucchio, C. (2015). Bayesian A/B testing at VWO (expected loss).
    """
    d, s = (np.asarray(a, dtype=float) for a in (diff, se))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, d / s, np.sign(d) * np.inf)
    pdf = np.where(np.isfinite(z), stats.norm.pdf(z), 0.0)
    return {
        "chance_to_beat_control": stats.norm.cdf(z),
        "expected_loss": s * pdf - d * stats.norm.cdf(-z),
        "control_expected_loss": s * pdf + d * stats.norm.cdf(z),
    }


def bayesian_view(results: pd.DataFrame, prior: tuple[float, float] = (1.0, 1.0)) -> pd.DataFrame:
    """The Bayesian reading of every row of :func:`growthkit.abtest.compare`.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`growthkit.abtest.compare`.
    prior : (float, float), default (1, 1)
        Beta prior for binary metrics.

    Returns
    -------
    pandas.DataFrame
        ``metric``, ``variant`` (and ``segment``), ``method`` (``"beta-binomial"`` or
        ``"normal"``), ``chance_to_beat_control``, ``expected_loss`` and
        ``control_expected_loss`` (in the metric's units), and ``rel_expected_loss`` (the
        expected loss of shipping as a fraction of the control mean).

    References
    ----------
    Stucchio, C. (2015). Bayesian A/B testing at VWO. VWO technical report.
    """
    keys = [c for c in ("metric", "variant", "segment") if c in results]
    rows = []
    for _, r in results.iterrows():
        if not np.isfinite(r["abs_se"]):
            figures = dict.fromkeys(
                ["chance_to_beat_control", "expected_loss", "control_expected_loss"], np.nan
            )
            method = "none"
        elif r["method"].startswith("ztest"):
            figures = beta_binomial(
                round(r["mean"] * r["n"]), int(r["n"]),
                round(r["control_mean"] * r["control_n"]), int(r["control_n"]), prior,
            )
            method = "beta-binomial"
        else:
            figures = {k: float(v) for k, v in normal_posterior(r["abs_diff"], r["abs_se"]).items()}
            method = "normal"
        rows.append({**{k: r[k] for k in keys}, "method": method, **figures})
    out = pd.DataFrame(rows, columns=[*keys, "method", "chance_to_beat_control", "expected_loss",
                                      "control_expected_loss"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_expected_loss"] = out["expected_loss"] / results["control_mean"].to_numpy()
    return out
