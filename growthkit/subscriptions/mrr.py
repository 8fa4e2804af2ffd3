"""MRR from charges, and its monthly movements (ChartMogul's categories), in the engine.

A customer's MRR in a calendar month is the sum of their charges in that month. A charge that
covers several months (an annual plan) is spread evenly over them when a months-covered column
is given: 2,000 for a year is 166.67 a month. Refunds (negative amounts) net against the same
customer's month; a month whose charges net to zero or less carries no MRR (that customer is
not paying that month).

Movements compare each paying customer's month with their previous one:

- **new**: the customer's first paid month in the data;
- **expansion** / **contraction**: more / less than last month, for a customer who paid last
  month;
- **churn**: last month's MRR of a customer who paid last month and pays nothing this month;
- **reactivation**: a customer who paid before, not last month, and pays this month.

start + new + expansion + reactivation − contraction − churn = end, every month.

Everything up to the per-month result runs in the engine through portable Ibis (``group_by``,
``aggregate``, window ``lag``/``lead``/``row_number``/``min``/``first``, a join on an
inequality for the months-covered spread), so the same expressions run on DuckDB, Spark or a
warehouse. What comes back is one row per month × acquisition month × starting plan, a few
thousand rows at most, never a charge or a customer-month.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from growthkit.data import Orders, Source, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.subscriptions.periods import (
    GRACE_DAYS,
    MAX_MONTHS_COVERED,
    NO_PLAN,
    month_end_snapshots,
    month_key,
    service_periods,
)

__all__ = [
    "EPSILON",
    "MAX_MONTHS_COVERED",
    "MOVEMENTS",
    "NO_PLAN",
    "MonthRange",
    "check_balance",
    "customer_months",
    "customer_months_expr",
    "month_key",
    "month_key_of",
    "month_label",
    "months_without_payers",
    "movement_cube",
    "movement_cube_expr",
    "mrr_movements",
    "observed_months",
]

#: A month whose charges net to less than this carries no MRR (float noise of netting).
EPSILON = 1e-6
#: The movement columns, in the order of the balance.
MOVEMENTS = ("start", "new", "expansion", "reactivation", "contraction", "churn", "end")
_COUNTS = {
    "customers_start": None,
    "new_customers": "new_n",
    "expansion_customers": "exp_n",
    "reactivated_customers": "react_n",
    "contraction_customers": "con_n",
    "churned_customers": None,
    "customers_end": "customers",
}


# ----------------------------------------------------------------------------- months


def month_label(key: int) -> str:
    """``"2024-01"`` for a month key."""
    year, month = divmod(int(key), 12)
    return f"{year:04d}-{month + 1:02d}"


def month_key_of(label: str) -> int:
    """The month key of ``"2024-01"``."""
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def month_name(key: int) -> str:
    """``"January 2024"`` for a month key."""
    year, month = divmod(int(key), 12)
    return f"{calendar.month_name[month + 1]} {year}"


@dataclass(frozen=True)
class MonthRange:
    """The calendar months the charges observe, and why the range ends where it does.

    Attributes
    ----------
    first, last : int
        First month with a charge, and the last complete month (month keys).
    last_day : datetime.date
        The last charge day.
    partial : int or None
        The month of the last charge day when it is left out because it was not over.
    monthly_data : bool
        Every paid charge is dated on the first of a month: the data are monthly, and the
        month of the last charge counts as complete.
    """

    first: int
    last: int
    last_day: _dt.date
    partial: int | None
    monthly_data: bool

    @property
    def months(self) -> int:
        """Complete months observed, the first included."""
        return self.last - self.first + 1


def observed_months(first_day: _dt.date, last_day: _dt.date, monthly_data: bool) -> MonthRange:
    """The months to report: from the first charge's month to the last complete month.

    A month is observed only if it ended on or before the last charge day: a month the data
    stop in the middle of would show every customer not yet billed in it as churned. Data
    whose charges are all dated on the first of a month (``YYYY-MM`` months) are monthly, and
    their last month counts as complete.

    Parameters
    ----------
    first_day, last_day : datetime.date
        First and last charge day.
    monthly_data : bool
        Whether every paid charge is dated on the first of its month.

    Returns
    -------
    MonthRange
    """
    last = month_key(last_day)
    month_end = calendar.monthrange(last_day.year, last_day.month)[1]
    partial = None
    if last_day.day != month_end and not monthly_data:
        partial, last = last, last - 1
    return MonthRange(month_key(first_day), last, last_day, partial, monthly_data)


# ----------------------------------------------------------------------------- customer-months


def customer_months_expr(
    orders: Orders,
    months_covered_col: str | None = None,
    plan_col: str | None = None,
    day: bool = False,
    *,
    period_end_col: str | None = None,
    grace_days: int = GRACE_DAYS,
) -> ibis.Table:
    """MRR per customer at each month end, from the charges' service periods
    (:mod:`growthkit.subscriptions.periods`), through the month of the last charge.

    Per customer and month: ``mrr``; ``plan`` with a plan column; ``bad`` (charges with an
    invalid period value) with a months-covered or period-end column; ``max_day`` (latest day
    of a charge in the month) with ``day``. Built once per report: the movement query and the
    plan migration both read it.
    """
    if orders.amount_col is None:
        raise GrowthkitError(
            "amount_col: none given; expected the column holding each charge's amount"
        )
    periods = service_periods(orders, period_end_col=period_end_col,
                              months_covered_col=months_covered_col, plan_col=plan_col,
                              grace_days=grace_days)
    check = months_covered_col is not None or period_end_col is not None
    return month_end_snapshots(periods, plan_col is not None, day, check)


def customer_months(
    orders: Orders, months_covered_col: str | None = None, plan_col: str | None = None,
    *, period_end_col: str | None = None, grace_days: int = GRACE_DAYS,
) -> ibis.Table:
    """MRR per customer and calendar month, as an unexecuted Ibis table.

    Parameters
    ----------
    orders : growthkit.data.Orders
        Validated charges (:func:`growthkit.data.validate_orders`, with the plan and
        months-covered columns in ``keep``).
    months_covered_col : str, optional
        Months each charge covers; the charge is spread evenly over them, starting with the
        month of its date. Without it every charge covers its own month.
    plan_col : str, optional
        The plan of each charge; a month's plan is the plan with the largest share of its
        charges (ties broken by the engine).

    Returns
    -------
    ibis.Table
        ``customer_id``, ``month`` (``year * 12 + month − 1``), ``mrr`` and, with
        ``plan_col``, ``plan``. Months whose charges net to zero are included (``mrr`` 0).
    """
    cm = customer_months_expr(orders, months_covered_col, plan_col,
                              period_end_col=period_end_col, grace_days=grace_days)
    return cm.drop("bad") if "bad" in cm.columns else cm


# ----------------------------------------------------------------------------- the cube


def movement_cube(
    cm: ibis.Table, through: int, plan: bool, cohorts: bool = True
) -> pd.DataFrame:
    """The one query behind movements, survival counts and cohort revenue, executed.

    See :func:`movement_cube_expr` for what it computes.

    Returns
    -------
    pandas.DataFrame
        One row per (month, cohort, start_plan, first_run): ``customers``, ``mrr``, ``new_n``,
        ``new_mrr``, ``react_n``, ``react_mrr``, ``exp_n``, ``exp_mrr``, ``con_n``,
        ``con_mrr``, ``churn_next_n`` and ``churn_next_mrr`` (paying this month and not the
        next), with ``bad`` and ``max_day`` when ``cm`` has them.
    """
    out = movement_cube_expr(cm, through, plan, cohorts).to_pyarrow().to_pandas()
    money = ["mrr", "new_mrr", "react_mrr", "exp_mrr", "con_mrr", "churn_next_mrr"]
    out[money] = out[money].astype("float64").fillna(0.0)
    counts = ["customers", "new_n", "react_n", "exp_n", "con_n", "churn_next_n"]
    counts += [c for c in ("bad", "max_day") if c in out]
    out[counts] = out[counts].fillna(0).astype("int64")
    if "first_run" in out:
        out["first_run"] = out["first_run"].astype(bool)
    return out


def movement_cube_expr(
    cm: ibis.Table, through: int, plan: bool, cohorts: bool = True
) -> ibis.Table:
    """The movement query as an unexecuted Ibis expression (portable: windows and groups).

    Paid customer-months (MRR above :data:`EPSILON`) through month ``through`` are compared
    with each customer's previous and next paid month (window ``lag``/``lead``), then grouped
    by month, acquisition month (``cohort``: the first paid month), starting plan and whether
    the month belongs to the customer's first unbroken run of payments (``first_run``).

    Parameters
    ----------
    cm : ibis.Table
        From :func:`customer_months` (or the private variant with the check columns).
    through : int
        Last month key to include.
    plan : bool
        Whether ``cm`` has a ``plan`` column.

    With ``cohorts=False`` the rows are per month only (no acquisition month, starting plan
    or first run), which is all the movements need.

    Returns
    -------
    ibis.Table
        The columns :func:`movement_cube` returns.
    """
    keep = (cm.mrr > EPSILON) & (cm.month <= through)
    if "bad" in cm.columns:
        # Rows with an invalid months-covered value pass every filter, so the check counts
        # them; the caller raises before any number is used.
        keep = keep | (cm.bad > 0)
    paid = cm.filter(keep)
    w = ibis.window(group_by="customer_id", order_by="month")
    cols = {
        "prev_m": paid.month.lag().over(w),
        "prev_x": paid.mrr.lag().over(w),
        "next_m": paid.month.lead().over(w),
    }
    if cohorts:
        cols["rn"] = ibis.row_number().over(w)
        cols["cohort"] = paid.month.min().over(ibis.window(group_by="customer_id"))
    if plan and cohorts:
        cols["start_plan"] = paid.plan.first().over(w)
    rows = paid.mutate(**cols)
    x = rows.mrr
    is_new = rows.prev_m.isnull()
    continuing = rows.prev_m == rows.month - 1
    is_react = rows.prev_m.notnull() & (rows.prev_m < rows.month - 1)
    diff = x - rows.prev_x
    up = continuing & (diff > EPSILON)
    down = continuing & (diff < -EPSILON)
    leaves = rows.next_m.isnull() | (rows.next_m > rows.month + 1)
    rows = rows.mutate(
        is_new=is_new, is_react=is_react, up=up.fill_null(False), down=down.fill_null(False),
        leaves=leaves, diff=diff.fill_null(0.0),
    )
    keys = ["month"]
    if cohorts:
        rows = rows.mutate(first_run=(rows.month - rows.cohort) == rows.rn)
        keys += ["cohort", *(["start_plan"] if plan else []), "first_run"]
    cube = rows.group_by(keys).aggregate(
        customers=rows.count(),
        mrr=rows.mrr.sum(),
        new_n=rows.is_new.sum(),
        new_mrr=rows.mrr.sum(where=rows.is_new),
        react_n=rows.is_react.sum(),
        react_mrr=rows.mrr.sum(where=rows.is_react),
        exp_n=rows.up.sum(),
        exp_mrr=rows.diff.sum(where=rows.up),
        con_n=rows.down.sum(),
        con_mrr=(-rows.diff).sum(where=rows.down),
        churn_next_n=rows.leaves.sum(),
        churn_next_mrr=rows.mrr.sum(where=rows.leaves),
        **({"bad": rows.bad.sum()} if "bad" in cm.columns else {}),
        **({"max_day": rows.max_day.max()} if "max_day" in cm.columns else {}),
    )
    return cube


def raise_on_bad_cover(
    cube: pd.DataFrame, orders: Orders, months_covered_col: str | None,
    period_end_col: str | None = None,
) -> None:
    """Raise, naming the column and one value, when a charge's period value is invalid."""
    if "bad" not in cube or int(cube["bad"].sum()) == 0:
        return
    n = int(cube["bad"].sum())
    t = orders.table
    if period_end_col is not None:
        end = t[period_end_col].cast("date")
        bad = end.notnull() & (end <= t.order_date)
        example = t.filter(bad).select(period_end_col).limit(1).execute()[period_end_col]
        if len(example):
            raise GrowthkitError(
                f"period_end_col {period_end_col!r} has a period end on or before its charge's "
                f"date, e.g. {str(example.iloc[0])!r}; expected the day after the last day the "
                "charge pays for (or at most ten years on)"
            )
    if months_covered_col is None:
        raise GrowthkitError(
            f"period_end_col {period_end_col!r} has {n:,} value(s) more than ten years after "
            "the charge's date; expected the day after the last day the charge pays for"
        )
    cover = t[months_covered_col]
    bad = (cover.isnull() & (t.amount >= 0)) | (cover < 1) | (cover > MAX_MONTHS_COVERED)
    if cover.type().is_floating():
        bad = bad | (cover.floor() != cover)
    example = t.filter(bad).select(months_covered_col).limit(1).execute()[months_covered_col]
    shown = example.iloc[0] if len(example) else None
    if shown is not None and hasattr(shown, "item"):
        shown = shown.item()
    raise GrowthkitError(
        f"months_covered_col {months_covered_col!r} has {n:,} value(s) that are not whole "
        f"numbers of months from 1 to {MAX_MONTHS_COVERED}, e.g. {shown!r}; expected 1 for a "
        "monthly charge, 12 for a yearly one"
    )


