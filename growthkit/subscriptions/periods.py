"""Service periods: what each charge pays for, and MRR at each month end, in the engine.

Each charge pays for a service period ``[date, end)``:

- from ``period_end_col`` when given (a date; ``end`` exclusive), else
- from ``months_covered_col`` (``date`` plus that many calendar months), else
- from the customer's billing interval, inferred from the gaps between their paid charges and
  snapped to a week, four weeks, 30 days, a month, a quarter or a year (:data:`RULES`; a
  customer with one paid charge, or gaps that fit no interval, is taken as monthly).

A period's MRR is its amount normalised to a month: over its calendar months when it spans a
whole number of them (a yearly 600 is 50), else over its days at 365.25 / 12 days a month (a
30-day 10 is 10.15, a 4-weekly 10 is 10.87), as ChartMogul and Stripe compute it. A customer's
MRR at a month end is the sum over the periods active on its last day; movements are the
differences of those snapshots (:mod:`growthkit.subscriptions.mrr`).

A renewal up to ``grace_days`` after the period it renews ended closes the gap, so a late
payment is not churn and comeback. A refund or credit (a negative amount) without a period of
its own reduces the customer's latest paid period from its date to that period's end, pro rata:
a refund of the unused part cancels the period from that day (churn in that month, nothing
comes back); a month whose net MRR is under :data:`REFUND_CANCELS` of its paid MRR counts as
cancelled (day counts of a pro-rata refund rarely match to the cent).

Everything runs as portable Ibis (windows, group-bys, equi-joins and one join on ``k < n`` with
a small table of month offsets); one row per customer and month end comes out, unexecuted.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np

from growthkit.data import Orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step

__all__ = [
    "DAYS_PER_MONTH",
    "GRACE_DAYS",
    "MAX_MONTHS_COVERED",
    "NO_PLAN",
    "REFUND_CANCELS",
    "RULES",
    "billing_rules",
    "billing_rules_expr",
    "customer_rules",
    "month_end_snapshots",
    "month_key",
    "service_periods",
]

#: Days in an average month (365.25 / 12): the normaliser of periods that are not whole months.
DAYS_PER_MONTH = 365.25 / 12
#: Days a renewal may come after the end of the period it renews and still continue it.
GRACE_DAYS = 7
#: A customer-month whose net MRR is under this share of its paid MRR counts as cancelled.
REFUND_CANCELS = 0.05
#: Largest number of months one charge may cover (ten years).
MAX_MONTHS_COVERED = 120
#: The plan of a customer-month whose charges have no plan.
NO_PLAN = "(no plan)"
#: How a period's length is found, per charge: each rule's (days, months) of one period.
RULES: dict[str, tuple[int, int]] = {
    "week": (7, 0),
    "four_weeks": (28, 0),
    "thirty_days": (30, 0),
    "month": (0, 1),
    "quarter": (0, 3),
    "year": (0, 12),
    "single_charge": (0, 1),
    "irregular": (0, 1),
    "months_covered": (0, 0),
    "period_end": (0, 0),
}


def customer_rules(orders: Orders) -> ibis.Table:
    """Each paying customer's billing interval, from the gaps between their paid charge days.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``rule`` (a key of :data:`RULES`). Regular gaps of exactly 7, 28 or
        30 days (two gaps or more) are weekly, four-weekly, 30-day billing; otherwise each gap
        votes for the interval it is near (5-10 days a week, 26-33 a month, 80-100 a quarter,
        350-380 a year) and the most votes win (a month on a tie); one paid charge is
        ``single_charge`` and gaps near no interval ``irregular`` (both taken as monthly).
    """
    t = orders.table
    days = t.filter(t.amount > 0).select("customer_id", day=t.order_date).distinct()
    w = ibis.window(group_by="customer_id", order_by="day")
    gaps = days.mutate(gap=days.day.delta(days.day.lag().over(w), unit="day"))
    gap = gaps.gap
    # Each gap votes for the interval it is near (a mode, portable where a median is not).
    g = gaps.group_by("customer_id").aggregate(
        n=gap.count(), lo=gap.min(), hi=gap.max(),
        week=(gap.between(5, 10)).sum(), month=(gap.between(26, 33)).sum(),
        quarter=(gap.between(80, 100)).sum(), year=(gap.between(350, 380)).sum(),
    )
    exact = (g.n >= 2) & (g.lo == g.hi)
    top = ibis.greatest(g.week, g.month, g.quarter, g.year)
    rule = ibis.cases(
        (g.n == 0, "single_charge"),
        (exact & (g.lo == 7), "week"),
        (exact & (g.lo == 28), "four_weeks"),
        (exact & (g.lo == 30), "thirty_days"),
        (top == 0, "irregular"),
        (g.month == top, "month"),
        (g.week == top, "week"),
        (g.quarter == top, "quarter"),
        else_="year",
    )
    return g.select("customer_id", rule=rule)


def month_key(value: dt.date | ibis.Value) -> int | ibis.Value:
    """A calendar month as one integer, ``year * 12 + month − 1`` (a date or an expression)."""
    return value.year() * 12 + value.month() - 1 if isinstance(value, ibis.Value) else (
        value.year * 12 + value.month - 1
    )


def _months_between(start: ibis.Value, end: ibis.Value) -> ibis.Value:
    return (end.year() * 12 + end.month()) - (start.year() * 12 + start.month())


def _charges(
    orders: Orders, period_end_col: str | None, months_covered_col: str | None,
    plan_col: str | None,
) -> ibis.Table:
    """Every charge with its period: ``start``, ``end``, ``months`` (length in months), ``own``
    (the row carries its period), ``rule``, ``bad`` (an invalid period value)."""
    rules = customer_rules(orders)
    t = orders.table.left_join(rules, "customer_id")
    t = t.mutate(rule=t.rule.fill_null("single_charge"))
    start = t.order_date
    days = ibis.cases(*[(t.rule == r, d) for r, (d, _m) in RULES.items() if d],
                      else_=ibis.literal(0, "int64"))
    months = ibis.cases(*[(t.rule == r, m) for r, (_d, m) in RULES.items() if m],
                        else_=ibis.literal(1, "int64"))
    end = ibis.cases((days > 0, start + days.as_interval("D")),
                     else_=start + months.as_interval("M"))
    length = ibis.cases((days > 0, days.cast("float64") / DAYS_PER_MONTH),
                        else_=months.cast("float64"))
    rule, own, bad = t.rule, ibis.literal(False), ibis.literal(0, "int64")
    if months_covered_col is not None:
        cover = t[months_covered_col]
        _check_type(months_covered_col, cover, numeric=True)
        valid = cover.notnull() & (cover >= 1) & (cover <= MAX_MONTHS_COVERED)
        if cover.type().is_floating():
            valid = valid & (cover.floor() == cover)
        valid = valid.fill_null(False)
        k = cover.cast("int64")
        # A refund without its months (null) falls to the refund rule below; any other
        # invalid value is an error the caller raises.
        bad = ibis.cases((~valid & ~(cover.isnull() & (t.amount < 0)), 1), else_=0)
        end = ibis.cases((valid, start + k.as_interval("M")), else_=end)
        length = ibis.cases((valid, k.cast("float64")), else_=length)
        rule = ibis.cases((valid, "months_covered"), else_=rule)
        own = valid
    if period_end_col is not None:
        given = t[period_end_col]
        _check_type(period_end_col, given, numeric=False)
        given = given.cast("date")
        whole = _months_between(start, given)
        valid = ((given > start) & (whole <= MAX_MONTHS_COVERED)).fill_null(False)
        exact_months = (given.day() == start.day()) & (whole >= 1)
        bad = ibis.cases((given.notnull() & ~valid, 1), else_=bad)
        end = ibis.cases((valid, given), else_=end)
        length = ibis.cases(
            (valid & exact_months, whole.cast("float64")),
            (valid, given.delta(start, unit="day").cast("float64") / DAYS_PER_MONTH),
            else_=length,
        )
        rule = ibis.cases((valid, "period_end"), else_=rule)
        own = own | valid
    cols = {
        "customer_id": t.customer_id, "start": start, "end": end, "months": length,
        "amount": t.amount, "own": own, "rule": rule, "bad": bad,
    }
    if plan_col is not None:
        cols["plan"] = t[plan_col].cast("string").fill_null(NO_PLAN)
    return t.select(**cols)


def _check_type(name: str, column: ibis.Value, *, numeric: bool) -> None:
    dtype = column.type()
    if numeric and (not dtype.is_numeric() or dtype.is_boolean()):
        raise GrowthkitError(
            f"months_covered_col {name!r} has type {dtype}; expected whole numbers of months "
            f"from 1 to {MAX_MONTHS_COVERED}"
        )
    if not numeric and not (dtype.is_date() or dtype.is_timestamp() or dtype.is_string()):
        raise GrowthkitError(
            f"period_end_col {name!r} has type {dtype}; expected the date each charge's "
            "service period ends (exclusive)"
        )


def service_periods(
    orders: Orders,
    *,
    period_end_col: str | None = None,
    months_covered_col: str | None = None,
    plan_col: str | None = None,
    grace_days: int = GRACE_DAYS,
) -> ibis.Table:
    """The service periods of the charges, refunds applied, late renewals joined (unexecuted).

    Parameters
    ----------
    orders : growthkit.data.Orders
        Validated charges, with ``period_end_col``, ``months_covered_col`` and ``plan_col``
        in ``keep``.
    period_end_col, months_covered_col : str, optional
        Where each charge's period comes from (see the module docstring).
    plan_col : str, optional
        The plan of each charge.
    grace_days : int, default :data:`GRACE_DAYS`
        A renewal this many days or fewer after its period ended continues it.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``start``, ``end`` (exclusive), ``mrr`` (negative for a refund's
        share), ``day`` (the charge's day of the month; null for a refund), ``rule``, ``bad``
        and, with ``plan_col``, ``plan``.
    """
    c = _charges(orders, period_end_col, months_covered_col, plan_col)
    paid = c.filter((c.amount >= 0) | c.own)
    # Periods of paid charges per customer and start, with the next start: a renewal within
    # the grace days continues the period.
    p = c.filter(c.amount > 0).group_by(["customer_id", "start"]).aggregate(
        end=c.end.max(), months=c.months.max())
    w = ibis.window(group_by="customer_id", order_by="start")
    nxt = p.start.lead().over(w)
    late = nxt.notnull() & (nxt > p.end) & (nxt.delta(p.end, unit="day") <= grace_days)
    p = p.mutate(end_ext=ibis.cases((late, nxt), else_=p.end))
    ext = p.select(customer_id_p=p.customer_id, start_p=p.start, end_p=p.end,
                   end_ext=p.end_ext, months_p=p.months)
    j = paid.left_join(ext, (paid.customer_id == ext.customer_id_p)
                       & (paid.start == ext.start_p))
    charges = j.select(
        customer_id=j.customer_id, start=j.start,
        end=ibis.cases((j.end == j.end_p, j.end_ext), else_=j.end),
        mrr=j.amount / j.months, day=j.start.day(), rule=j.rule, bad=j.bad,
        **({"plan": j.plan} if plan_col is not None else {}),
    )
    refunds = _refunds(c, ext, plan_col)
    return charges.union(refunds, distinct=False)


def _refunds(c: ibis.Table, ext: ibis.Table, plan_col: str | None) -> ibis.Table:
    """Negative rows without a period of their own, as a negative share of the latest paid
    period that started on or before them, from their date to that period's end."""
    r = c.filter((c.amount < 0) & ~c.own)
    # The latest paid period start on or before each refund (an as-of join as a window).
    both = c.filter((c.amount > 0) | ((c.amount < 0) & ~c.own)).select(
        "customer_id", "start", "amount", "bad",
        **({"plan": c.plan} if plan_col is not None else {}),
        is_refund=((c.amount < 0) & ~c.own).cast("int32"))
    w = ibis.window(group_by="customer_id", order_by=["start", "is_refund"],
                    preceding=None, following=0)
    both = both.mutate(
        latest=ibis.cases((both.is_refund == 0, both.start), else_=ibis.null("date"))
        .max().over(w))
    r = both.filter(both.is_refund == 1)
    j = r.inner_join(ext, (r.customer_id == ext.customer_id_p) & (r.latest == ext.start_p))
    j = j.filter(j.start < j.end_ext)
    # Pro rata: the refund spread over the rest of the period, in the period's months.
    left = ibis.greatest(j.end_p.delta(j.start, unit="day"), 1).cast("float64")
    whole = ibis.greatest(j.end_p.delta(j.start_p, unit="day"), 1).cast("float64")
    share = left / whole
    return j.select(
        customer_id=j.customer_id, start=j.start, end=j.end_ext,
        mrr=j.amount / (j.months_p * share), day=ibis.null("int32"), rule=ibis.literal("refund"),
        bad=j.bad, **({"plan": j.plan} if plan_col is not None else {}),
    )


def month_end_snapshots(
    periods: ibis.Table, plan: bool, day: bool = False, check: bool = True
) -> ibis.Table:
    """MRR per customer at each month end a service period covers.

    A period ``[start, end)`` is active on the last day of the months from its start's month
    to the month before its end's: ``month_key(end) − month_key(start)`` month ends.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``month``, ``mrr`` (no row where refunds cancel the month: under
        :data:`REFUND_CANCELS` of what it paid); ``bad``
        (charges with an invalid period value) with ``check``; ``plan`` with ``plan``;
        ``max_day`` (the latest day of a charge in that month) with ``day``.
    """
    p = periods.mutate(m0=month_key(periods.start),
                       n=_months_between(periods.start, periods.end))
    one = p.filter(p.n == 1).mutate(k=ibis.literal(0, "int64"))
    offsets = ibis.memtable({"k": np.arange(MAX_MONTHS_COVERED + 24, dtype="int64")})
    many = p.filter(p.n > 1)
    many = many.join(offsets, offsets.k < many.n)
    rows = one.union(many.select(*one.columns), distinct=False)
    rows = rows.mutate(month=rows.m0 + rows.k)
    keys = ["customer_id", "month"]
    aggs = {"mrr": rows.mrr.sum(), "paid": rows.mrr.sum(where=rows.mrr > 0)}
    if check:
        aggs["bad"] = rows.bad.sum()
    if day:
        aggs["max_day"] = rows.day.max(where=rows.k == 0)
    if plan:
        per_plan = rows.group_by([*keys, "plan"]).aggregate(**aggs)
        rolled = {"mrr": per_plan.mrr.sum(), "paid": per_plan.paid.sum(),
                  "plan": per_plan.plan.argmax(per_plan.mrr)}
        if check:
            rolled["bad"] = per_plan.bad.sum()
        if day:
            rolled["max_day"] = per_plan.max_day.max()
        cm = per_plan.group_by(keys).aggregate(**rolled)
    else:
        cm = rows.group_by(keys).aggregate(**aggs)
    # A month refunded to (almost) nothing is no month at all: churn in the movements and
    # "cancelled" in the plan migration alike (rows with a bad period value stay, to be
    # counted by the check).
    cancelled = cm.mrr < REFUND_CANCELS * cm.paid.fill_null(0.0)
    if check:
        cancelled = cancelled & (cm.bad == 0)
    return cm.filter(~cancelled).drop("paid")


def billing_rules(periods: ibis.Table) -> tuple[dict[str, int], int]:
    """Paying customers per billing rule, and paying customers in all, executed (one small
    query): (rule -> customers, customers with a paid charge)."""
    with step("billing intervals") as progress:
        out = billing_rules_expr(periods).to_pyarrow().to_pylist()
        progress["detail"] = f"{len(out) - 1} rules"
    counts = {r["rule"]: int(r["customers"]) for r in out}
    paying = counts.pop(PAYING, 0)
    return {rule: counts[rule] for rule in RULES if rule in counts}, paying


#: The row of :func:`billing_rules_expr` that counts every paying customer.
PAYING = "(paying customers)"


def billing_rules_expr(periods: ibis.Table) -> ibis.Table:
    """Customers with a paid charge per billing rule (a customer counted under each rule of
    their paid charges), and a row :data:`PAYING` with the paying customers in all."""
    p = periods.filter((periods.rule != "refund") & (periods.mrr > 0))
    per = p.select("customer_id", "rule").distinct()
    rules = per.group_by("rule").aggregate(customers=per.count())
    who = p.select("customer_id").distinct()
    total = who.aggregate(customers=who.count()).mutate(rule=ibis.literal(PAYING))
    return rules.union(total.select("rule", "customers"), distinct=False)


def month_last_day(key: int) -> dt.date:
    """The last day of month key ``key``."""
    year, month = divmod(int(key) + 1, 12)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)
