"""Each arm against the control, for every metric, from unit-level data or from aggregates.

:func:`compare` reads unit-level data (aggregated in the engine), :func:`analyze_summary` the
per-arm aggregates a dashboard shows; both give one row per metric × arm (× segment) with the
columns of :data:`RESULT_COLUMNS`. The report's :func:`growthkit.abtest.analyze` builds on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from growthkit.abtest.aggregates import aggregate
from growthkit.abtest.frequentist import (
    CORRECTIONS,
    adjust_pvalues,
    cuped_moments,
    cuped_theta,
    moments,
    ratio_moments,
    relative_lift,
    two_proportion_test,
    welch_test,
    z_test,
)
from growthkit.errors import GrowthkitError
from growthkit.validation import check_option, require_columns

__all__ = [
    "METHODS", "RESULT_COLUMNS", "analyze_summary", "check_settings", "compare",
    "compare_aggregates",
]

#: ``method`` values: pooled z-test, Welch, CUPED-adjusted Welch, delta-method ratio.
METHODS = ("ztest", "welch", "cuped", "delta")

#: Columns of the frame :func:`compare` returns, in order (``segment`` only when segmented).
RESULT_COLUMNS = [
    "metric", "variant", "segment", "n", "control_n", "mean", "control_mean",
    "abs_diff", "abs_ci_low", "abs_ci_high", "rel_lift", "rel_ci_low", "rel_ci_high",
    "p_value", "p_value_adjusted", "method",
    "std", "control_std", "abs_se", "rel_se", "statistic", "df", "variance_reduction",
]
_STAT_COLUMNS = ["sum", "sum_sq", "x_sum", "x_sum_sq", "xy_sum"]


def compare(
    data: object,
    variant_col: str,
    control: str,
    metrics: str | Sequence[str],
    cuped: str | Mapping[str, str] | None = None,
    ratio_metrics: str | Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    segment_col: str | None = None,
) -> pd.DataFrame:
    """Compare every arm with the control on every metric, with honest intervals.

    This is the comparison table of the A/B-test report; :func:`growthkit.abtest.analyze` runs
    the whole report (health, power, Bayes and the decision) around it. The data are reduced
    to per-arm sufficient statistics in the engine (see :func:`growthkit.abtest.aggregate`),
    then analysed exactly as :func:`analyze_summary` analyses aggregates typed in from a
    dashboard.

    Parameters
    ----------
    data : pandas.DataFrame or growthkit source
        One row per unit (user): a DataFrame, or any source :func:`growthkit.data.load` accepts.
    variant_col : str
        Column with the arm of each unit.
    control : str
        The control arm's label (compared as text, so ``0`` and ``"0"`` are the same arm).
    metrics : str or sequence of str
        Metric columns (or a comma-separated string); an entry ``"num/den"`` is a ratio metric.
        0/1 metrics get the pooled two-proportion z-test with an unpooled Wald interval, other
        metrics Welch's t-test and interval.
    cuped : str or mapping, optional
        ``{"metric": "pre_period_column"}`` or ``"metric:column,..."``. θ = cov(x, y)/var(x) is
        pooled over all arms, x is centred on its pooled mean, and the adjusted metric gets
        Welch's test (``method="cuped"``; ``variance_reduction`` says how much it helped).
    ratio_metrics : str or mapping, optional
        ``{"name": ("numerator", "denominator")}`` or ``"name:num/den,..."``: ratios of sums
        such as revenue per session, with delta-method standard errors (``method="delta"``).
    alpha : float, default 0.05
        Two-sided significance level of every interval and of the adjusted p-values.
    correction : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Multiple-testing adjustment over all metric × arm (× segment) comparisons.
    segment_col : str, optional
        Analyse within each value of this column (e.g. device) instead of overall; CUPED's θ is
        then pooled within each segment.

    Returns
    -------
    pandas.DataFrame
        One row per metric × arm (× segment) with the columns of :data:`RESULT_COLUMNS`:
        ``metric, variant, [segment], n, control_n, mean, control_mean, abs_diff, abs_ci_low,
        abs_ci_high, rel_lift, rel_ci_low, rel_ci_high, p_value, p_value_adjusted, method``,
        then ``std`` and ``control_std`` (per-unit standard deviations behind the test),
        ``abs_se``, ``rel_se``, ``statistic``, ``df`` (Welch only) and ``variance_reduction``
        (CUPED only). For CUPED rows ``mean`` is the adjusted mean.

        ``rel_lift`` is (mean − control_mean)/|control_mean|, so a positive lift is an increase
        even when the control mean is negative (see :func:`growthkit.abtest.relative_lift`);
        it is NaN when the control mean is 0, where ``abs_diff`` is the effect to read. When
        no test is possible, ``p_value``, ``p_value_adjusted``, ``statistic``, the standard
        errors and the intervals are NaN: a 0/1 metric with no conversions (or only
        conversions) in both arms, a ratio whose denominator sums to 0 in an arm, or (per
        segment) an arm with fewer than 2 units.

    Raises
    ------
    GrowthkitError
        A missing or non-numeric column, missing values, a control that is not an arm (the
        message lists the arms), a single arm, an arm with fewer than 2 units, a bad ``alpha``
        or an unknown ``correction``.

    References
    ----------
    Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled Experiments. Cambridge
    University Press, ch. 17–18. Deng, A., Xu, Y., Kohavi, R. & Walker, T. (2013), WSDM '13
    (CUPED). Deng, A., Knoblich, U. & Lu, J. (2018), KDD '18 (delta method).
    """
    check_settings(alpha, correction)
    agg = aggregate(data, variant_col, metrics, cuped, ratio_metrics, segment_col)
    return compare_aggregates(agg, control, alpha, correction, f"column {variant_col!r}")


def analyze_summary(
    aggregates: pd.DataFrame | Iterable[Mapping[str, object]],
    control: str,
    alpha: float = 0.05,
    correction: str = "holm",
) -> pd.DataFrame:
    """The same comparison as :func:`compare`, from per-arm aggregates such as a dashboard shows.

    Parameters
    ----------
    aggregates : pandas.DataFrame or iterable of mappings
        One row per metric × arm (× ``segment``) with ``metric``, ``variant``, ``n`` and either
        ``conversions`` (a binary metric) or ``sum`` and ``sum_sq`` (Σy and Σy² of a continuous
        metric). CUPED and ratio rows also carry ``x_sum``, ``x_sum_sq`` and ``xy_sum`` and a
        ``method`` of ``"cuped"`` or ``"delta"``; without a ``method`` column a row is
        ``"ztest"`` when it has conversions and ``"welch"`` otherwise. The output of
        :func:`growthkit.abtest.aggregate` is accepted as is.
    control : str
        The control arm's label.
    alpha : float, default 0.05
        Two-sided significance level.
    correction : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Multiple-testing adjustment over all comparisons.

    Returns
    -------
    pandas.DataFrame
        As :func:`compare`.

    Examples
    --------
    >>> from growthkit.abtest import analyze_summary
    >>> res = analyze_summary(
    ...     [{"metric": "signup", "variant": "A", "n": 1000, "conversions": 200},
    ...      {"metric": "signup", "variant": "B", "n": 1000, "conversions": 250}],
    ...     control="A",
    ... )
    >>> round(float(res.loc[0, "p_value"]), 6)
    0.00742

    References
    ----------
    Deng, A., Knoblich, U. & Lu, J. (2018). Applying the delta method in metric analytics: a
    practical guide with novel ideas. KDD '18, 233–242.
    """
    check_settings(alpha, correction)
    return compare_aggregates(
        _normalise(aggregates), control, alpha, correction, "column 'variant'"
    )


def check_settings(alpha: float, correction: str) -> None:
    """Refuse an ``alpha`` outside (0, 1) or an unknown ``correction``, in one line.

    Raises
    ------
    GrowthkitError
    """
    if not 0 < alpha < 1:
        raise GrowthkitError(f"alpha={alpha!r} is not a significance level; expected 0 < alpha < 1")
    check_option("correction", correction, list(CORRECTIONS))


def _normalise(aggregates: pd.DataFrame | Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Validate user-supplied aggregates and bring them to the frame ``aggregate`` returns."""
    df = pd.DataFrame(aggregates).copy()
    require_columns(df.columns, ["metric", "variant", "n"], where="the aggregates")
    if "conversions" in df:
        has = df["conversions"].notna()
        for col in ("sum", "sum_sq"):
            df[col] = df[col].where(~has, df["conversions"]) if col in df else df["conversions"]
    if "sum" not in df or "sum_sq" not in df:
        raise GrowthkitError(
            "the aggregates need 'conversions' (binary metrics) or 'sum' and 'sum_sq' "
            f"(continuous metrics); found columns: {', '.join(map(repr, df.columns))}"
        )
    for col in _STAT_COLUMNS:
        if col not in df:
            df[col] = np.nan
    if "method" not in df:
        if df[["x_sum", "x_sum_sq", "xy_sum"]].notna().any(axis=None):
            raise GrowthkitError(
                "aggregates with x_sum/x_sum_sq/xy_sum need a 'method' column: 'cuped' or 'delta'"
            )
        binary = df["conversions"].notna() if "conversions" in df else False
        df["method"] = np.where(binary, "ztest", "welch")
    for method in df["method"].unique():
        check_option("method", method, list(METHODS))
    for col in ["n", *_STAT_COLUMNS]:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise GrowthkitError(f"aggregate column {col!r} must be numeric; found {df[col].dtype}")
    needed = {"ztest": 2, "welch": 2, "cuped": 5, "delta": 5}
    for method, k in needed.items():
        rows = df.loc[df["method"] == method, ["n", *_STAT_COLUMNS[:k]]]
        if rows.isna().any(axis=None):
            raise GrowthkitError(
                f"aggregates for method {method!r} have missing values; expected n, "
                f"{', '.join(_STAT_COLUMNS[:k])} on every row"
            )
    if (df["n"] < 0).any() or (df["n"] != np.floor(df["n"])).any():
        raise GrowthkitError("aggregate column 'n' must hold whole numbers ≥ 0")
    ztest = df[df["method"] == "ztest"]
    if ((ztest["sum"] < 0) | (ztest["sum"] > ztest["n"])).any():
        raise GrowthkitError("conversions must lie between 0 and n on every row")
    df["variant"] = df["variant"].astype(str)
    if "segment" in df:
        df["segment"] = df["segment"].astype(str)
    return df


