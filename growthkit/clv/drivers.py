"""What drives value: the CLV report's customer covariates, their effects and new-customer CLV.

The numbers behind the report's section "What drives value" (the words are in
:mod:`growthkit.clv.drivers_text`):

- the covariates of each customer, from a per-customer source (``covariates_data``) and from
  the orders themselves (``first_order_covariates``: each customer's value on their first
  order, computed in the engine);
- the transaction model with every covariate on both processes, fitted on the calibration
  period and on all orders, its multipliers with :data:`INTERVAL_LEVEL` intervals and the
  likelihood-ratio test against the plain model;
- the holdout error with and without covariates, and with each covariate alone: a covariate is
  kept when it alone lowers the holdout error per customer;
- the CLV of a new customer for each profile of the kept covariates.

Sign convention (CLVTools' parameterisation, see :mod:`growthkit.clv.covariate_models`): a
purchase multiplier above 1 means more purchases; a dropout multiplier above 1 means a faster
dropout (for Pareto/NBD the dropout rate, for BG/NBD and MBG/NBD the mean chance of dropping
out after a purchase, a/(a+b)).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from growthkit.clv.covariate_models import (
    INTERVAL_LEVEL,
    CovariateTransactionModel,
    LikelihoodRatioTest,
    fit_covariates,
)
from growthkit.clv.covariates import HUGE_SCALE, CovariateScaleWarning
from growthkit.clv.holdout import validate_holdout
from growthkit.clv.value import ValueSettings
from growthkit.data import Orders, load, redact
from growthkit.errors import GrowthkitError
from growthkit.i18n import N_
from growthkit.notes import Note
from growthkit.result import records

__all__ = [
    "COEFFICIENT_KEYS",
    "DRAWS",
    "INTERVAL_LEVEL",
    "MAX_PROFILES",
    "PROFILE_LEVELS",
    "CustomerCovariates",
    "Drivers",
    "customer_covariates",
    "drivers_metrics",
    "effects",
    "explain_value",
    "first_order_values",
    "load_covariates",
    "new_customer_value",
    "not_fitted_note",
    "scale_notes",
]

#: Parameter draws for the intervals of the BG/NBD dropout multipliers (seeded).
DRAWS = 4000
#: A numeric covariate with at most this many distinct values gives one profile per value; one
#: with more is held at its median in the new-customer table.
PROFILE_LEVELS = 10
#: The new-customer table shows at most this many profiles, the most common first.
MAX_PROFILES = 24

NO_HOLDOUT_NOTE = N_(
    "The covariates could not be tested on a holdout period, so all of them are kept; set "
    "calibration_end to check which improve the forecast."
)
NONE_HELP_NOTE = N_(
    "No covariate lowered the holdout error; the new-customer values by profile describe the "
    "past and are not a tested forecast."
)

SCALE_NOTE = N_(
    "Covariate {covariate} reaches {largest}: it enters as given, so its multiplier is per unit "
    "and tiny; rescale it (e.g. to thousands) for a readable multiplier and a well-conditioned "
    "fit."
)
NOT_FITTED_NOTE = N_(
    "The model with customer covariates could not be fitted ({reason}), so the section What "
    "drives value is left out; try fewer covariates or more customers."
)


def scale_notes(covariates: pd.DataFrame) -> list[Note]:
    """A note (code ``covariate_scale``) for each numeric covariate beyond
    :data:`growthkit.clv.covariates.HUGE_SCALE`."""
    return [
        Note("covariate_scale", SCALE_NOTE, covariate=str(c),
             largest=float(covariates[c].abs().max()))
        for c in covariates.columns
        if pd.api.types.is_numeric_dtype(covariates[c])
        and not pd.api.types.is_bool_dtype(covariates[c])
        and float(covariates[c].abs().max()) > HUGE_SCALE
    ]


def not_fitted_note(error: Exception) -> Note:
    """The note that the covariate model did not converge (code ``drivers_not_fitted``)."""
    return Note("drivers_not_fitted", NOT_FITTED_NOTE, reason=str(error))


# -- the covariates of each customer ---------------------------------------------------------


def first_order_values(table: ibis.Table, columns: Sequence[str]) -> pd.DataFrame:
    """Each customer's value of ``columns`` on their first order, computed in the engine.

    Several orders on the first day: the smallest value among them (a stable choice).

    Parameters
    ----------
    table : ibis.Table
        Validated orders with ``customer_id``, ``order_date`` and ``columns``
        (:attr:`growthkit.data.Orders.table` with ``keep=columns``).
    columns : sequence of str

    Returns
    -------
    pandas.DataFrame
        Indexed by customer, one column per name.
    """
    first = table.order_date.min().over(group_by=table.customer_id)
    firsts = table.mutate(first_day=first).filter(lambda t: t.order_date == t.first_day)
    values = firsts.group_by("customer_id").aggregate(**{c: firsts[c].min() for c in columns})
    return values.to_pandas().set_index("customer_id")


def _aligned(frame: pd.DataFrame, like: pd.Index) -> pd.DataFrame:
    """``frame`` with its customer index of the orders' type (ids read as text or numbers)."""
    if frame.index.dtype == like.dtype or len(frame) == 0:
        return frame
    if pd.api.types.is_numeric_dtype(like.dtype):
        converted = pd.to_numeric(pd.Series(frame.index), errors="coerce")
        if converted.notna().all():
            return frame.set_axis(pd.Index(converted.to_numpy(), name=frame.index.name))
    if pd.api.types.is_string_dtype(like.dtype) or like.dtype == object:
        return frame.set_axis(frame.index.astype(str).astype(like.dtype))
    return frame


