"""Retention from the charges: survival counts per plan and acquisition cohort, sBG fits, and
revenue per acquisition cohort (for the CAC payback).

A customer's lifetime, for the retention model, is their first unbroken run of paid months:
from the first paid month (the acquisition month) to the first month without payment. A
customer who later returns is a reactivation in the MRR movements, but the sBG model, like the
contract it describes, counts them as churned. Customers already paying in the first month of
data joined at an unknown time (they are survivors of an unseen past), so they are left out.

The counts come from the movement query (:func:`growthkit.subscriptions.mrr.movement_cube`);
nothing here queries the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.notes import Note
from growthkit.subscriptions.messages import sbg_not_fitted
from growthkit.subscriptions.mrr import MonthRange, month_label
from growthkit.subscriptions.sbg import SBGModel, fit_sbg

__all__ = [
    "ALL",
    "SBGFit",
    "cohort_revenue",
    "fit_groups",
    "observed_survival",
    "quarter_label",
    "survival_counts",
    "unfitted_note",
]

#: The group name of a fit over every customer.
ALL = "all customers"
#: Fewest starters a group needs for an sBG fit.
MIN_CUSTOMERS = 20
#: Fewest months since acquisition a group must be observed for an sBG fit.
MIN_MONTHS = 6


def quarter_label(key: int) -> str:
    """``"2024-Q1"`` for a month key."""
    year, month = divmod(int(key), 12)
    return f"{year:04d}-Q{month // 3 + 1}"


def survival_counts(cube: pd.DataFrame, months: MonthRange, by: str | None = None) -> dict:
    """Customers still paying at the start of each month since acquisition, per cohort.

    Parameters
    ----------
    cube : pandas.DataFrame
        :func:`growthkit.subscriptions.mrr.movement_cube`, trimmed to observed months.
    months : MonthRange
        The observed months.
    by : {None, "plan", "quarter"}
        Group the monthly cohorts by starting plan, by acquisition quarter, or not at all.

    Returns
    -------
    dict
        Group name -> list of cohorts, each the counts at periods 0, 1, ..., observed
        (``counts`` for :func:`growthkit.subscriptions.fit_sbg`), in cohort order.
    """
    runs = cube[cube["first_run"] & (cube["cohort"] > months.first)]
    if by == "plan":
        if "start_plan" not in runs:
            raise GrowthkitError("by='plan' needs the charges' plan column (plan_col)")
        group = runs["start_plan"].astype(str)
    elif by == "quarter":
        group = runs["cohort"].map(quarter_label)
    elif by is None:
        group = pd.Series(ALL, index=runs.index)
    else:
        raise GrowthkitError(f"by={by!r} is not a valid option; expected None, 'plan' or 'quarter'")
    n = runs.assign(group=group, period=runs["month"] - runs["cohort"])
    n = n.groupby(["group", "cohort", "period"])["customers"].sum()
    out: dict[str, list[list[int]]] = {}
    for (name, cohort), counts in n.groupby(level=[0, 1]):
        age = months.last - int(cohort)
        vector = counts.droplevel([0, 1]).reindex(range(age + 1), fill_value=0)
        out.setdefault(str(name), []).append([int(v) for v in vector])
    return dict(sorted(out.items()))


def observed_survival(cohorts: list[list[int]]) -> pd.DataFrame:
    """Pooled survival: at each period, the customers still paying over the starters of the
    cohorts observed that long (weighted by cohort size).

    Returns
    -------
    pandas.DataFrame
        ``period``, ``survival``, ``starters`` (of the cohorts observed at that period).
    """
    longest = max(len(c) for c in cohorts)
    alive = np.zeros(longest)
    starters = np.zeros(longest)
    for c in cohorts:
        alive[: len(c)] += c
        starters[: len(c)] += c[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        survival = np.where(starters > 0, alive / starters, np.nan)
    return pd.DataFrame({"period": np.arange(longest), "survival": survival,
                         "starters": starters.astype(int)})


@dataclass(frozen=True)
class SBGFit:
    """One group's sBG fit and its observed survival.

    Attributes
    ----------
    name : str
        The plan, the acquisition quarter or :data:`ALL`.
    model : SBGModel or None
        None when the group could not be fitted (see ``reason``).
    starters : int
        Customers acquired in the group's cohorts.
    observed : pandas.DataFrame
        :func:`observed_survival` of the group.
    reason : str or None
        Why there is no model: a code of
        :data:`growthkit.subscriptions.messages.SBG_REASONS` (``"too_few_customers"``,
        ``"too_few_months"``, ``"no_starters"``, ``"not_converged"``).
    detail : str
        The optimiser's message when the fit did not converge.
    """

    name: str
    model: SBGModel | None
    starters: int
    observed: pd.DataFrame
    reason: str | None = None
    detail: str = ""


def fit_groups(groups: dict[str, list[list[int]]]) -> list[SBGFit]:
    """Fit the sBG model to every group with enough data; say why for the others."""
    fits = []
    for name, cohorts in groups.items():
        starters = int(sum(c[0] for c in cohorts))
        observed = observed_survival(cohorts)
        model, reason, detail = None, None, ""
        if starters < MIN_CUSTOMERS:
            reason = "too_few_customers"
        elif len(observed) - 1 < MIN_MONTHS:
            reason = "too_few_months"
        else:
            try:
                model = fit_sbg(cohorts)
            except ConvergenceError as exc:
                reason, detail = "not_converged", str(exc)
        fits.append(SBGFit(name, model, starters, observed, reason, detail))
    return fits


def unfitted_note(fit: SBGFit, by_plan: bool) -> Note:
    """Why ``fit`` has no model, as ``Note("sbg_not_fitted", plan=..., reason=...)``.

    Parameters
    ----------
    fit : SBGFit
        A group without a model.
    by_plan : bool
        Whether the groups are plans (else the group is every customer).
    """
    months = max(len(fit.observed) - 1, 0)
    least = MIN_MONTHS if fit.reason == "too_few_months" else MIN_CUSTOMERS
    plan = fit.name if by_plan and fit.name != ALL else None
    return sbg_not_fitted(plan, fit.reason or "not_converged", starters=fit.starters,
                          months=months, least=least, detail=fit.detail)


def sbg_table(fits: list[SBGFit], discount_rate: float, level: float = 0.9) -> pd.DataFrame:
    """One row per group: parameters, projected survival at 12 and 24 months with intervals,
    the retention rate at month 12 and the discounted expected lifetime.

    Parameters
    ----------
    fits : list of SBGFit
    discount_rate : float
        Monthly discount rate for the expected lifetime.
    level : float, default 0.9
        Interval coverage.
    """
    rows = []
    for f in fits:
        row: dict[str, object] = {"group": f.name, "starters": f.starters}
        m = f.model
        if m is None:
            rows.append(row)
            continue
        s = m.survival([12, 24])
        low, high = (m.survival_interval([12, 24], level) if m.covariance is not None
                     else (np.full(2, math.nan), np.full(2, math.nan)))
        row |= {
            "alpha": m.alpha, "beta": m.beta, "log_likelihood": m.log_likelihood,
            "months_observed": m.periods,
            "survival_12": s[0], "survival_12_low": low[0], "survival_12_high": high[0],
            "survival_24": s[1], "survival_24_low": low[1], "survival_24_high": high[1],
            "retention_rate_12": m.retention_rate(12),
            "discounted_lifetime": m.discounted_lifetime(discount_rate),
            "mean_churn": m.mean_churn,
            "homogeneous": m.homogeneous,
        }
        rows.append(row)
    columns = ["group", "starters", "alpha", "beta", "log_likelihood", "months_observed",
               "survival_12", "survival_12_low", "survival_12_high", "survival_24",
               "survival_24_low", "survival_24_high", "retention_rate_12",
               "discounted_lifetime", "mean_churn", "homogeneous"]
    return pd.DataFrame(rows, columns=columns)


def cohort_revenue(cube: pd.DataFrame, months: MonthRange) -> pd.DataFrame:
    """Revenue per acquisition cohort and month since acquisition, every observed period.

    Returns
    -------
    pandas.DataFrame
        ``cohort`` (``"2024-01"``), ``period``, ``revenue`` (0 where nobody paid) and ``size``
        (customers acquired), for periods 0 to the last observed month; the cohort of the
        first month of data is left out (its customers joined earlier).
    """
    c = cube[cube["cohort"] > months.first]
    if c.empty:
        return pd.DataFrame({"cohort": [], "period": [], "revenue": [], "size": []})
    revenue = c.groupby(["cohort", "month"])["mrr"].sum()
    size = c[c["month"] == c["cohort"]].groupby("cohort")["customers"].sum()
    rows = []
    for cohort, n in size.items():
        periods = np.arange(months.last - int(cohort) + 1)
        r = revenue.loc[cohort].reindex(periods + int(cohort), fill_value=0.0).to_numpy()
        rows.append(pd.DataFrame({"cohort": month_label(int(cohort)), "period": periods,
                                  "revenue": r, "size": int(n)}))
    return pd.concat(rows, ignore_index=True)
