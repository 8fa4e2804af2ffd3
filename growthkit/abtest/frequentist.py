"""Fixed-horizon tests computed from per-arm sufficient statistics.

Every function here takes numpy arrays (or scalars) of counts, sums and sums of squares and is
vectorised, so the same code serves one comparison in a report, a dashboard's aggregate numbers
and thousands of simulated experiments in the tests. The treatment arm comes first in every
signature and differences are always treatment minus control.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from growthkit.validation import check_option

__all__ = [
    "CORRECTIONS",
    "adjust_pvalues",
    "cuped_moments",
    "cuped_theta",
    "moments",
    "ratio_moments",
    "relative_lift",
    "two_proportion_test",
    "welch_test",
    "z_test",
]

#: Multiple-testing corrections accepted by :func:`adjust_pvalues`, mapped to statsmodels names.
CORRECTIONS = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni", "none": None}


def _arrays(*values: object) -> list[np.ndarray]:
    """Broadcast the inputs to float arrays of one shape."""
    return list(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values)))


def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def moments(n: object, total: object, total_sq: object) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample variance (ddof=1) from a count, a sum and a sum of squares.

    Parameters
    ----------
    n, total, total_sq : array_like
        Number of units, Σy and Σy².

    Returns
    -------
    mean, var : numpy.ndarray
        ``var`` is NaN where n < 2 and is clipped at 0 against rounding.
    """
    n, total, total_sq = _arrays(n, total, total_sq)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = np.maximum(total_sq - total * mean, 0.0) / (n - 1)
    return mean, np.where(n >= 2, var, np.nan)


def two_proportion_test(
    count: object, n: object, control_count: object, control_n: object, alpha: float = 0.05
) -> dict[str, np.ndarray]:
    """Pooled two-proportion z-test with the unpooled Wald interval of the difference.

    The p-value is the pooled z-test (identical to Pearson's chi-square without continuity
    correction), computed by statsmodels' ``test_proportions_2indep`` score test without
    correction, whose restricted estimate at a zero difference is the pooled proportion. When
    both arms have no conversions (or only conversions) no test is possible: the statistic,
    p-value, standard error and interval are NaN (the difference, 0, is still reported).

    Parameters
    ----------
    count, n : array_like
        Conversions and units in the treatment arm.
    control_count, control_n : array_like
        Conversions and units in the control arm.
    alpha : float
        Two-sided significance level of the interval.

    Returns
    -------
    dict of numpy.ndarray
        ``mean``, ``control_mean``, ``var``, ``control_var`` (p(1 − p), the per-unit variance),
        ``abs_diff``, ``abs_se`` (unpooled), ``abs_ci_low``, ``abs_ci_high``, ``statistic`` and
        ``p_value``.

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
    Proportions, 3rd ed., ch. 3. Wiley.
    """
    count, n, control_count, control_n = _arrays(count, n, control_count, control_n)
    mean, control_mean = count / n, control_count / control_n
    var, control_var = mean * (1 - mean), control_mean * (1 - control_mean)
    pooled = (count + control_count) / (n + control_n)
    statistic, p_value = np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    ok = (pooled > 0) & (pooled < 1)
    # statsmodels also computes the ratio and odds ratio, which divide by zero at p = 0 or 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        if ok.any():
            res = test_proportions_2indep(
                count[ok], n[ok], control_count[ok], control_n[ok], method="score",
                correction=False,
            )
            statistic[ok], p_value[ok] = res.statistic, res.pvalue
        low, high = confint_proportions_2indep(
            count, n, control_count, control_n, method="wald", compare="diff", alpha=alpha
        )
    untestable = np.where(ok, 0.0, np.nan)  # NaN where no test is possible, else 0
    return {
        "mean": mean,
        "control_mean": control_mean,
        "var": var,
        "control_var": control_var,
        "abs_diff": mean - control_mean,
        "abs_se": np.sqrt(var / n + control_var / control_n) + untestable,
        "abs_ci_low": np.asarray(low, dtype=float) + untestable,
        "abs_ci_high": np.asarray(high, dtype=float) + untestable,
        "statistic": statistic,
        "p_value": p_value,
    }


