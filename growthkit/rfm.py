"""Recency-frequency-monetary summaries, the one-row-per-customer input of the BTYD models.

The aggregation runs in the engine (DuckDB by default) through Ibis; only the per-customer result
comes back as pandas.
"""

from __future__ import annotations

import datetime as _dt

import ibis
import pandas as pd

from growthkit.data import Orders, Source, as_date, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.units import TIME_UNITS
from growthkit.validation import check_option

__all__ = ["TIME_UNITS", "rfm_summary"]


@ibis.udf.agg.builtin(name="arg_min")
def _duckdb_arg_min(arg: float, key: _dt.date) -> float:  # type: ignore[empty-body]
    """DuckDB's ``arg_min``: ``arg`` on the row with the smallest ``key``."""


def _first_spend(amount: ibis.ir.FloatingColumn, day: ibis.ir.DateColumn) -> ibis.ir.Scalar:
    """The spend of a customer's first purchase day (the days of a customer are distinct).

    Ibis translates ``argmin`` for DuckDB as ``first(amount ORDER BY day)``, an ordered
    aggregate that sorts within every customer; DuckDB's own ``arg_min`` gives the same value
    without the sort. Other backends get Ibis's ``argmin``.
    """
    if ibis.get_backend(amount).name == "duckdb":
        return _duckdb_arg_min(amount, day)
    return amount.argmin(day)