def _check_arms(agg: pd.DataFrame, control: str, where: str, segmented: bool) -> None:
    arms = list(dict.fromkeys(agg["variant"]))
    listed = ", ".join(map(repr, arms))
    if str(control) not in arms:
        raise GrowthkitError(f"control {control!r} is not an arm in {where}; arms found: {listed}")
    if len(arms) < 2:
        raise GrowthkitError(
            f"{where} has only one arm ({listed}); expected a control and at least one treatment"
        )
    methods = agg.groupby("metric")["method"].nunique()
    if (methods > 1).any():
        raise GrowthkitError(f"metric {methods.idxmax()!r} has different methods across arms")
    keys = ["metric", "variant", "segment"] if segmented else ["metric", "variant"]
    twice = agg[agg.duplicated(keys)]
    if len(twice):
        first = dict(twice.iloc[0][keys])
        raise GrowthkitError(f"aggregates repeat {first}; expected one row per {', '.join(keys)}")
    if segmented:
        return
    no_control = set(agg["metric"]) - set(agg.loc[agg["variant"] == str(control), "metric"])
    if no_control:
        raise GrowthkitError(f"metric {sorted(no_control)[0]!r} has no row for control {control!r}")
    small = agg[agg["n"] < 2]
    if len(small):
        row = small.iloc[0]
        raise GrowthkitError(
            f"arm {row['variant']!r} has n={int(row['n'])} units for metric {row['metric']!r}; "
            "expected at least 2 units per arm"
        )