def welch_test(
    mean: object,
    var: object,
    n: object,
    control_mean: object,
    control_var: object,
    control_n: object,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """Welch's unequal-variance t-test and t interval from per-arm moments.

    The statistic and p-value come from ``scipy.stats.ttest_ind_from_stats`` with
    ``equal_var=False``; the interval uses the Welch–Satterthwaite degrees of freedom. When both
    variances are zero the difference is known exactly: the p-value is 1 for a zero difference
    and 0 otherwise, and the interval collapses to the difference.

    Parameters
    ----------
    mean, var, n : array_like
        Treatment mean, sample variance (ddof=1) and units.
    control_mean, control_var, control_n : array_like
        The same for the control arm.
    alpha : float
        Two-sided significance level of the interval.

    Returns
    -------
    dict of numpy.ndarray
        ``abs_diff``, ``abs_se``, ``df``, ``statistic``, ``p_value``, ``abs_ci_low`` and
        ``abs_ci_high``.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34(1/2), 28–35.
    """
    mean, var, n, control_mean, control_var, control_n = _arrays(
        mean, var, n, control_mean, control_var, control_n
    )
    diff = mean - control_mean
    a, b = var / n, control_var / control_n
    se = np.sqrt(a + b)
    ok = se > 0
    df = np.full_like(diff, np.inf)
    with np.errstate(invalid="ignore"):  # sign(0) · inf is NaN before np.where picks 0
        statistic = np.where(diff == 0, 0.0, np.sign(diff) * np.inf)
    p_value = np.where(diff == 0, 1.0, 0.0)
    if ok.any():
        # Welch–Satterthwaite degrees of freedom.
        ak, bk = a[ok], b[ok]
        df[ok] = (ak + bk) ** 2 / (ak**2 / (n[ok] - 1) + bk**2 / (control_n[ok] - 1))
        res = stats.ttest_ind_from_stats(
            mean[ok], np.sqrt(var[ok]), n[ok],
            control_mean[ok], np.sqrt(control_var[ok]), control_n[ok],
            equal_var=False,
        )
        statistic[ok], p_value[ok] = res.statistic, res.pvalue
    half = np.where(ok, stats.t.isf(alpha / 2, np.where(ok, df, 1.0)) * se, 0.0)
    nan = np.isnan(se)
    for arr in (df, statistic, p_value, half):
        arr[nan] = np.nan
    return {
        "abs_diff": diff,
        "abs_se": se,
        "df": df,
        "statistic": statistic,
        "p_value": p_value,
        "abs_ci_low": diff - half,
        "abs_ci_high": diff + half,
    }


def z_test(diff: object, se: object, alpha: float = 0.05) -> dict[str, np.ndarray]:
    """Two-sided normal test and interval for an estimate with a known standard error.

    Used for ratio metrics, whose standard error comes from the delta method.

    Parameters
    ----------
    diff, se : array_like
        Estimated difference and its standard error.
    alpha : float
        Two-sided significance level of the interval.

    Returns
    -------
    dict of numpy.ndarray
        ``abs_diff``, ``abs_se``, ``statistic``, ``p_value``, ``abs_ci_low``, ``abs_ci_high``.

    References
    ----------
    Deng, A., Knoblich, U. & Lu, J. (2018). Applying the delta method in metric analytics: a
    practical guide with novel ideas. KDD '18, 233–242.
    """
    diff, se = _arrays(diff, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    statistic[np.isnan(se)] = np.nan
    half = _z(alpha) * se
    return {
        "abs_diff": diff,
        "abs_se": se,
        "statistic": statistic,
        "p_value": 2 * stats.norm.sf(np.abs(statistic)),
        "abs_ci_low": diff - half,
        "abs_ci_high": diff + half,
    }


def relative_lift(
    mean: object,
    var: object,
    n: object,
    control_mean: object,
    control_var: object,
    control_n: object,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """Relative lift (μ_T − μ_C)/|μ_C| with a delta-method normal interval.

    For a positive control mean this is the usual μ_T/μ_C − 1. Dividing by |μ_C| keeps the
    sign of the difference when the control mean is negative (a loss, a negative profit):
    control −10 and treatment −5 is a lift of +50%, an improvement, as the difference +5 says.
    The delta method on the same definition gives
    Var ≈ σ²_T/(n_T μ_C²) + μ_T² σ²_C/(n_C μ_C⁴) for either sign of μ_C. ``var`` is the
    per-unit variance, so that Var(μ̂) = var/n; this holds for plain means, CUPED-adjusted
    means and the linearised variance of a ratio metric alike. With a control mean of 0 there
    is no relative lift: every output is NaN (report the absolute difference instead).

    Parameters
    ----------
    mean, var, n : array_like
        Treatment mean, per-unit variance and units.
    control_mean, control_var, control_n : array_like
        The same for the control arm.
    alpha : float
        Two-sided significance level of the interval.

    Returns
    -------
    dict of numpy.ndarray
        ``rel_lift``, ``rel_se``, ``rel_ci_low`` and ``rel_ci_high``.

    References
    ----------
    Deng, A., Knoblich, U. & Lu, J. (2018). Applying the delta method in metric analytics: a
    practical guide with novel ideas. KDD '18, 233–242. The same formula is in GrowthBook's
    gbstats (``frequentist_variance``).
    """
    mean, var, n, control_mean, control_var, control_n = _arrays(
        mean, var, n, control_mean, control_var, control_n
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(control_mean == 0, np.nan, control_mean)
        lift = (mean - c) / np.abs(c)
        se = np.sqrt(var / (n * c**2) + mean**2 * control_var / (control_n * c**4))
    half = _z(alpha) * se
    return {"rel_lift": lift, "rel_se": se, "rel_ci_low": lift - half, "rel_ci_high": lift + half}


def cuped_theta(
    n: object, total_y: object, total_x: object, total_x_sq: object, total_xy: object
) -> tuple[np.ndarray, np.ndarray]:
    """CUPED coefficient θ = cov(x, y)/var(x), pooled over all arms, and the pooled mean of x.

    The last axis of every input indexes the arms; θ uses the totals over all arms, so it does
    not depend on the treatment and the adjusted difference stays unbiased.

    Parameters
    ----------
    n, total_y, total_x, total_x_sq, total_xy : array_like
        Per-arm units, Σy, Σx, Σx² and Σxy, where x is the pre-period covariate.

    Returns
    -------
    theta, x_mean : numpy.ndarray
        θ (0 when x does not vary) and the pooled mean of x, on which the covariate is centred.

    References
    ----------
    Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013). Improving the sensitivity of online
    controlled experiments by utilizing pre-experiment data. WSDM '13, 123–132.
    """
    totals = _arrays(n, total_y, total_x, total_x_sq, total_xy)
    n, y, x, xx, xy = (np.sum(a, axis=-1) for a in totals)
    x_mean = x / n
    sxx = xx - x * x_mean
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(sxx > 0, (xy - y * x_mean) / sxx, 0.0)
    return theta, x_mean


def cuped_moments(
    n: object,
    total_y: object,
    total_y_sq: object,
    total_x: object,
    total_x_sq: object,
    total_xy: object,
    theta: object,
    x_mean: object,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and per-unit variance of the CUPED-adjusted metric y − θ(x − x̄) in one arm.

    Parameters
    ----------
    n, total_y, total_y_sq, total_x, total_x_sq, total_xy : array_like
        The arm's units, Σy, Σy², Σx, Σx² and Σxy.
    theta, x_mean : array_like
        From :func:`cuped_theta`.

    Returns
    -------
    mean, var : numpy.ndarray
        Adjusted mean and sample variance var(y) + θ² var(x) − 2θ cov(x, y).

    References
    ----------
    Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013). Improving the sensitivity of online
    controlled experiments by utilizing pre-experiment data. WSDM '13, 123–132.
    """
    n, y, yy, x, xx, xy, theta, x_mean = _arrays(
        n, total_y, total_y_sq, total_x, total_x_sq, total_xy, theta, x_mean
    )
    mean_y, var_y = moments(n, y, yy)
    mean_x, var_x = moments(n, x, xx)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (xy - x * mean_y) / (n - 1)
    var = np.maximum(var_y + theta**2 * var_x - 2 * theta * cov, 0.0)
    return mean_y - theta * (mean_x - x_mean), var


def ratio_moments(
    n: object,
    total_y: object,
    total_y_sq: object,
    total_x: object,
    total_x_sq: object,
    total_xy: object,
) -> tuple[np.ndarray, np.ndarray]:
    """A ratio metric R = Σy/Σx (e.g. revenue per session) and its linearised per-unit variance.

    Var(R̂) ≈ (σ²_y − 2R σ_xy + R² σ²_x)/(n μ_x²); the function returns the bracket divided by
    μ_x², so that Var(R̂) = var/n as for a plain mean.

    Parameters
    ----------
    n, total_y, total_y_sq, total_x, total_x_sq, total_xy : array_like
        Units, Σy, Σy², Σx, Σx² and Σxy of numerator y and denominator x per unit.

    Returns
    -------
    ratio, var : numpy.ndarray

    References
    ----------
    Deng, A., Knoblich, U. & Lu, J. (2018). Applying the delta method in metric analytics: a
    practical guide with novel ideas. KDD '18, 233–242.
    """
    n, y, yy, x, xx, xy = _arrays(n, total_y, total_y_sq, total_x, total_x_sq, total_xy)
    mean_y, var_y = moments(n, y, yy)
    mean_x, var_x = moments(n, x, xx)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (xy - x * mean_y) / (n - 1)
        ratio = np.where(x != 0, y / x, np.nan)
        var = np.maximum(var_y - 2 * ratio * cov + ratio**2 * var_x, 0.0) / mean_x**2
    return ratio, var


def adjust_pvalues(p_values: object, correction: str = "holm") -> np.ndarray:
    """Adjust a family of p-values for multiple comparisons, leaving NaN entries out.

    Parameters
    ----------
    p_values : array_like
        One p-value per comparison (metric × arm [× segment]); NaN marks an undefined test.
    correction : {"holm", "bh", "bonferroni", "none"}
        Holm's step-down method (controls the family-wise error rate), Benjamini–Hochberg
        (controls the false discovery rate), Bonferroni, or no adjustment.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values from statsmodels' ``multipletests``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian
    Journal of Statistics 6(2), 65–70. Benjamini, Y. & Hochberg, Y. (1995). Controlling the
    false discovery rate. JRSS B 57(1), 289–300.
    """
    check_option("correction", correction, list(CORRECTIONS))
    p = np.asarray(p_values, dtype=float).copy()
    ok = ~np.isnan(p)
    if CORRECTIONS[correction] is not None and ok.any():
        p[ok] = multipletests(p[ok], method=CORRECTIONS[correction])[1]
    return p
