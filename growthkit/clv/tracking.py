"""Cumulative repeat purchases over calendar time: what happened against what the model expects.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284 (Figure 3).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from growthkit.clv.base import TransactionModel
from growthkit.data import Orders, as_date
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.units import TIME_UNITS, check_time_unit
from growthkit.validation import require_columns

__all__ = ["tracking_data"]


def tracking_data(
    model: TransactionModel,
    orders: Orders | ibis.Table,
    *,
    time_unit: str,
    calibration_end: object = None,
    observation_end: object = None,
    period_days: int = 7,
) -> pd.DataFrame:
    """Cumulative repeat purchases of the model's cohort, actual and expected, per period.

    The cohort is every customer first seen by ``calibration_end`` (or ``observation_end``).
    The engine reduces the orders to purchase days per customer and counts, per calendar day,
    first purchases and repeat purchases, in one query; only those daily counts come back to
    pandas. The expected cumulative count on day D is Σ over first-purchase days c of
    n_c · E[X(D - c)], the model's unconditional expectation.

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    orders : Orders or ibis.Table
        Validated orders (:func:`growthkit.data.validate_orders`, whose last day is known
        without a query), or their table: ``customer_id`` and ``order_date``.
    time_unit : {"days", "weeks", "months"}
        The unit the model was fitted in.
    calibration_end, observation_end : date-like, optional
        The end of the cohort's acquisition and of the data (default: the last order day).
    period_days : int, default 7
        Length of a period in the output, in days.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_end`` (date): ``actual`` and ``predicted`` cumulative repeat
        purchases, and ``actual_in_period`` and ``predicted_in_period``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """
    table = orders.table if isinstance(orders, Orders) else orders
    require_columns(table.columns, ["customer_id", "order_date"], where="the orders")
    check_time_unit(time_unit)
    obs_end = as_date(observation_end, "observation_end")
    if obs_end is None:
        obs_end = (
            orders.last_day
            if isinstance(orders, Orders)
            else pd.Timestamp(table.order_date.max().execute()).date()
        )
    cohort_end = as_date(calibration_end, "calibration_end") or obs_end

    days = table.filter(table.order_date <= ibis.literal(obs_end))
    days = days.select("customer_id", "order_date").distinct()
    first = days.group_by("customer_id").aggregate(first_day=days.order_date.min())
    first = first.filter(first.first_day <= ibis.literal(cohort_end))
    joined = days.join(first, "customer_id")
    repeats = joined.filter(joined.order_date > joined.first_day)
    # New customers per first-purchase day and repeat purchases per day, in one query.
    new = first.group_by("first_day").aggregate(n=first.count())
    new = new.select(day=new.first_day, repeat=ibis.literal(False), n=new.n)
    bought = repeats.group_by("order_date").aggregate(n=repeats.count())
    bought = bought.select(day=bought.order_date, repeat=ibis.literal(True), n=bought.n)
    with step("counted purchases per day") as progress:
        counts = new.union(bought).execute()
        cohorts, daily = counts[~counts["repeat"]], counts[counts["repeat"]]
        progress["detail"] = (
            f"{len(cohorts):,} days with first purchases, {len(daily):,} with repeat purchases"
        )
    if cohorts.empty:
        raise GrowthkitError(
            f"no customers have a first order on or before {cohort_end.isoformat()}; expected "
            "calibration_end within the orders' dates"
        )

    start = pd.Timestamp(cohorts["day"].min())
    calendar = pd.date_range(start, pd.Timestamp(obs_end), freq="D")
    n = len(calendar)
    new_per_day = np.zeros(n)
    new_per_day[(pd.to_datetime(cohorts["day"]) - start).dt.days.to_numpy()] = cohorts["n"]
    bought_per_day = np.zeros(n)
    bought_per_day[(pd.to_datetime(daily["day"]) - start).dt.days.to_numpy()] = daily["n"]
    expected = model.expected_purchases_new(np.arange(n) / TIME_UNITS[time_unit])
    predicted = np.convolve(new_per_day, expected)[:n]

    ends = np.unique(np.append(np.arange(period_days - 1, n, period_days), n - 1))
    out = pd.DataFrame(
        {"actual": np.cumsum(bought_per_day)[ends], "predicted": predicted[ends]},
        index=pd.Index(calendar[ends], name="period_end"),
    )
    out["actual_in_period"] = out["actual"].diff().fillna(out["actual"].iloc[0])
    out["predicted_in_period"] = out["predicted"].diff().fillna(out["predicted"].iloc[0])
    return out
