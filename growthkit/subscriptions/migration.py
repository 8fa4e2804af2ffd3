"""Plan migration: how customers move between plans (and out) from one month to the next.

Every customer-month with a charge has a state, the month's plan (the plan with the largest
share of its charges, zero-price charges such as a trial included). The next month's state is
the plan of the next month, or **cancelled** when the customer has no charge then. A customer
who comes back after at least one month without charges is counted as a move from
**cancelled** to the plan they return to (a win-back). Counted in the engine, one row per
(from, to) pair comes back.
"""

from __future__ import annotations

import ibis
import pandas as pd

from growthkit.progress import step
from growthkit.subscriptions.mrr import MonthRange

__all__ = ["CANCELLED", "migration_expr", "migration_matrix", "plan_migration"]

#: The state of a customer with no charge in a month after having had one.
CANCELLED = "cancelled"


def plan_migration(cm: ibis.Table, months: MonthRange) -> pd.DataFrame:
    """Count month-to-month moves between plans, in the engine.

    Parameters
    ----------
    cm : ibis.Table
        :func:`growthkit.subscriptions.customer_months` with a plan column.
    months : MonthRange
        The observed months; moves into a month after the last observed one are not counted.

    Returns
    -------
    pandas.DataFrame
        ``from_state``, ``to_state``, ``customers`` (customer-months making that move).
    """
    counts = migration_expr(cm, months.last)
    with step("plan migration") as progress:
        out = counts.to_pyarrow().to_pandas()
        progress["detail"] = f"{len(out):,} kinds of move"
    out["customers"] = out["customers"].astype("int64")
    return out.sort_values(["from_state", "to_state"]).reset_index(drop=True)


def migration_expr(cm: ibis.Table, last: int) -> ibis.Table:
    """The migration count as an unexecuted Ibis expression (window ``lead``/``lag``, a union
    and a group-by), through month key ``last``."""
    t = cm.filter(cm.month <= last)
    w = ibis.window(group_by="customer_id", order_by="month")
    t = t.mutate(next_m=t.month.lead().over(w), next_plan=t.plan.lead().over(w),
                 prev_m=t.month.lag().over(w))
    forward = t.filter(t.month < last).select(
        from_state=t.plan,
        to_state=ibis.cases((t.next_m == t.month + 1, t.next_plan),
                            else_=ibis.literal(CANCELLED)),
    )
    back = t.filter(t.prev_m.notnull() & (t.prev_m < t.month - 1)).select(
        from_state=ibis.literal(CANCELLED), to_state=t.plan
    )
    moves = forward.union(back, distinct=False)
    return moves.group_by(["from_state", "to_state"]).aggregate(customers=moves.count())


def migration_matrix(moves: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """The moves as a from × to matrix of counts, states in ``order`` (cancelled last).

    Returns
    -------
    pandas.DataFrame
        Index ``from_state``, columns ``to_state``; 0 where no customer made the move.
    """
    states = list(dict.fromkeys([*moves["from_state"], *moves["to_state"]]))
    if order is None:
        order = sorted(s for s in states if s != CANCELLED)
    order = [s for s in order if s in states and s != CANCELLED] + [
        s for s in sorted(states) if s not in order and s != CANCELLED
    ]
    if CANCELLED in states:
        order.append(CANCELLED)
    m = moves.pivot_table(index="from_state", columns="to_state", values="customers",
                          aggfunc="sum", fill_value=0)
    m = m.reindex(index=order, columns=order, fill_value=0).astype("int64")
    m.index.name, m.columns.name = "from", "to"
    return m
