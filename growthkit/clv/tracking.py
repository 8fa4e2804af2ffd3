"""Cumulative repeat purchases over calendar time: what happened against what the model expects.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284 (Figure 3).
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from growthkit._validation import _require_columns
from growthkit.clv._base import TransactionModel
from growthkit.errors import GrowthkitError
from growthkit.rfm import TIME_UNITS

__all__ = ["tracking_data"]


def _day(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise GrowthkitError(
            f"{name}={value!r} is not a date; expected e.g. '1997-09-30'"
        ) from None


def tracking_data(
    model: TransactionModel,
    orders: ibis.Table,
    *,
    time_unit: str,
    calibration_end: object = None,
    observation_end: object = None,
    period_days: int = 7,
) -> pd.DataFrame:
    """Cumulative repeat purchases of the model's cohort, actual and expected, per period.

    The cohort is every customer first seen by ``calibration_end`` (or ``observation_end``).
    The engine reduces the orders to purchase days per customer and counts, per calendar day,
    first purchases and repeat purchases; only those daily counts come back to pandas. The
    expected cumulative count on day D is Σ over first-purchase days c of
    n_c · E[X(D - c)], the model's unconditional expectation.

    Parameters
    ----------
    model : TransactionModel
        The fitted model.
    orders : ibis.Table
        Orders from :func:`growthkit.data.orders`: ``customer_id`` and ``order_date``.
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
    _require_columns(orders.columns, ["customer_id", "order_date"], where="the orders")
    if time_unit not in TIME_UNITS:
        raise GrowthkitError(f"time_unit={time_unit!r}; expected one of {', '.join(TIME_UNITS)}")
    obs_end = _day(observation_end, "observation_end")
    if obs_end is None:
        obs_end = pd.Timestamp(orders.order_date.max().execute()).date()
    cohort_end = _day(calibration_end, "calibration_end") or obs_end

    days = orders.filter(orders.order_date <= ibis.literal(obs_end))
    days = days.select("customer_id", "order_date").distinct()
    first = days.group_by("customer_id").aggregate(first_day=days.order_date.min())
    first = first.filter(first.first_day <= ibis.literal(cohort_end))
    cohorts = first.group_by("first_day").aggregate(customers=first.count()).execute()
    if cohorts.empty:
        raise GrowthkitError(
            f"no customers have a first order on or before {cohort_end.isoformat()}; expected "
            "calibration_end within the orders' dates"
        )
    joined = days.join(first, "customer_id")
    repeats = joined.filter(joined.order_date > joined.first_day)
    daily = repeats.group_by("order_date").aggregate(repeats=repeats.count()).execute()

    start = pd.Timestamp(cohorts["first_day"].min())
    calendar = pd.date_range(start, pd.Timestamp(obs_end), freq="D")
    n = len(calendar)
    new = np.zeros(n)
    new[(pd.to_datetime(cohorts["first_day"]) - start).dt.days.to_numpy()] = cohorts["customers"]
    bought = np.zeros(n)
    bought[(pd.to_datetime(daily["order_date"]) - start).dt.days.to_numpy()] = daily["repeats"]
    expected = model.expected_purchases_new(np.arange(n) / TIME_UNITS[time_unit])
    predicted = np.convolve(new, expected)[:n]

    ends = np.unique(np.append(np.arange(period_days - 1, n, period_days), n - 1))
    out = pd.DataFrame(
        {"actual": np.cumsum(bought)[ends], "predicted": predicted[ends]},
        index=pd.Index(calendar[ends], name="period_end"),
    )
    out["actual_in_period"] = out["actual"].diff().fillna(out["actual"].iloc[0])
    out["predicted_in_period"] = out["predicted"].diff().fillna(out["predicted"].iloc[0])
    return out