def compare_aggregates(
    agg: pd.DataFrame, control: str, alpha: float, correction: str, where: str
) -> pd.DataFrame:
    """Compare per-arm aggregates (as :func:`growthkit.abtest.aggregate` returns them).

    Each treatment row is joined with its control row and the metric's method runs on the
    pair; :func:`compare` and :func:`analyze_summary` both end here.

    Parameters
    ----------
    agg : pandas.DataFrame
        One row per metric × arm (× segment), with ``method`` and the sufficient statistics.
    control : str
        The control arm's label.
    alpha : float
        Two-sided significance level.
    correction : str
        Multiple-testing adjustment (see :func:`compare`).
    where : str
        How error messages name the arm column (``"column 'variant'"``).

    Returns
    -------
    pandas.DataFrame
        As :func:`compare`.
    """
    segmented = "segment" in agg
    _check_arms(agg, control, where, segmented)
    control = str(control)
    keys = ["metric", "segment"] if segmented else ["metric"]
    # CUPED's θ and the covariate's mean are pooled over every arm of a metric (and segment).
    cup = agg[agg["method"] == "cuped"]
    pooled = (
        cup.groupby(keys, sort=False)[["n", "sum", "x_sum", "x_sum_sq", "xy_sum"]].sum()
        .reset_index()
    )
    theta, x_mean = cuped_theta(
        *(pooled[c].to_numpy()[:, None] for c in ["n", "sum", "x_sum", "x_sum_sq", "xy_sum"])
    )
    pooled = pooled[keys].assign(theta=theta, x_mean=x_mean)
    arms = agg.merge(pooled, on=keys, how="left")
    ctrl = arms[arms["variant"] == control].drop(columns=["variant", "method", "theta", "x_mean"])
    rows = arms[arms["variant"] != control].merge(ctrl, on=keys, how="left", suffixes=("", "_c"))
    rank = {c: {v: i for i, v in enumerate(dict.fromkeys(agg[c]))} for c in [*keys, "variant"]}
    rows = rows.sort_values(
        [*keys, "variant"], key=lambda col: col.map(rank[col.name]), kind="stable"
    ).reset_index(drop=True)
    out = pd.DataFrame(index=rows.index, columns=RESULT_COLUMNS, dtype=float)
    for col in ["metric", "variant", "segment", "method", "n"]:
        if col in rows:
            out[col] = rows[col]
    out["control_n"] = rows["n_c"]
    if not segmented:
        out = out.drop(columns="segment")
    valid = (rows["n"] >= 2) & (rows["n_c"] >= 2)
    for method, fn in _METHODS.items():
        mask = valid & (rows["method"] == method)
        if mask.any():
            for col, values in fn(rows[mask], alpha).items():
                out.loc[mask, col] = values
    out["p_value_adjusted"] = adjust_pvalues(out["p_value"], correction)
    out["n"] = out["n"].astype("int64")
    if out["control_n"].notna().all():
        out["control_n"] = out["control_n"].astype("int64")
    return out