def rfm_summary(
    source: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    time_unit: str = "days",
    observation_end: str | _dt.date | None = None,
    calibration_end: str | _dt.date | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Summarise orders to frequency, recency, T and monetary value per customer.

    Orders are grouped by calendar day: several orders on one day are one purchase, and their
    amounts are summed. Time is measured from each customer's first purchase day. Refunds
    (negative amounts) net against the purchases of their day; a day of refunds only is not a
    purchase. Orders of amount 0 are purchases.

    Parameters
    ----------
    source : DataFrame, str, path, ibis.Table or Orders
        Orders, one row per order; any source :func:`growthkit.data.load` accepts, or
        :class:`growthkit.data.Orders` validated already (then the column and time-zone
        arguments are taken from it and the raw data are not scanned again).
    customer_col, date_col : str
        The columns holding the customer and the order date or timestamp.
    amount_col : str, optional
        The column holding the order value. Without it there are no monetary columns.
    time_unit : {"days", "weeks", "months"}
        Unit of ``recency``, ``T`` and ``duration_holdout``: days, fractional weeks (days/7) or
        fractional months (days/(365.25/12)).
    observation_end : date-like, optional
        Orders after this day are ignored. Defaults to the last order's day.
    calibration_end : date-like, optional
        End of the calibration period, inclusive. The summary then covers the calibration period
        only, leaves out customers first seen after it, and adds the holdout columns.
    timezone : str, default "UTC"
        Time zone that timestamps with an offset are converted to before taking their day.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (named ``customer_col``), float columns ``frequency`` (purchase days
        after the first), ``recency`` (first to last purchase day), ``T`` (first purchase day to
        the end of the period) and, with ``amount_col``, ``monetary_value`` (mean spend of the
        repeat purchase days, 0 without repeats). With ``calibration_end``, also
        ``frequency_holdout``, ``monetary_value_holdout`` (mean spend of the holdout purchase
        days) and ``duration_holdout``.

    Notes
    -----
    The result equals lifetimes' ``summary_data_from_transaction_data(freq="D",
    freq_multiplier=k)`` and ``calibration_and_holdout_data``, with one deliberate difference:
    lifetimes averages ``monetary_value_holdout`` over raw orders, while growthkit averages it
    over purchase days, as it does for ``monetary_value``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
    customer base analysis. Journal of Marketing Research, 42(4), 415-430.
    """
    check_option("time_unit", time_unit, list(TIME_UNITS))
    days_per_unit = TIME_UNITS[time_unit]
    valid = validate_orders(source, customer_col, date_col, amount_col, timezone, quality=False)
    t, customer_col = valid.table, valid.customer_col
    if valid.amount_col is None:
        amount_col = None
    elif amount_col is None and isinstance(source, Orders):
        amount_col = valid.amount_col

    obs_end = as_date(observation_end, "observation_end") or valid.last_day
    cal_end = as_date(calibration_end, "calibration_end")
    if cal_end is not None and cal_end >= obs_end:
        raise GrowthkitError(
            f"calibration_end={cal_end.isoformat()} must be before observation_end "
            f"({obs_end.isoformat()}); expected a holdout period after calibration"
        )
    period_end = cal_end or obs_end

    # Filters that would keep every row are left out of the query: they cost a comparison each.
    daily = t.filter(t.order_date <= ibis.literal(obs_end)) if obs_end < valid.last_day else t
    if amount_col is not None and valid.quality.refunds:
        # A purchase day has at least one order that is not a refund; refunds net within it.
        daily = daily.group_by(["customer_id", "order_date"]).aggregate(
            amount=daily.amount.sum(), purchases=(daily.amount >= 0).sum()
        )
        daily = daily.filter(daily.purchases > 0).drop("purchases")
    elif amount_col is not None:
        daily = daily.group_by(["customer_id", "order_date"]).aggregate(amount=daily.amount.sum())
    else:
        daily = daily.group_by(["customer_id", "order_date"]).aggregate()
    calib = daily.filter(daily.order_date <= ibis.literal(period_end)) if cal_end else daily
    first_day = calib.order_date.min()
    aggs: dict[str, ibis.Value] = {
        "days": calib.count(),
        "recency_days": calib.order_date.max().delta(first_day, unit="day"),
        "T_days": ibis.literal(period_end).delta(first_day, unit="day"),
    }
    if amount_col is not None:
        # Repeat spend = all spend less the first day's, without a window over the days.
        aggs["spend"] = calib.amount.sum()
        aggs["first_spend"] = _first_spend(calib.amount, calib.order_date)
    per_customer = calib.group_by("customer_id").aggregate(**aggs)

    if cal_end is not None:
        hold = daily.filter(daily.order_date > ibis.literal(cal_end))
        hold_aggs = {"frequency_holdout": hold.count()}
        if amount_col is not None:
            hold_aggs["monetary_value_holdout"] = hold.amount.mean()
        hold = hold.group_by("customer_id").aggregate(**hold_aggs)
        per_customer = per_customer.left_join(hold, "customer_id").drop("customer_id_right")

    with step("summarised orders per customer") as progress:
        df = per_customer.to_pyarrow().to_pandas().set_index("customer_id").sort_index()
        progress["detail"] = f"{len(df):,} customers"
    if df.empty:
        raise GrowthkitError(
            f"no customers have a first order on or before {period_end.isoformat()}; "
            "expected calibration_end/observation_end within the orders' dates"
        )
    out = pd.DataFrame(index=df.index)
    out["frequency"] = (df["days"] - 1).astype("float64")
    out["recency"] = df["recency_days"].astype("float64") / days_per_unit
    out["T"] = df["T_days"].astype("float64") / days_per_unit
    if amount_col is not None:
        repeats = out["frequency"].where(out["frequency"] > 0)
        repeat_spend = df["spend"].astype("float64") - df["first_spend"].astype("float64")
        out["monetary_value"] = (repeat_spend / repeats).fillna(0.0)
    if cal_end is not None:
        out["frequency_holdout"] = df["frequency_holdout"].fillna(0).astype("float64")
        if amount_col is not None:
            holdout_spend = df["monetary_value_holdout"].astype("float64")
            out["monetary_value_holdout"] = holdout_spend.fillna(0.0)
        out["duration_holdout"] = float((obs_end - cal_end).days) / days_per_unit
    out.index.name = customer_col
    return out