@dataclass(frozen=True)
class CustomerCovariates:
    """Covariates as loaded, before they are matched to the summary's customers.

    Attributes
    ----------
    parts : tuple of pandas.DataFrame
        Each indexed by customer: the ``covariates_data`` columns, then the first-order values.
    first_order : tuple of str
        The columns taken from each customer's first order.
    """

    parts: tuple[pd.DataFrame, ...]
    first_order: tuple[str, ...] = ()

    def for_customers(self, customers: pd.Index) -> pd.DataFrame:
        """The covariates of ``customers``, in their order.

        Raises
        ------
        GrowthkitError
            For a customer without a value, naming the column, the source and an example.
        """
        out = pd.concat([_aligned(p, customers).reindex(customers) for p in self.parts], axis=1)
        for col in out.columns:
            absent = out[col].isna().to_numpy()
            if absent.any():
                where = "the orders" if col in self.first_order else "covariates_data"
                raise GrowthkitError(
                    f"covariate {col!r} has no value in {where} for {absent.sum():,} of "
                    f"{len(out):,} customer(s), e.g. {customers[int(absent.argmax())]!r}; "
                    "expected one for every customer in the orders"
                )
        return out


def load_covariates(
    orders: Orders,
    *,
    covariates_data: Any = None,
    covariates: Sequence[str] | None = None,
    first_order_covariates: Sequence[str] | None = None,
    customer_col: str = "customer_id",
) -> CustomerCovariates | None:
    """Load the covariates the report asks for, checked before any model is fitted.

    Parameters
    ----------
    orders : Orders
        The validated orders, with the ``first_order_covariates`` kept
        (``validate_orders(..., keep=...)``).
    covariates_data : source, optional
        One row per customer (:func:`growthkit.data.load`), the customer column named as in
        the orders (``customer_col``).
    covariates : sequence of str, optional
        Columns of ``covariates_data``; default every column but the customer's.
    first_order_covariates : sequence of str, optional
        Columns of the orders whose value on each customer's first order is a covariate.
    customer_col : str
        The customer column of the orders (and of ``covariates_data``).

    Returns
    -------
    CustomerCovariates or None
        None when no covariate was asked for.

    Raises
    ------
    GrowthkitError
        Naming the parameter: a missing column, a customer twice.
    """
    if covariates and covariates_data is None:
        raise GrowthkitError(f"covariates={','.join(covariates)!r} but covariates_data is None; "
                             "expected a per-customer source with those columns")
    parts = []
    if covariates_data is not None:
        table = load(covariates_data, name="covariates_data", rows="customers")
        if customer_col not in table.columns:
            raise GrowthkitError(
                f"covariates_data {redact(covariates_data)!r} has no column {customer_col!r} "
                f"(customer_col); found {', '.join(map(repr, table.columns))}"
            )
        chosen = list(covariates) if covariates else [c for c in table.columns
                                                      if c != customer_col]
        missing = [c for c in chosen if c not in table.columns]
        if missing or not chosen:
            raise GrowthkitError(
                f"covariates: {missing[0] if missing else '(none)'!r} is not a column of "
                f"covariates_data; found {', '.join(map(repr, table.columns))}"
            )
        frame = table.select(customer_col, *chosen).to_pandas()
        dup = frame[customer_col].duplicated()
        if dup.any():
            raise GrowthkitError(
                f"covariates_data has customer {frame[customer_col][dup].iloc[0]!r} more than "
                "once; expected one row per customer"
            )
        parts.append(frame.set_index(customer_col))
    first = tuple(first_order_covariates or ())
    if first:
        taken = {c for p in parts for c in p.columns}
        clash = [c for c in first if c in taken]
        if clash:
            raise GrowthkitError(f"first_order_covariates: {clash[0]!r} is also a column of "
                                 "covariates_data; expected each covariate once")
        parts.append(first_order_values(orders.table, first))
    return CustomerCovariates(tuple(parts), first) if parts else None