def month_range(
    cube: pd.DataFrame, orders: Orders, observation_end: _dt.date | None = None
) -> MonthRange:
    """The observed months, from the validation pass and the cube (no query).

    Whether the data are monthly matters only when the last charge is dated on the first of
    a month; the cube then carries ``max_day`` (see :func:`compute_cube`). With
    ``observation_end`` (the day the data were taken) the months are complete up to that day
    instead of the last charge day.
    """
    if observation_end is not None:
        return observed_months(orders.first_day, observation_end, False)
    monthly = "max_day" in cube and bool(len(cube)) and int(cube["max_day"].max()) == 1
    return observed_months(orders.first_day, orders.last_day, monthly)


# ----------------------------------------------------------------------------- movements


def movements_from_cube(cube: pd.DataFrame, months: MonthRange) -> tuple[pd.DataFrame, dict]:
    """The movements table from the cube: one row per month from the second observed month.

    Returns
    -------
    (pandas.DataFrame, dict)
        The movements (see :func:`mrr_movements`) and the first month's ``month``, ``mrr`` and
        ``customers`` (its opening balance is unknown, so it has no movements).
    """
    keys = pd.RangeIndex(months.first, months.last + 1, name="key")
    sums = ["customers", "mrr", "new_n", "new_mrr", "react_n", "react_mrr", "exp_n", "exp_mrr",
            "con_n", "con_mrr", "churn_next_n", "churn_next_mrr"]
    by = cube.groupby("month")[sums].sum() if len(cube) else pd.DataFrame(columns=sums)
    by = by.reindex(keys, fill_value=0)
    out = pd.DataFrame(index=keys)
    out["month"] = [month_label(k) for k in keys]
    out["start"] = by["mrr"].shift(1)
    out["new"] = by["new_mrr"]
    out["expansion"] = by["exp_mrr"]
    out["reactivation"] = by["react_mrr"]
    out["contraction"] = by["con_mrr"]
    out["churn"] = by["churn_next_mrr"].shift(1)
    out["end"] = by["mrr"]
    for name, col in _COUNTS.items():
        if col is not None:
            out[name] = by[col].astype("int64")
    out["customers_start"] = by["customers"].shift(1)
    out["churned_customers"] = by["churn_next_n"].shift(1)
    first = {
        "month": month_label(months.first),
        "mrr": float(by["mrr"].iloc[0]),
        "customers": int(by["customers"].iloc[0]),
    }
    out = out.iloc[1:].copy()
    for col in ("customers_start", "churned_customers"):
        out[col] = out[col].astype("int64")
    out = out[["month", *MOVEMENTS, *_COUNTS]].reset_index(drop=True)
    check_balance(out)
    return out, first