def _finish(
    mean: np.ndarray,
    var: np.ndarray,
    control_mean: np.ndarray,
    control_var: np.ndarray,
    r: pd.DataFrame,
    test: dict[str, np.ndarray],
    alpha: float,
) -> dict[str, np.ndarray]:
    """Add the columns every method shares: means, standard deviations and the relative lift.

    Where the test is undefined (NaN standard error) the lift's interval is undefined too.
    """
    lift = relative_lift(mean, var, r["n"], control_mean, control_var, r["n_c"], alpha)
    untestable = np.isnan(np.asarray(test["abs_se"], dtype=float))
    for key in ("rel_se", "rel_ci_low", "rel_ci_high"):
        lift[key] = np.where(untestable, np.nan, lift[key])
    return {
        "mean": mean,
        "control_mean": control_mean,
        "std": np.sqrt(var),
        "control_std": np.sqrt(control_var),
        **test,
        **lift,
    }


def _ztest(r: pd.DataFrame, alpha: float) -> dict[str, np.ndarray]:
    t = two_proportion_test(r["sum"], r["n"], r["sum_c"], r["n_c"], alpha)
    keep = ("abs_diff", "abs_se", "abs_ci_low", "abs_ci_high", "statistic", "p_value")
    return _finish(
        t["mean"], t["var"], t["control_mean"], t["control_var"], r, {k: t[k] for k in keep}, alpha
    )


def _welch(r: pd.DataFrame, alpha: float) -> dict[str, np.ndarray]:
    mean, var = moments(r["n"], r["sum"], r["sum_sq"])
    cmean, cvar = moments(r["n_c"], r["sum_c"], r["sum_sq_c"])
    t = welch_test(mean, var, r["n"], cmean, cvar, r["n_c"], alpha)
    return _finish(mean, var, cmean, cvar, r, t, alpha)


def _cuped(r: pd.DataFrame, alpha: float) -> dict[str, np.ndarray]:
    def arm(s: str) -> tuple[np.ndarray, np.ndarray]:
        n = r["n" + s]
        cols = [r[c + s] for c in _STAT_COLUMNS]
        return cuped_moments(n, *cols, r["theta"], r["x_mean"])

    (mean, var), (cmean, cvar) = arm(""), arm("_c")
    t = welch_test(mean, var, r["n"], cmean, cvar, r["n_c"], alpha)
    _, raw_var = moments(r["n"], r["sum"], r["sum_sq"])
    _, raw_cvar = moments(r["n_c"], r["sum_c"], r["sum_sq_c"])
    raw_se2 = raw_var / r["n"] + raw_cvar / r["n_c"]
    with np.errstate(divide="ignore", invalid="ignore"):
        reduction = np.where(raw_se2 > 0, 1 - t["abs_se"] ** 2 / raw_se2, np.nan)
    return _finish(mean, var, cmean, cvar, r, {**t, "variance_reduction": reduction}, alpha)


def _delta(r: pd.DataFrame, alpha: float) -> dict[str, np.ndarray]:
    ratio, var = ratio_moments(r["n"], *(r[c] for c in _STAT_COLUMNS))
    cratio, cvar = ratio_moments(r["n_c"], *(r[c + "_c"] for c in _STAT_COLUMNS))
    t = z_test(ratio - cratio, np.sqrt(var / r["n"] + cvar / r["n_c"]), alpha)
    return _finish(ratio, var, cratio, cvar, r, t, alpha)


_METHODS = {"ztest": _ztest, "welch": _welch, "cuped": _cuped, "delta": _delta}