def customer_covariates(
    orders: Orders,
    customers: pd.Index,
    **options: Any,
) -> pd.DataFrame | None:
    """:func:`load_covariates` (same keyword arguments) matched to ``customers``: one row per
    customer in their order, or None when no covariate was asked for."""
    loaded = load_covariates(orders, **options)
    return None if loaded is None else loaded.for_customers(customers)


# -- effects -----------------------------------------------------------------------------------


def _position(model: CovariateTransactionModel, process: str, column: str) -> int | None:
    names = model.param_names
    for key in (f"{process}:{column}", f"shared:{column}"):
        if key in names:
            return names.index(key)
    return None


def effects(model: CovariateTransactionModel, seed: int = 0) -> pd.DataFrame:
    """The multipliers of each design column on purchases and dropout, with intervals.

    Parameters
    ----------
    model : CovariateTransactionModel
        A fitted covariate model.
    seed : int
        Seed of the parameter draws (BG/NBD and MBG/NBD dropout only).

    Returns
    -------
    pandas.DataFrame
        One row per design column: ``column``, ``covariate``, ``level`` (None for a numeric
        covariate), ``reference`` (the reference level, None for a numeric one), then
        ``purchase``, ``purchase_low``, ``purchase_high``, ``purchase_p`` and the same for
        ``dropout``: the mean purchase rate's multiplier and the dropout multiplier
        (the Pareto/NBD dropout rate's, or the BG/NBD mean dropout chance a/(a+b)'s against
        the reference profile), with :data:`INTERVAL_LEVEL` intervals and Wald p-values.
    """
    design = model.design
    theta = model.theta
    cov = model.covariance.to_numpy()
    se = np.sqrt(np.diag(cov))
    z = norm.ppf(0.5 + INTERVAL_LEVEL / 2)
    tails = ((1 - INTERVAL_LEVEL) / 2, (1 + INTERVAL_LEVEL) / 2)
    draws = None
    rows = []
    for column, source in zip(design.columns, design.source, strict=True):
        row: dict[str, Any] = {"column": column, "covariate": source}
        if source in design.reference:
            row["level"] = column[len(source) + 1:-1]
            row["reference"] = design.reference[source]
            levels = {str(v): v for v in design.levels[source]}
            row["level"] = levels.get(row["level"], row["level"])
        else:
            row["level"] = row["reference"] = None
        i = _position(model, "purchase", column)
        if i is None:
            row |= {"purchase": 1.0, "purchase_low": 1.0, "purchase_high": 1.0,
                    "purchase_p": np.nan}
        else:
            row |= {"purchase": np.exp(theta[i]), "purchase_low": np.exp(theta[i] - z * se[i]),
                    "purchase_high": np.exp(theta[i] + z * se[i]),
                    "purchase_p": 2 * norm.sf(abs(theta[i] / se[i]))}
        if model.name == "paretonbd":
            i = _position(model, "dropout", column)
            if i is None:
                row |= {"dropout": 1.0, "dropout_low": 1.0, "dropout_high": 1.0,
                        "dropout_p": np.nan}
            else:
                row |= {"dropout": np.exp(theta[i]),
                        "dropout_low": np.exp(theta[i] - z * se[i]),
                        "dropout_high": np.exp(theta[i] + z * se[i]),
                        "dropout_p": 2 * norm.sf(abs(theta[i] / se[i]))}
        else:
            ia, ib = _position(model, "dropout_a", column), _position(model, "dropout_b", column)
            if draws is None:
                draws = np.random.default_rng(seed).multivariate_normal(theta, cov, size=DRAWS,
                                                                       method="eigh")

            def ratio(th: np.ndarray, ia: int | None = ia, ib: int | None = ib) -> np.ndarray:
                th = np.atleast_2d(th)
                a, b = np.exp(th[:, 2]), np.exp(th[:, 3])
                ga = th[:, ia] if ia is not None else 0.0
                gb = th[:, ib] if ib is not None else 0.0
                return np.exp(ga) * (a + b) / (a * np.exp(ga) + b * np.exp(gb))

            low, high = np.quantile(ratio(draws), tails)
            used = [k for k in (ia, ib) if k is not None]
            if used:  # the joint Wald test of the a and b coefficients
                block = cov[np.ix_(used, used)]
                stat = float(theta[used] @ np.linalg.solve(block, theta[used]))
                p = float(chi2.sf(stat, len(used)))
            else:
                p = np.nan
            row |= {"dropout": float(ratio(theta)[0]), "dropout_low": float(low),
                    "dropout_high": float(high), "dropout_p": p}
        rows.append(row)
    return pd.DataFrame(rows)


