"""Per-arm sufficient statistics, aggregated in the engine with Ibis.

Every statistic in :mod:`growthkit.abtest` needs only counts, sums, sums of squares and
cross-products per arm, so a source of any size is reduced to a handful of rows before anything
reaches pandas. The result is the same tidy frame that :func:`growthkit.abtest.analyze_summary`
accepts from people who only have a dashboard's numbers. Summed over segments, a segmented
aggregate is the overall one (every column is a count or a sum), so a report aggregates once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from growthkit.abtest.specs import metric_names, parse_cuped, parse_metrics, parse_ratios
from growthkit.data import load
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = [
    "AGGREGATE_COLUMNS", "MAX_COVARIATE_CORRELATION", "MISSING_SEGMENT", "aggregate", "as_table",
    "missing_label", "overall", "within_arm_correlation",
]

#: Columns of the frame :func:`aggregate` returns (``segment`` only when segmented).
AGGREGATE_COLUMNS = [
    "metric", "variant", "segment", "method", "n", "sum", "sum_sq", "x_sum", "x_sum_sq", "xy_sum",
]


#: The segment label of units whose segment value is missing (NULL or NaN).
MISSING_SEGMENT = "(missing)"


def as_table(data: object) -> ir.Table:
    """A DataFrame as an in-memory table (even when empty); any other source through ``load``.

    Parameters
    ----------
    data : pandas.DataFrame, ibis.Table or growthkit source

    Returns
    -------
    ibis.Table
    """
    if isinstance(data, pd.DataFrame):
        return ibis.memtable(data)
    return load(data)


def _numeric(table: ir.Table, column: str, role: str) -> ir.FloatingValue:
    """The column as float64, or a GrowthkitError when it is neither numeric nor boolean."""
    dtype = table[column].type()
    if not (dtype.is_numeric() or dtype.is_boolean()):
        raise GrowthkitError(
            f"{role} column {column!r} must be numeric (0/1 or a number); found type {dtype}"
        )
    return table[column].cast("float64")


def aggregate(
    data: object,
    variant_col: str,
    metrics: str | Sequence[str],
    cuped: str | Mapping[str, str] | None = None,
    ratio_metrics: str | Mapping[str, Sequence[str]] | None = None,
    segment_col: str | None = None,
) -> pd.DataFrame:
    """Reduce unit-level data to per-arm sufficient statistics, in the engine.

    Parameters
    ----------
    data : pandas.DataFrame, ibis.Table or growthkit source
        One row per unit (user). Sources other than a DataFrame or an Ibis table go through
        :func:`growthkit.data.load`, so a Parquet file or a warehouse table is aggregated where
        it lives.
    variant_col : str
        Column holding the arm each unit was assigned to.
    metrics : str or sequence of str
        Metric columns, or a comma-separated string. An entry ``"num/den"`` is a ratio metric.
        A metric whose values are all 0 or 1 is binary (two-proportion z-test); any other
        numeric metric is continuous (Welch).
    cuped : str or mapping, optional
        ``{"metric": "pre_period_column"}`` or ``"metric:column,..."``: the metric is CUPED-adjusted
        with that covariate.
    ratio_metrics : str or mapping, optional
        ``{"name": ("numerator", "denominator")}`` or ``"name:num/den,..."``.
    segment_col : str, optional
        Also group by this column. Missing values become one segment labelled
        :data:`MISSING_SEGMENT` (``"(missing)"``), or ``"((missing))"`` when the column holds
        the text ``"(missing)"`` itself, which stays a segment of its own (:func:`missing_label`).

    Returns
    -------
    pandas.DataFrame
        One row per metric × arm (× segment) with ``metric, variant, [segment], method, n, sum,
        sum_sq, x_sum, x_sum_sq, xy_sum``. ``method`` is ``"ztest"``, ``"welch"``, ``"cuped"``
        (x is the covariate) or ``"delta"`` (a ratio: sum is the numerator, x the denominator).

    Raises
    ------
    GrowthkitError
        A missing column (the message lists those that exist), a non-numeric metric, missing
        (NaN/null) values in a metric or in the variant column, no rows, or a CUPED covariate
        that is its metric (by name, or correlated beyond |r| > 0.9999 within arms).

    Notes
    -----
    A CUPED covariate must be measured before assignment. Here the covariates arrive as one
    number per unit with no timestamp (:func:`growthkit.abtest.analyze` compares the times when
    the data have them: ``assigned_at_col``, ``cuped_measured_at``); what can be refused from the
    numbers is: the metric itself, or a column moving with it (|r| >
    :data:`MAX_COVARIATE_CORRELATION` within arms), which would cancel the effect CUPED is meant
    to sharpen.
    """
    plain, ratios = parse_metrics(metrics)
    ratios.update(parse_ratios(ratio_metrics))
    covariates = parse_cuped(cuped)
    unknown = [m for m in covariates if m not in plain]
    if unknown:
        raise GrowthkitError(
            f"cuped names metric {unknown[0]!r}, which is not among metrics {plain}"
        )
    itself = [m for m, x in covariates.items() if m == x]
    if itself:
        raise GrowthkitError(
            f"cuped: the covariate of {itself[0]!r} is {itself[0]!r} itself; expected a column "
            f"measured before assignment (e.g. '{itself[0]}:pre_{itself[0]}'), which the test "
            "cannot have changed"
        )
    table = as_table(data)
    pairs = [(m, covariates[m]) for m in plain if m in covariates] + list(ratios.values())
    columns = list(dict.fromkeys([*plain, *(c for pair in pairs for c in pair)]))
    keys = [variant_col] if segment_col is None else [variant_col, segment_col]
    require_columns(table.columns, [*keys, *columns], where="the experiment data")
    values = {c: _numeric(table, c, "metric" if c in plain else "covariate") for c in columns}
    idx = {c: i for i, c in enumerate(columns)}

    # SQLite and some warehouses have no NaN, only NULL; count NaN where the engine knows it.
    has_nan = ibis.get_backend(table).has_operation(ops.IsNan)
    stats = {"n": table.count()}
    for c, v in values.items():
        i = idx[c]
        stats[f"s{i}"] = v.sum()
        stats[f"q{i}"] = (v * v).sum()
        stats[f"lo{i}"] = v.min()
        stats[f"hi{i}"] = v.max()
        missing = (v.isnull() | v.isnan()) if has_nan else v.isnull()
        stats[f"na{i}"] = missing.cast("int64").sum()
    for y, x in pairs:
        stats[f"x{idx[y]}_{idx[x]}"] = (values[y] * values[x]).sum()
    groups = [table[variant_col].cast("string").name("variant")]
    if segment_col is not None:
        groups.append(table[segment_col].cast("string").name("segment"))
    with step("aggregated users per arm") as progress:
        agg = table.group_by(groups).aggregate(**stats).to_pandas()
        progress["detail"] = f"{int(agg['n'].sum()):,} rows"
    _check_aggregated(agg, columns, variant_col)
    if segment_col is not None:
        present = agg["segment"].notna()
        label = missing_label(set(agg.loc[present, "segment"]))
        agg["segment"] = agg["segment"].where(present, label)
    order = list(dict.fromkeys([*metric_names(metrics), *ratios]))
    frame = _long_frame(agg, order, plain, covariates, ratios, idx, segment_col is not None)
    _check_covariates(frame, covariates)
    return frame


def missing_label(values: set[str]) -> str:
    """The segment label of missing values: :data:`MISSING_SEGMENT`, bracketed again until it
    is none of ``values`` (the column's own values keep their names).

    Parameters
    ----------
    values : set of str
        The segment column's values, as text.

    Returns
    -------
    str
    """
    label = MISSING_SEGMENT
    while label in values:
        label = f"({label})"
    return label


#: A CUPED covariate correlated with its metric beyond this (within arms) is refused: it is the
#: metric again, or something the test changed, and would cancel the effect being measured.
MAX_COVARIATE_CORRELATION = 0.9999


def within_arm_correlation(rows: pd.DataFrame) -> float:
    """The correlation of metric and covariate within arms (and segments), from the sums.

    Each row's centred sums (Σ(y − ȳ)², Σ(x − x̄)², Σ(x − x̄)(y − ȳ)) are pooled over the rows,
    so a shift between arms (the treatment effect) does not count. NaN without any spread.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :func:`aggregate` for one CUPED metric (``n``, ``sum``, ``sum_sq``, ``x_sum``,
        ``x_sum_sq``, ``xy_sum``).

    Returns
    -------
    float
    """
    n = rows["n"].to_numpy(dtype=float)
    y, x = rows["sum"].to_numpy(dtype=float), rows["x_sum"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        syy = np.nansum(rows["sum_sq"].to_numpy(dtype=float) - y * y / n)
        sxx = np.nansum(rows["x_sum_sq"].to_numpy(dtype=float) - x * x / n)
        sxy = np.nansum(rows["xy_sum"].to_numpy(dtype=float) - x * y / n)
        if syy <= 0 or sxx <= 0:
            return float("nan")
        return float(sxy / np.sqrt(syy * sxx))


def _check_covariates(frame: pd.DataFrame, covariates: dict[str, str]) -> None:
    """Refuse a CUPED covariate that moves with its metric (|r| > 0.9999 within arms)."""
    for metric, covariate in covariates.items():
        r = within_arm_correlation(frame[frame["metric"] == metric])
        if np.isfinite(r) and abs(r) > MAX_COVARIATE_CORRELATION:
            raise GrowthkitError(
                f"cuped: covariate {covariate!r} moves with metric {metric!r} (correlation "
                f"{r:.6f} within arms); expected a column measured before assignment: a copy of "
                "the metric, or of anything the test changed, would cancel the effect"
            )


def _check_aggregated(agg: pd.DataFrame, columns: list[str], variant_col: str) -> None:
    if agg.empty or agg["n"].sum() == 0:
        raise GrowthkitError("the experiment data has no rows; expected one row per unit")
    missing_variant = agg.loc[agg["variant"].isna(), "n"].sum()
    if missing_variant:
        raise GrowthkitError(
            f"column {variant_col!r} has {missing_variant} rows with no variant; "
            "expected every unit to be assigned to an arm"
        )
    for i, c in enumerate(columns):
        missing = int(agg[f"na{i}"].sum())
        if missing:
            raise GrowthkitError(
                f"column {c!r} has {missing} missing (NaN/null) values; expected a number for "
                "every unit (fill them, e.g. with 0 for no revenue, or drop those units)"
            )


def _long_frame(
    agg: pd.DataFrame,
    order: list[str],
    plain: list[str],
    covariates: dict[str, str],
    ratios: dict[str, tuple[str, str]],
    idx: dict[str, int],
    segmented: bool,
) -> pd.DataFrame:
    """One row per metric × arm (× segment) from the wide aggregate, metrics in ``order``."""
    agg = agg.sort_values(["variant", "segment"] if segmented else ["variant"])
    parts: dict[str, pd.DataFrame] = {}

    def part(name: str, method: str, y: str, x: str | None) -> pd.DataFrame:
        out = agg[["variant", "segment"] if segmented else ["variant"]].copy()
        out.insert(0, "metric", name)
        out["method"] = method
        out["n"] = agg["n"].astype("int64")
        out["sum"], out["sum_sq"] = agg[f"s{idx[y]}"], agg[f"q{idx[y]}"]
        nan = float("nan")
        out["x_sum"] = agg[f"s{idx[x]}"] if x else nan
        out["x_sum_sq"] = agg[f"q{idx[x]}"] if x else nan
        out["xy_sum"] = agg[f"x{idx[y]}_{idx[x]}"] if x else nan
        return out

    for m in plain:
        i = idx[m]
        binary = (
            agg[f"lo{i}"].min() >= 0
            and agg[f"hi{i}"].max() <= 1
            and agg[f"s{i}"].sum() == agg[f"q{i}"].sum()
        )
        if m in covariates:
            parts[m] = part(m, "cuped", m, covariates[m])
        else:
            parts[m] = part(m, "ztest" if binary else "welch", m, None)
    parts |= {name: part(name, "delta", num, den) for name, (num, den) in ratios.items()}
    return pd.concat([parts[name] for name in order], ignore_index=True)


def overall(agg: pd.DataFrame) -> pd.DataFrame:
    """The unsegmented aggregate from a segmented one: every statistic summed over segments.

    Parameters
    ----------
    agg : pandas.DataFrame
        Output of :func:`aggregate` with a ``segment`` column.

    Returns
    -------
    pandas.DataFrame
        What :func:`aggregate` returns for the same data without ``segment_col``, metrics and
        arms in the same order.
    """
    stats = ["n", "sum", "sum_sq", "x_sum", "x_sum_sq", "xy_sum"]
    out = (
        agg.groupby(["metric", "variant", "method"], sort=False)[stats]
        .sum(min_count=1)
        .reset_index()
    )
    out["n"] = out["n"].astype("int64")
    return out[[c for c in AGGREGATE_COLUMNS if c != "segment"]]