def check_balance(movements: pd.DataFrame, rtol: float = 1e-9) -> None:
    """Assert start + new + expansion + reactivation − contraction − churn = end, every month.

    Raises
    ------
    RuntimeError
        Naming the first month that does not balance (a bug, never a data problem).
    """
    m = movements
    if not len(m):
        return
    computed = (m["start"] + m["new"] + m["expansion"] + m["reactivation"]
                - m["contraction"] - m["churn"])
    scale = np.maximum(1.0, m[["start", "end"]].abs().max(axis=1))
    off = (computed - m["end"]).abs() > rtol * scale + 1e-6
    if off.any():
        i = int(np.flatnonzero(off.to_numpy())[0])
        raise RuntimeError(
            f"MRR does not balance in {m['month'].iloc[i]}: start + movements = "
            f"{computed.iloc[i]!r}, end = {m['end'].iloc[i]!r}"
        )
    counts = (m["customers_start"] + m["new_customers"] + m["reactivated_customers"]
              - m["churned_customers"])
    if (counts != m["customers_end"]).any():
        i = int(np.flatnonzero((counts != m["customers_end"]).to_numpy())[0])
        raise RuntimeError(f"paying customers do not balance in {m['month'].iloc[i]}")


def mrr_movements(
    source: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    months_covered_col: str | None = None,
    timezone: str = "UTC",
    *,
    period_end_col: str | None = None,
    grace_days: int = GRACE_DAYS,
) -> pd.DataFrame:
    """MRR movements per month (ChartMogul's categories), computed in the engine.

    MRR at each month end comes from the service period each charge pays for
    (:mod:`growthkit.subscriptions.periods`): its own period end, its months covered, or the
    customer's billing interval inferred from their charges.

    Parameters
    ----------
    source : DataFrame, str, path, ibis.Table or Orders
        Charges, one row per charge: any source :func:`growthkit.data.load` accepts, or
        :class:`growthkit.data.Orders` validated already (with ``months_covered_col`` kept).
    customer_col, date_col, amount_col : str
        The columns holding the customer, the charge's date and its amount.
    months_covered_col : str, optional
        Months each charge covers (12 for a yearly plan); the charge is spread evenly over
        them. Without it (or ``period_end_col``) the billing interval is inferred.
    timezone : str, default "UTC"
        Time zone whose calendar months charges fall in.
    period_end_col : str, optional
        The date each charge's service period ends (exclusive).
    grace_days : int, default :data:`~growthkit.subscriptions.periods.GRACE_DAYS`
        A renewal this many days or fewer after its period ended continues it.

    Returns
    -------
    pandas.DataFrame
        One row per complete month from the second month of data (the first has no opening
        balance): ``month`` (``"2024-01"``), ``start``, ``new``, ``expansion``,
        ``reactivation``, ``contraction``, ``churn``, ``end`` and the customer counts
        ``customers_start``, ``new_customers``, ``expansion_customers``,
        ``reactivated_customers``, ``contraction_customers``, ``churned_customers``,
        ``customers_end``. A month the data stop in the middle of is left out (see
        :func:`observed_months`).

    Raises
    ------
    GrowthkitError
        For a missing column or a bad value (named), or fewer than two complete months.
    """
    keep = [c for c in (months_covered_col, period_end_col) if c]
    orders = validate_orders(source, customer_col, date_col, amount_col, timezone,
                             quality=False, keep=keep)
    cm = customer_months_expr(orders, months_covered_col, None, orders.last_day.day == 1,
                              period_end_col=period_end_col, grace_days=grace_days)
    cube, months = compute_cube(orders, months_covered_col, None, cohorts=False, cm=cm,
                                period_end_col=period_end_col)
    movements, _ = movements_from_cube(cube, months)
    return movements


