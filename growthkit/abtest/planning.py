"""Sample size, minimum detectable effect and power, for the tests the report runs.

Binary metrics use the pooled two-proportion z-test the report itself runs: statsmodels'
``samplesize_proportions_2indep_onetail`` and ``power_proportions_2indep`` (Fleiss' formula
without continuity correction: the pooled variance under the null, the unpooled one under the
alternative). Continuous metrics, given their standard deviation, use the two-sample z-test of
``NormalIndPower``, which Welch's test matches at the sample sizes of online experiments.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from growthkit.errors import GrowthkitError

__all__ = ["MIN_UNITS", "mde", "power", "power_table", "sample_size"]

#: The fewest units per arm a test can run on (a variance needs two).
MIN_UNITS = 2


def _effect(baseline: float, mde: float, relative: bool) -> float:
    """The absolute difference that ``mde`` stands for."""
    if mde == 0 or not math.isfinite(mde):
        raise GrowthkitError(f"mde={mde!r}; expected a non-zero effect to detect")
    return baseline * mde if relative else mde


def _check(
    baseline: float, alpha: float, target: float | None, ratio: float, sd: float | None
) -> None:
    if not 0 < alpha < 1:
        raise GrowthkitError(f"alpha={alpha!r}; expected 0 < alpha < 1")
    if target is not None and not alpha < target < 1:
        raise GrowthkitError(f"power={target!r}; expected alpha < power < 1")
    if not ratio > 0:
        raise GrowthkitError(f"ratio={ratio!r}; expected a positive treatment/control size ratio")
    if sd is None and not 0 < baseline < 1:
        raise GrowthkitError(
            f"baseline={baseline!r} is not a conversion rate; expected 0 < baseline < 1 "
            "(pass sd= for a continuous metric)"
        )
    if sd is not None and not sd > 0:
        raise GrowthkitError(f"sd={sd!r}; expected a positive standard deviation")


def _treatment_rate(baseline: float, diff: float) -> float:
    rate = baseline + diff
    if not 0 < rate < 1:
        raise GrowthkitError(
            f"baseline {baseline!r} plus the effect {diff!r} gives a rate of {rate!r}; "
            "expected a rate between 0 and 1"
        )
    return rate


def sample_size(
    baseline: float,
    mde: float,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = False,
    ratio: float = 1.0,
    *,
    sd: float | None = None,
) -> int:
    """Units needed in the control arm to detect ``mde`` with a two-sided test.

    For a conversion rate the answer is for the pooled two-proportion z-test the report runs:
    20% → 25% (``mde=0.05``) needs **1,094** users per arm (statsmodels gives 1,093.74).

    Evan Miller's online calculator says 1,030 for the same question because it takes the
    variance under the null hypothesis from the baseline alone, 2p₀(1 − p₀) = 0.32, where the
    pooled z-test's null variance comes from the pooled rate p̄ = 22.5%: 2p̄(1 − p̄) = 0.349
    (both use p₀(1 − p₀) + p₁(1 − p₁) under the alternative). The pooled test is the one the
    report runs, and with 1,031 users per arm its power is only 77.6%, not 80%. For 10% → 11%
    the two give 14,751 and 14,313.

    Parameters
    ----------
    baseline : float
        Control conversion rate (0 < baseline < 1), or the control mean when ``sd`` is given.
    mde : float
        Minimum detectable effect: absolute (0.05 = five points) or, with ``relative=True``, a
        fraction of the baseline (0.25 = +25%). Negative values detect a decrease.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Probability of detecting the effect when it is real.
    relative : bool, default False
        Read ``mde`` as a relative lift.
    ratio : float, default 1.0
        Treatment size / control size. The treatment arm needs ``ceil(ratio × n)`` units.
    sd : float, optional
        Per-unit standard deviation of a continuous metric; then ``baseline`` is its mean.

    Returns
    -------
    int
        Units in the control arm, rounded up.

    Raises
    ------
    GrowthkitError
        When no size of at least :data:`MIN_UNITS` solves it (an effect so large relative to
        ``sd`` that the normal approximation would need fewer units than a test can run on).

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
    Proportions, 3rd ed., eq. 4.14 (without continuity correction). Miller, E. (2013). Sample
    size calculator, https://www.evanmiller.org/ab-testing/sample-size.html.
    """
    _check(baseline, alpha, power, ratio, sd)
    diff = _effect(baseline, mde, relative)
    if sd is not None:
        # A failed root search (its probes below 2 units included) is handled below.
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            n = NormalIndPower().solve_power(
                effect_size=abs(diff) / sd, alpha=alpha, power=power, ratio=ratio
            )
        if not math.isfinite(float(n)):  # statsmodels' root search found no size
            at_least = NormalIndPower().power(abs(diff) / sd, MIN_UNITS, alpha, ratio=ratio)
            why = (f"reaches power={power!r} with fewer than {MIN_UNITS} units per arm, the fewest "
                   "a test can run on" if at_least >= power else "has no size that gives "
                   f"power={power!r}")
            raise GrowthkitError(
                f"sample_size: an effect of {diff:.4g} with sd={sd:.4g} {why}; expected an "
                "effect that can be sized"
            )
    else:
        # The control is statsmodels' first sample, so that nobs2 = ratio × nobs1.
        n = samplesize_proportions_2indep_onetail(
            -diff, _treatment_rate(baseline, diff), power, ratio=ratio, alpha=alpha
        )
    return math.ceil(float(n) - 1e-9)


def power(
    baseline: float,
    mde: float,
    n: float,
    alpha: float = 0.05,
    relative: bool = False,
    ratio: float = 1.0,
    *,
    sd: float | None = None,
) -> float:
    """Power of the two-sided test with ``n`` control units (and ``ratio × n`` treated).

    Parameters
    ----------
    baseline, mde, alpha, relative, ratio, sd
        As in :func:`sample_size`.
    n : float
        Units in the control arm.

    Returns
    -------
    float
        The probability that the test rejects when the true effect is ``mde``.

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
    Proportions, 3rd ed., ch. 4.
    """
    _check(baseline, alpha, None, ratio, sd)
    if not n > 0:
        raise GrowthkitError(f"n={n!r}; expected a positive number of units")
    diff = _effect(baseline, mde, relative)
    if sd is not None:
        return float(NormalIndPower().power(abs(diff) / sd, n, alpha, ratio=ratio))
    res = power_proportions_2indep(
        -diff, _treatment_rate(baseline, diff), n, ratio=ratio, alpha=alpha
    )
    return float(res.power)


def mde(
    baseline: float,
    n: float,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = False,
    ratio: float = 1.0,
    *,
    sd: float | None = None,
) -> float:
    """Smallest upward effect detectable with the given power and ``n`` control units.

    Parameters
    ----------
    baseline, alpha, power, relative, ratio, sd
        As in :func:`sample_size`.
    n : float
        Units in the control arm.

    Returns
    -------
    float
        The absolute effect, or the relative one with ``relative=True``; ``inf`` when no
        conversion rate up to 100% is detectable.

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
    Proportions, 3rd ed., ch. 4.
    """
    _check(baseline, alpha, power, ratio, sd)
    if not n > 0:
        raise GrowthkitError(f"n={n!r}; expected a positive number of units")
    target = power
    if sd is not None:
        effect = NormalIndPower().solve_power(
            nobs1=n, alpha=alpha, power=target, ratio=ratio, alternative="two-sided"
        )
        diff = float(effect) * sd
    else:
        top = (1 - baseline) * (1 - 1e-9)

        def gap(d: float) -> float:
            res = power_proportions_2indep(-d, baseline + d, n, ratio=ratio, alpha=alpha)
            return float(res.power) - target

        if gap(top) < 0:
            return math.inf
        diff = optimize.brentq(gap, 1e-12, top, xtol=1e-12)
    return diff / baseline if relative else diff


def _row_power(row: pd.Series, alpha: float, target: float, min_lift: float) -> dict[str, float]:
    """Power figures for one results row; NaN where the row has no estimate."""
    nan = dict.fromkeys(
        ["power_at_observed", "mde_abs", "mde_rel", "n_for_observed", "n_for_min_lift"], np.nan
    )
    base, diff, n_c = row["control_mean"], row["abs_diff"], row["control_n"]
    if not (np.isfinite(base) and np.isfinite(diff) and n_c >= 2 and base != 0):
        return nan
    ratio = row["n"] / n_c
    sd = None if row["method"].startswith("ztest") else row["control_std"]
    if (sd is None and not 0 < base < 1) or (sd is not None and not sd > 0):
        return nan
    kw = {"alpha": alpha, "ratio": ratio, "sd": sd}
    out = {"mde_abs": mde(base, n_c, power=target, **kw)}
    try:
        out["power_at_observed"] = power(base, diff, n_c, **kw) if diff != 0 else alpha
    except GrowthkitError:  # the arm's rate is 0% or 100%: no alternative to power against
        out["power_at_observed"] = np.nan
    out["mde_rel"] = out["mde_abs"] / abs(base)  # relative to |baseline|, as the lift is
    for key, effect in (("n_for_observed", diff), ("n_for_min_lift", abs(base) * min_lift)):
        try:
            out[key] = sample_size(base, effect, power=target, **kw) if effect != 0 else np.inf
        except GrowthkitError:  # the effect would push a rate past 100%
            out[key] = np.nan
    return out


def power_table(
    results: pd.DataFrame, alpha: float = 0.05, power: float = 0.8, min_lift: float = 0.05
) -> pd.DataFrame:
    """What the experiment could detect, row by row of :func:`growthkit.abtest.compare`.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`growthkit.abtest.compare`.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power.
    min_lift : float, default 0.05
        The smallest relative lift worth detecting (+5%), for ``n_for_min_lift``.

    Returns
    -------
    pandas.DataFrame
        ``metric``, ``variant`` (and ``segment``), ``control_n``, ``rel_lift``, ``mde_abs`` and
        ``mde_rel`` (the effect detectable with ``power`` at the current size; relative to the
        control mean's absolute value, as the lift is),
        ``n_for_min_lift`` (control units needed for ``min_lift``), ``n_for_observed`` (control
        units needed to detect the observed effect), ``power_at_observed`` and ``target_power``.
        Observed power is reported for completeness only: it is a function of the p-value and
        says nothing new (Hoenig & Heisey 2001). Continuous metrics use the control arm's
        standard deviation.

    References
    ----------
    Hoenig, J. M. & Heisey, D. M. (2001). The abuse of power: the pervasive fallacy of power
    calculations for data analysis. The American Statistician 55(1), 19–24.
    """
    keys = [c for c in ("metric", "variant", "segment", "control_n", "rel_lift") if c in results]
    figures = [_row_power(row, alpha, power, min_lift) for _, row in results.iterrows()]
    out = pd.concat(
        [results[keys].reset_index(drop=True), pd.DataFrame(figures, index=range(len(figures)))],
        axis=1,
    )
    out["target_power"] = power
    return out
