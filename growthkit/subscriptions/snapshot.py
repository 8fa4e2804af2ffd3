"""A customer snapshot (one row per customer: tenure, churned, plan, monthly charge): retention
by plan from censored lifetimes, churn, lifetime value.

A common export holds no charge history, only each customer's tenure in months, whether they
have left, their contract or plan and their monthly charge (the widely used telecom churn data
set). MRR movements cannot be built from it; what it does identify is the sBG retention model
(:func:`growthkit.subscriptions.fit_sbg` with ``tenure``/``churned``: active customers are
right-censored, churned ones left in their last month), hence retention by plan with
intervals, the discounted expected lifetime and the DERL of an active customer, and with the
monthly charge ARPA and LTV by plan.

The table is grouped in the engine by (plan, tenure, churned) before anything is fetched: a
few hundred rows whatever the number of customers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from growthkit.data import load
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.progress import step
from growthkit.subscriptions.retention import ALL, MIN_CUSTOMERS, SBGFit
from growthkit.subscriptions.sbg import churn_flags, fit_sbg
from growthkit.validation import require_columns

__all__ = ["Snapshot", "snapshot_counts", "snapshot_fits", "snapshot_value"]


@dataclass(frozen=True)
class Snapshot:
    """The snapshot grouped: one row per (plan, tenure, churned).

    Attributes
    ----------
    counts : pandas.DataFrame
        ``plan``, ``tenure``, ``churned`` (bool), ``customers``, ``charges`` (the monthly
        charges summed).
    customers : int
    """

    counts: pd.DataFrame
    customers: int


def snapshot_counts(
    data: object, tenure_col: str, churned_col: str, plan_col: str | None, amount_col: str | None
) -> Snapshot:
    """Group the snapshot in the engine and check its columns.

    Raises
    ------
    GrowthkitError
        For a missing column, a tenure that is not a whole number of months ≥ 0, or a churn
        flag that is not yes/no, true/false or 1/0 (each named).
    """
    t = load(data)
    needed = [tenure_col, churned_col, *([plan_col] if plan_col else []),
              *([amount_col] if amount_col else [])]
    require_columns(t.columns, needed, where="data")
    if not t[tenure_col].type().is_numeric():
        raise GrowthkitError(
            f"tenure_col {tenure_col!r} has type {t[tenure_col].type()}; expected whole "
            "numbers of months each customer has paid"
        )
    plan = t[plan_col].cast("string").fill_null("(no plan)") if plan_col else ibis.literal(ALL)
    charge = t[amount_col].cast("float64") if amount_col else ibis.literal(0.0)
    rows = t.select(plan=plan, tenure=t[tenure_col].cast("float64"),
                    churned=t[churned_col].cast("string"), charge=charge)
    grouped = rows.group_by(["plan", "tenure", "churned"]).aggregate(
        customers=rows.count(), charges=rows.charge.sum())
    with step("snapshot per plan, tenure and churn") as progress:
        out = grouped.to_pyarrow().to_pandas()
        progress["detail"] = f"{int(out['customers'].sum()):,} customers"
    if out.empty:
        raise GrowthkitError("data has no rows; expected one row per customer")
    tenure = out["tenure"]
    bad = tenure.isna() | (tenure < 0) | (tenure != np.floor(tenure))
    if bad.any():
        raise GrowthkitError(
            f"tenure_col {tenure_col!r} holds {tenure[bad].iloc[0]!r}; expected whole numbers "
            "of months (≥ 0) each customer has paid"
        )
    try:
        out["churned"] = churn_flags(out["churned"].fillna(""))
    except GrowthkitError as exc:
        raise GrowthkitError(f"churned_col {churned_col!r}: {exc}") from None
    out["tenure"] = tenure.astype("int64")
    out["customers"] = out["customers"].astype("int64")
    out["charges"] = out["charges"].astype("float64").fillna(0.0)
    out = out.sort_values(["plan", "tenure", "churned"]).reset_index(drop=True)
    return Snapshot(out, int(out["customers"].sum()))


def _fit(name: str, rows: pd.DataFrame) -> SBGFit:
    tenure = np.repeat(rows["tenure"].to_numpy(), rows["customers"].to_numpy())
    churned = np.repeat(rows["churned"].to_numpy(), rows["customers"].to_numpy())
    starters = len(tenure)
    # Observed survival at each month: customers with tenure above t over those observed so
    # long (the life-table estimate), for the chart.
    longest = int(tenure.max()) if starters else 0
    ages = np.arange(longest + 1)
    at_risk = np.array([(tenure >= k).sum() for k in ages], dtype=float)
    gone = np.array([(churned & (np.maximum(tenure, 1) == k)).sum() for k in ages], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, gone / at_risk, 0.0)
    survival = np.cumprod(1 - hazard)
    observed = pd.DataFrame({"period": ages, "survival": survival,
                             "starters": at_risk.astype(int)})
    if starters < MIN_CUSTOMERS:
        return SBGFit(name, None, starters, observed, "too_few_customers")
    try:
        model = fit_sbg(tenure=tenure, churned=churned)
    except ConvergenceError as exc:
        return SBGFit(name, None, starters, observed, "not_converged", str(exc))
    return SBGFit(name, model, starters, observed)


def snapshot_fits(snap: Snapshot, by_plan: bool) -> tuple[list[SBGFit], SBGFit]:
    """The sBG fit per plan (one over everyone without a plan column) and over everyone."""
    c = snap.counts
    overall = _fit(ALL, c)
    if not by_plan:
        return [overall], overall
    return [_fit(str(plan), rows) for plan, rows in c.groupby("plan", sort=True)], overall


def snapshot_value(
    snap: Snapshot, fits: list[SBGFit], margin: float, cac: float | None,
    discount_rate: float,
) -> pd.DataFrame:
    """Per plan: customers, churned, monthly churn, ARPA, LTV (and LTV:CAC), expected
    discounted lifetime and the DERL of an active customer at the plan's median tenure.

    Monthly churn is churned customers over customer-months observed (the geometric MLE);
    ARPA the mean monthly charge of active customers; LTV = ARPA × margin / churn, as in the
    value section of the movements report.
    """
    c = snap.counts
    rows = []
    for fit in fits:
        part = c if fit.name == ALL else c[c["plan"] == fit.name]
        n = int(part["customers"].sum())
        gone = int(part.loc[part["churned"], "customers"].sum())
        months = float((np.maximum(part["tenure"], part["churned"].astype(int))
                        * part["customers"]).sum())
        active = part[~part["churned"]]
        arpa = (float(active["charges"].sum() / active["customers"].sum())
                if active["customers"].sum() else math.nan)
        churn = gone / months if months else math.nan
        ltv = arpa * margin / churn if churn and churn > 0 else math.nan
        m = fit.model
        median = int(np.repeat(active["tenure"], active["customers"]).median()) if len(
            active) else 0
        rows.append({
            "group": fit.name, "customers": n, "churned": gone, "active": n - gone,
            "churn": churn, "arpa": arpa, "ltv": ltv,
            "ltv_cac": ltv / cac if cac and math.isfinite(ltv) else math.nan,
            "discounted_lifetime": m.discounted_lifetime(discount_rate) if m else math.nan,
            "median_tenure_active": median,
            "derl_active": m.derl(discount_rate, median + 1) if m else math.nan,
        })
    return pd.DataFrame(rows)
