"""Always-valid inference for teams that look at their experiment every day.

A fixed-horizon 95% interval is only valid when looked at once, at the planned sample size;
checking it daily and stopping at the first significant result inflates the false-positive
rate several-fold. A confidence sequence holds at every sample size simultaneously, so it may
be monitored continuously. growthkit uses the asymptotic confidence sequences of
Waudby-Smith et al. in the form GrowthBook's gbstats implements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthkit.abtest.frequentist import adjust_pvalues
from growthkit.errors import GrowthkitError

__all__ = ["DEFAULT_TAU", "confidence_sequence", "sequential_p_value", "sequential_results"]

#: Default tuning parameter τ: the total sample size at which the sequence is tightest
#: (gbstats' default ``sequential_tuning_parameter``).
DEFAULT_TAU = 5000.0


def _half_width(se: np.ndarray, n: np.ndarray, alpha: np.ndarray, tau: float) -> np.ndarray:
    rho2 = (-2 * np.log(alpha) + np.log(1 - 2 * np.log(alpha))) / tau
    with np.errstate(divide="ignore", invalid="ignore"):
        return se * np.sqrt(n) * np.sqrt(
            2 * (n * rho2 + 1) * np.log(np.sqrt(n * rho2 + 1) / alpha) / (n**2 * rho2)
        )


def confidence_sequence(
    estimate: object, se: object, n: object, alpha: float = 0.05, tau: float = DEFAULT_TAU
) -> tuple[np.ndarray, np.ndarray]:
    """Asymptotic confidence sequence around an estimate, valid under continuous monitoring.

    The half-width is SE·√n·√(2(nρ² + 1)·ln(√(nρ² + 1)/α)/(nρ)²) with
    ρ = √((−2 ln α + ln(1 − 2 ln α))/τ).

    Parameters
    ----------
    estimate, se : array_like
        Point estimate (absolute or relative difference) and its fixed-horizon standard error.
    n : array_like
        Units in both arms together.
    alpha : float, default 0.05
        Probability that the sequence ever misses the truth.
    tau : float, default 5000
        Tuning parameter: the sample size at which the sequence is narrowest relative to a
        fixed-horizon interval. Set it near the expected final sample size.

    Returns
    -------
    low, high : numpy.ndarray

    References
    ----------
    Waudby-Smith, I., Arbour, D., Sinha, R., Kennedy, E. H. & Ramdas, A. (2023). Time-uniform
    central limit theory and asymptotic confidence sequences. arXiv:2103.06476. Howard, S. R.,
    Ramdas, A., McAuliffe, J. & Sekhon, J. (2021). Time-uniform, nonparametric,
    nonasymptotic confidence sequences. Annals of Statistics 49(2), eq. (14).
    """
    _check(alpha, tau)
    estimate, se, n = (np.asarray(a, dtype=float) for a in (estimate, se, n))
    half = _half_width(se, n, np.asarray(alpha, dtype=float), tau)
    return estimate - half, estimate + half


def sequential_p_value(
    estimate: object, se: object, n: object, tau: float = DEFAULT_TAU
) -> np.ndarray:
    """Always-valid p-value: the smallest α whose confidence sequence excludes zero.

    Found by bisection on log α (the half-width falls as α grows). It is 1 when even α → 1
    leaves zero inside, and NaN where the standard error is undefined.

    Parameters
    ----------
    estimate, se, n, tau
        As in :func:`confidence_sequence`.

    Returns
    -------
    numpy.ndarray

    References
    ----------
    Johari, R., Koomen, P., Pekelis, L. & Walsh, D. (2022). Always valid inference: continuous
    monitoring of A/B tests. Operations Research 70(3), 1806–1821.
    """
    _check(0.05, tau)
    estimate, se, n = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (estimate, se, n)))
    target = np.abs(estimate)
    lo = np.full(estimate.shape, np.log(1e-300))
    hi = np.full(estimate.shape, np.log1p(-1e-12))
    for _ in range(80):
        mid = (lo + hi) / 2
        excluded = _half_width(se, n, np.exp(mid), tau) < target
        hi, lo = np.where(excluded, mid, hi), np.where(excluded, lo, mid)
    p = np.exp(hi)
    p = np.where(_half_width(se, n, np.exp(hi), tau) < target, p, 1.0)
    return np.where(np.isfinite(se) & (n > 0), p, np.nan)


def _check(alpha: float, tau: float) -> None:
    if not 0 < alpha < 1:
        raise GrowthkitError(f"alpha={alpha!r}; expected 0 < alpha < 1")
    if not tau > 0:
        raise GrowthkitError(f"tau={tau!r}; expected a positive tuning sample size")


def sequential_results(
    results: pd.DataFrame,
    alpha: float = 0.05,
    correction: str = "holm",
    tau: float = DEFAULT_TAU,
) -> pd.DataFrame:
    """Replace the fixed-horizon intervals and p-values of a comparison by always-valid ones.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`growthkit.abtest.compare`.
    alpha : float, default 0.05
        Level of the confidence sequences.
    correction : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Multiple-testing adjustment of the sequential p-values.
    tau : float, default 5000
        Tuning parameter of :func:`confidence_sequence`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``abs_ci_*``, ``rel_ci_*``, ``p_value`` and ``p_value_adjusted`` replaced and
        ``"-sequential"`` appended to ``method``.

    References
    ----------
    Waudby-Smith, I. et al. (2023). Time-uniform central limit theory and asymptotic
    confidence sequences. arXiv:2103.06476.
    """
    out = results.copy()
    n = out["n"] + out["control_n"].astype(float)
    for kind in ("abs", "rel"):
        est = out["abs_diff"] if kind == "abs" else out["rel_lift"]
        out[f"{kind}_ci_low"], out[f"{kind}_ci_high"] = confidence_sequence(
            est, out[f"{kind}_se"], n, alpha, tau
        )
    out["p_value"] = sequential_p_value(out["abs_diff"], out["abs_se"], n, tau)
    out["p_value_adjusted"] = adjust_pvalues(out["p_value"], correction)
    out["method"] = out["method"] + "-sequential"
    return out