# -- a new customer's value by profile ---------------------------------------------------------


def _profiles(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """The profiles of ``frame``'s customers (the most common first) and the numeric
    covariates held at their median."""
    values = frame.copy()
    held: dict[str, float] = {}
    for col in values.columns:
        series = values[col]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if numeric and series.nunique() > PROFILE_LEVELS:
            held[col] = float(series.median())
            values[col] = held[col]
    counts = values.groupby(list(values.columns), dropna=False).size()
    counts = counts.sort_values(ascending=False, kind="stable").head(MAX_PROFILES)
    table = counts.rename("customers").reset_index()
    return table, held


def _is_binary(series: pd.Series) -> bool:
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return bool(numeric and set(series.unique().tolist()) == {0, 1})


def new_customer_value(
    model: CovariateTransactionModel,
    profiles: pd.DataFrame,
    valuation: ValueSettings,
    spend_per_purchase: float,
) -> pd.DataFrame:
    """The CLV of a customer who has just made a first purchase, for each profile.

    Month by month over the horizon, the profile's expected repeat purchases in that month
    (:meth:`CovariateTransactionModel.expected_purchases_new`) times the spend per purchase,
    discounted to the first purchase at the end of the month, as
    :class:`growthkit.clv.value.ValueSettings` values existing customers.

    Parameters
    ----------
    model : CovariateTransactionModel
    profiles : pandas.DataFrame
        One row per profile: a column per covariate of ``model`` (others are kept as they are).
    valuation : ValueSettings
        Horizon, discount rate, gross margin and time unit.
    spend_per_purchase : float
        Expected spend per purchase of a new customer (the spend model's population mean).

    Returns
    -------
    pandas.DataFrame
        ``profiles`` with ``expected_purchases`` (repeat purchases within the horizon),
        ``clv_revenue`` (their discounted revenue), ``first_purchase`` (the spend per
        purchase), ``clv_with_first`` (the two added) and ``cac_ceiling`` (that times the
        gross margin: the most an acquisition may cost to pay back within the horizon).
    """
    months = np.arange(valuation.horizon_months + 1) * valuation.units_per_month
    discount = valuation.monthly_discount
    out = profiles.copy()
    purchases, revenue = [], []
    names = list(model.design.covariates) if model.design is not None else []
    for _, row in profiles.iterrows():
        profile = {c: (row[c].item() if isinstance(row[c], np.generic) else row[c])
                   for c in names}
        cumulative = model.expected_purchases_new(months, covariates=profile or None)
        purchases.append(float(cumulative[-1]))
        revenue.append(float(np.diff(cumulative) @ discount) * spend_per_purchase)
    out["expected_purchases"] = purchases
    out["clv_revenue"] = revenue
    out["first_purchase"] = spend_per_purchase
    out["clv_with_first"] = out["clv_revenue"] + spend_per_purchase
    out["cac_ceiling"] = out["clv_with_first"] * valuation.gross_margin
    return out


# -- the section's numbers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drivers:
    """What drives value, computed once by :func:`explain_value`.

    Attributes
    ----------
    covariates : tuple of str
        Every covariate asked for.
    model : CovariateTransactionModel
        The report's transaction model with every covariate on both processes, fitted on all
        orders up to the observation end.
    calibration_model : CovariateTransactionModel or None
        The same, fitted on the calibration period (None without a holdout).
    test, calibration_test : LikelihoodRatioTest or None
        Each against the plain model fitted on the same customers.
    effects : pandas.DataFrame
        :func:`effects` of ``model``.
    holdout_mae : dict or None
        Holdout error per customer: ``without`` covariates, ``with`` all, ``kept`` (with the
        kept ones, when some but not all are kept) and ``alone`` (each covariate alone, by
        name); None without a holdout.
    kept : tuple of str
        The covariates that lowered the holdout error alone (all of them without a holdout).
    profile_model : CovariateTransactionModel
        The model the new-customer values come from: with the kept covariates (with every
        covariate when none was kept).
    new_customers : pandas.DataFrame
        :func:`new_customer_value` for the most common profiles of the kept covariates.
    held : dict
        Numeric covariates held at their median in the profiles.
    binary : tuple of str
        Numeric covariates whose values are 0 and 1 (read as a yes/no).
    notes : tuple of Note
    """

    covariates: tuple[str, ...]
    model: CovariateTransactionModel
    calibration_model: CovariateTransactionModel | None
    test: LikelihoodRatioTest
    calibration_test: LikelihoodRatioTest | None
    effects: pd.DataFrame
    holdout_mae: dict[str, Any] | None
    kept: tuple[str, ...]
    profile_model: CovariateTransactionModel
    new_customers: pd.DataFrame
    held: dict[str, float]
    binary: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()


def explain_value(
    *,
    covariates: pd.DataFrame,
    current: pd.DataFrame,
    model: Any,
    rfm: pd.DataFrame | None,
    calibration_model: Any | None,
    spend_per_purchase: float,
    valuation: ValueSettings,
    seed: int = 0,
) -> Drivers:
    """Fit the covariate models, test them and value a new customer by profile.

    Parameters
    ----------
    covariates : pandas.DataFrame
        One row per customer of ``current`` (:func:`customer_covariates`).
    current : pandas.DataFrame
        The RFM summary up to the observation end.
    model : TransactionModel
        The report's plain model fitted on ``current`` (its ``name`` picks the covariate model).
    rfm : pandas.DataFrame or None
        The calibration summary with holdout columns (None without a holdout).
    calibration_model : TransactionModel or None
        The plain model fitted on ``rfm``.
    spend_per_purchase : float
        A new customer's expected spend per purchase.
    valuation : ValueSettings
    seed : int
        Seed of the dropout intervals' draws.

    Returns
    -------
    Drivers
    """
    names = tuple(map(str, covariates.columns))
    unit = valuation.time_unit
    notes = scale_notes(covariates)

    def fitted(summary: pd.DataFrame, cols: Sequence[str]) -> CovariateTransactionModel:
        with warnings.catch_warnings():  # the caveat is a note (covariate_scale)
            warnings.simplefilter("ignore", CovariateScaleWarning)
            return fit_covariates(summary, model.name, covariates[list(cols)], time_unit=unit)

    full = fitted(current, names)
    cal_full = cal_test = mae = None
    kept = names
    if rfm is not None and calibration_model is not None:
        cal_full = fitted(rfm, names)
        cal_test = cal_full.likelihood_ratio_test(calibration_model)
        mae = {"without": validate_holdout(calibration_model, rfm).mae,
               "with": validate_holdout(cal_full, rfm).mae, "alone": {}}
        for c in names:
            alone = cal_full if len(names) == 1 else fitted(rfm, [c])
            mae["alone"][c] = validate_holdout(alone, rfm).mae
        kept = tuple(c for c in names if mae["alone"][c] < mae["without"])
        if kept and kept != names:
            mae["kept"] = validate_holdout(fitted(rfm, kept), rfm).mae
        if not kept:
            notes.append(Note("drivers_none_help", NONE_HELP_NOTE))
    else:
        notes.append(Note("drivers_no_holdout", NO_HOLDOUT_NOTE))
    profile_model = full if not kept or kept == names else fitted(current, kept)
    shown = list(profile_model.design.covariates)
    profiles, held = _profiles(covariates[shown])
    return Drivers(
        covariates=names,
        model=full,
        calibration_model=cal_full,
        test=full.likelihood_ratio_test(model),
        calibration_test=cal_test,
        effects=effects(full, seed),
        holdout_mae=mae,
        kept=kept,
        profile_model=profile_model,
        new_customers=new_customer_value(profile_model, profiles, valuation, spend_per_purchase),
        held=held,
        binary=tuple(c for c in names if _is_binary(covariates[c])),
        notes=tuple(notes),
    )


# -- JSON ----------------------------------------------------------------------------------------

#: The columns of each coefficient in the JSON.
COEFFICIENT_KEYS = ("covariate", "process", "estimate", "std_error", "p_value", "multiplier",
                    "multiplier_low", "multiplier_high")


def _test_dict(test: LikelihoodRatioTest | None) -> dict[str, Any] | None:
    if test is None:
        return None
    return {"statistic": test.statistic, "df": test.df, "p_value": test.p_value}


def drivers_metrics(drivers: Drivers, metrics: dict[str, Any]) -> dict[str, Any]:
    """Add the section's keys to the report's JSON ``metrics`` (in place; also returned).

    ``transaction_model`` and ``calibration_model`` gain ``coefficients`` (each with
    ``covariate``, ``process``, ``estimate``, ``std_error``, ``p_value``, ``multiplier`` and
    its interval) and ``likelihood_ratio_test`` (``statistic``, ``df``, ``p_value``);
    ``new_customer_value`` lists the profiles (their covariates, ``customers``,
    ``expected_purchases``, ``clv_revenue``, ``first_purchase``, ``clv_with_first``,
    ``cac_ceiling``); ``drivers`` holds ``covariates``, ``kept``, ``holdout_mae``, ``effects``
    and ``held``.
    """
    pairs = (("transaction_model", drivers.model, drivers.test),
             ("calibration_model", drivers.calibration_model, drivers.calibration_test))
    for key, fitted, test in pairs:
        if fitted is None or key not in metrics:
            continue
        metrics[key]["coefficients"] = records(fitted.coefficients[list(COEFFICIENT_KEYS)])
        metrics[key]["likelihood_ratio_test"] = _test_dict(test)
    metrics["new_customer_value"] = records(drivers.new_customers)
    metrics["drivers"] = {
        "covariates": list(drivers.covariates),
        "kept": list(drivers.kept),
        "holdout_mae": drivers.holdout_mae,
        "effects": records(drivers.effects),
        "held_at_median": drivers.held,
        "first_purchase_counted": True,
        "interval_level": INTERVAL_LEVEL,
    }
    return metrics