def compute_cube(
    orders: Orders, months_covered_col: str | None, plan_col: str | None, cohorts: bool = True,
    cm: ibis.Table | None = None, period_end_col: str | None = None,
    observation_end: _dt.date | None = None,
) -> tuple[pd.DataFrame, MonthRange]:
    """Run the movement query on validated charges; check it; find the observed months.

    ``cm`` is :func:`customer_months_expr` of the charges when the caller built it already
    (with ``day=orders.last_day.day == 1``). ``observation_end``: the day the data were taken
    (months ending on or before it are complete), the last charge day when None."""
    if orders.amount_col is None:
        raise GrowthkitError(
            "amount_col: none given; expected the column holding each charge's amount"
        )
    # A last charge on the 1st is the only case where monthly data and daily data that stop
    # on the 1st differ; only then does the query carry each month's latest charge day.
    if cm is None:
        cm = customer_months_expr(orders, months_covered_col, plan_col,
                                  day=orders.last_day.day == 1, period_end_col=period_end_col)
    with step("MRR movements per month") as progress:
        through = max(orders.last_day, observation_end or orders.last_day)
        cube = movement_cube(cm, month_key(through), plan_col is not None, cohorts)
        progress["detail"] = f"{orders.orders:,} charges"
    raise_on_bad_cover(cube, orders, months_covered_col, period_end_col)
    months = month_range(cube, orders, observation_end)
    if months.months < 2:
        kept = "no complete month" if months.months < 1 else "one complete month"
        raise GrowthkitError(
            f"date column {orders.date_col!r}: charges run from {orders.first_day} to "
            f"{orders.last_day}, {kept}; expected at least two complete calendar months (the "
            "first is the opening balance)"
        )
    if len(cube):
        cube = cube[cube["month"] <= months.last].reset_index(drop=True)
    return cube, months


def months_without_payers(movements: pd.DataFrame) -> list[str]:
    """Months in the movements with no paying customer at all (every payer reads as churned)."""
    return movements.loc[movements["customers_end"] == 0, "month"].tolist()
