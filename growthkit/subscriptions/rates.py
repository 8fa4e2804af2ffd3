"""Churn, retention and value from the monthly MRR movements (small tables, no engine).

The definitions follow ``docs/REFERENCES.md`` ("Cohorts and subscription metrics"):

- logo churn = customers lost / customers paying at the start;
- gross revenue churn = (churn + contraction) / start MRR; net revenue churn subtracts
  expansion (ChartMogul: start 100, churn 10, contraction 10, expansion 10 → 20% and 10%);
- GRR = (start − contraction − churn) / start and NRR = (start + expansion − contraction −
  churn) / start, over customers paying at the start of the period (start 100k, expansion
  15k, contraction 5k, churn 8k → NRR 102%, GRR 87%);
- quick ratio = (new + expansion) / (contraction + churn) (Baremetrics: 20, 8, 5, 3 → 3.5);
- LTV = ARPA × gross margin / logo churn (ARPA 100, churn 5% → 2,000 before margin);
- CAC payback = the first period k in which the cumulative contribution per acquired
  customer (revenue × margin, divided by the cohort's size) reaches the CAC.

Reactivation comes from customers who were not paying at the start of the month, so it is
left out of NRR, net revenue churn and the quick ratio and shown on its own line;
``include_reactivation=True`` counts it as a gain in all three (never in GRR).
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.subscriptions.mrr import EPSILON

__all__ = [
    "RATE_COLUMNS",
    "cac_payback",
    "losses_by_plan",
    "ltv",
    "monthly_rates",
    "payback_curve",
    "period_rates",
    "quick_ratio",
    "retention_rates",
    "revenue_churn",
    "yearly_retention",
    "yearly_retention_expr",
]

#: Columns of :func:`monthly_rates`, after ``month``.
RATE_COLUMNS = (
    "logo_churn", "gross_revenue_churn", "net_revenue_churn", "reactivation_rate", "grr",
    "nrr", "quick_ratio", "arpa",
)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def revenue_churn(
    start: float,
    churn: float,
    contraction: float,
    expansion: float = 0.0,
    reactivation: float = 0.0,
    include_reactivation: bool = False,
) -> dict[str, float]:
    """Gross and net MRR churn over a period, as shares of the MRR at its start.

    Parameters
    ----------
    start : float
        MRR at the start of the period.
    churn, contraction, expansion, reactivation : float
        The period's movements (positive amounts).
    include_reactivation : bool, default False
        Count reactivation as a gain in net churn.

    Returns
    -------
    dict
        ``gross`` = (churn + contraction) / start, ``net`` = (churn + contraction − expansion
        [− reactivation]) / start; NaN when ``start`` is 0.
    """
    gains = expansion + (reactivation if include_reactivation else 0.0)
    return {
        "gross": _ratio(churn + contraction, start),
        "net": _ratio(churn + contraction - gains, start),
    }


def retention_rates(
    start: float,
    expansion: float,
    contraction: float,
    churn: float,
    reactivation: float = 0.0,
    include_reactivation: bool = False,
) -> dict[str, float]:
    """GRR and NRR over customers paying at the start of a period.

    Returns
    -------
    dict
        ``grr`` = (start − contraction − churn) / start; ``nrr`` = (start + expansion
        [+ reactivation] − contraction − churn) / start; NaN when ``start`` is 0.
    """
    gains = expansion + (reactivation if include_reactivation else 0.0)
    return {
        "grr": _ratio(start - contraction - churn, start),
        "nrr": _ratio(start + gains - contraction - churn, start),
    }


def quick_ratio(
    new: float,
    expansion: float,
    contraction: float,
    churn: float,
    reactivation: float = 0.0,
    include_reactivation: bool = False,
) -> float:
    """(new + expansion [+ reactivation]) / (contraction + churn); inf with no losses and
    some gains, NaN with neither."""
    gains = new + expansion + (reactivation if include_reactivation else 0.0)
    losses = contraction + churn
    if losses:
        return float(gains) / float(losses)
    return math.inf if gains else math.nan


def monthly_rates(movements: pd.DataFrame, include_reactivation: bool = False) -> pd.DataFrame:
    """Every rate, month by month, from :func:`growthkit.subscriptions.mrr_movements`.

    Returns
    -------
    pandas.DataFrame
        ``month`` and :data:`RATE_COLUMNS`: logo churn, gross and net revenue churn,
        reactivation as a share of the start MRR, GRR, NRR, quick ratio and ARPA (end MRR per
        paying customer). NaN where undefined (no MRR at the start).
    """
    rows = [period_rates(movements.iloc[[i]], include_reactivation)
            for i in range(len(movements))]
    out = pd.DataFrame(rows, columns=list(RATE_COLUMNS))
    out.insert(0, "month", movements["month"].to_numpy())
    return out


def period_rates(movements: pd.DataFrame, include_reactivation: bool = False) -> dict[str, float]:
    """The rates over several months, MRR-weighted: each month's movements over the sum of
    the months' starting MRR (and customers).

    Each month's movements concern the customers paying at that month's start, so the
    result stays a monthly rate over customers paying at the start, averaged with each month
    weighted by its starting MRR.

    Returns
    -------
    dict
        :data:`RATE_COLUMNS` as keys.
    """
    s = movements[["start", "new", "expansion", "reactivation", "contraction", "churn", "end",
                   "customers_start", "churned_customers", "customers_end"]].sum()
    churn = revenue_churn(s["start"], s["churn"], s["contraction"], s["expansion"],
                          s["reactivation"], include_reactivation)
    kept = retention_rates(s["start"], s["expansion"], s["contraction"], s["churn"],
                           s["reactivation"], include_reactivation)
    return {
        "logo_churn": _ratio(s["churned_customers"], s["customers_start"]),
        "gross_revenue_churn": churn["gross"],
        "net_revenue_churn": churn["net"],
        "reactivation_rate": _ratio(s["reactivation"], s["start"]),
        "grr": kept["grr"],
        "nrr": kept["nrr"],
        "quick_ratio": quick_ratio(s["new"], s["expansion"], s["contraction"], s["churn"],
                                   s["reactivation"], include_reactivation),
        "arpa": _ratio(s["end"], s["customers_end"]),
    }


def ltv(arpa: float, gross_margin: float, churn_rate: float) -> float:
    """Margin-adjusted lifetime value, ARPA × gross margin / churn rate.

    ARPA and churn must be for the same period (monthly here). NaN when the churn rate is 0
    (no customer lost: the formula has no finite answer).
    """
    if not 0 < gross_margin <= 1:
        raise GrowthkitError(
            f"gross_margin={gross_margin!r}: expected the share of revenue kept as profit, "
            "above 0 and at most 1"
        )
    if not churn_rate or not math.isfinite(churn_rate):
        return math.nan
    return float(arpa) * float(gross_margin) / float(churn_rate)


def payback_curve(cohort_revenue: pd.DataFrame, gross_margin: float) -> pd.DataFrame:
    """Cumulative contribution per acquired customer, by months since the first payment.

    Parameters
    ----------
    cohort_revenue : pandas.DataFrame
        ``cohort``, ``period`` (months since the cohort's first paid month), ``revenue`` and
        ``size`` (customers acquired in the cohort), for every period each cohort was observed.
    gross_margin : float

    Returns
    -------
    pandas.DataFrame
        ``period``, ``contribution`` (cumulative revenue × margin per acquired customer, over
        the cohorts observed through that period, weighted by cohort size) and ``cohorts``.
        Dividing by the cohort's size, never by survivors, keeps churned customers in.
    """
    if cohort_revenue.empty:
        return pd.DataFrame({"period": [], "contribution": [], "cohorts": []})
    r = cohort_revenue.sort_values(["cohort", "period"]).copy()
    r["cumulative"] = r.groupby("cohort")["revenue"].cumsum() * gross_margin
    by = r.groupby("period").agg(total=("cumulative", "sum"), size=("size", "sum"),
                                 cohorts=("cohort", "nunique"))
    out = pd.DataFrame({
        "period": by.index.to_numpy(),
        "contribution": (by["total"] / by["size"]).to_numpy(),
        "cohorts": by["cohorts"].to_numpy(),
    })
    return out


def cac_payback(curve: pd.DataFrame, cac: float) -> int | None:
    """The first period whose cumulative contribution per customer reaches ``cac``.

    Returns
    -------
    int or None
        Months since the first payment (period 0 is the first paid month); None when the
        CAC is not paid back within the periods observed.
    """
    if cac is None or not math.isfinite(cac) or cac < 0:
        raise GrowthkitError(f"cac={cac!r}: expected the cost of acquiring one customer, ≥ 0")
    hit = np.flatnonzero(curve["contribution"].to_numpy() >= cac)
    return int(curve["period"].iloc[hit[0]]) if len(hit) else None


def yearly_retention_expr(cm: ibis.Table, last: int) -> ibis.Table:
    """Trailing-12-month NRR and GRR at month ``last``, as an unexecuted Ibis expression.

    Over the customers paying at the end of month ``last − 12``: their MRR then (``base``),
    their MRR at the end of ``last`` (``now``: a customer who left and came back counts with
    what they pay now) and, for GRR, each customer's MRR now capped at their MRR then
    (``kept``: expansion left out).
    """
    t = cm.filter(cm.month.isin([last - 12, last]) & (cm.mrr > EPSILON))
    per = t.group_by("customer_id").aggregate(
        then=t.mrr.sum(where=t.month == last - 12), now=t.mrr.sum(where=t.month == last))
    per = per.filter(per.then.notnull())
    now = per.now.fill_null(0.0)
    kept = ibis.cases((now < per.then, now), else_=per.then)
    return per.aggregate(customers=per.count(), base=per.then.sum(), now=now.sum(),
                         kept=kept.sum())


def yearly_retention(cm: ibis.Table, last: int) -> dict[str, float]:
    """Trailing-12-month NRR and GRR at month ``last`` (see :func:`yearly_retention_expr`),
    executed: ``customers``, ``base``, ``now``, ``nrr`` (now / base), ``grr`` (kept / base);
    NaN when nobody paid twelve months before."""
    with step("trailing-12-month retention"):
        row = yearly_retention_expr(cm, last).to_pyarrow().to_pylist()[0]
    base = float(row["base"] or 0.0)
    return {
        "customers": int(row["customers"] or 0),
        "base": base,
        "now": float(row["now"] or 0.0),
        "nrr": _ratio(float(row["now"] or 0.0), base),
        "grr": _ratio(float(row["kept"] or 0.0), base),
    }


def losses_by_plan(cube: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """MRR lost to churn and contraction from month ``first`` to ``last``, by starting plan.

    From the movement cube (:func:`growthkit.subscriptions.mrr.movement_cube` with a plan):
    contraction in the months, and churn in them (``churn_next`` of the month before).

    Returns
    -------
    pandas.DataFrame
        ``plan``, ``churn``, ``contraction``, ``lost``, sorted by ``lost``, largest first.
    """
    if "start_plan" not in cube or cube.empty:
        return pd.DataFrame({"plan": [], "churn": [], "contraction": [], "lost": []})
    con = cube[cube["month"].between(first, last)].groupby("start_plan")["con_mrr"].sum()
    churn = cube[cube["month"].between(first - 1, last - 1)].groupby(
        "start_plan")["churn_next_mrr"].sum()
    out = pd.DataFrame({"churn": churn, "contraction": con}).fillna(0.0)
    out["lost"] = out["churn"] + out["contraction"]
    out = out.rename_axis("plan").reset_index().sort_values("lost", ascending=False)
    return out.reset_index(drop=True)
