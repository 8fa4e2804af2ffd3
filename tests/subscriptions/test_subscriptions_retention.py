"""Survival counts, cohort revenue and plan migration from charges, on hand-made histories."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit.data import validate_orders
from growthkit.i18n import get_language
from growthkit.subscriptions.migration import CANCELLED, migration_matrix, plan_migration
from growthkit.subscriptions.mrr import compute_cube, customer_months_expr
from growthkit.subscriptions.retention import (
    ALL,
    cohort_revenue,
    fit_groups,
    observed_survival,
    quarter_label,
    survival_counts,
    unfitted_note,
)


def _history() -> pd.DataFrame:
    rows = []

    def pay(who: str, months: list[int], plan: str, amount: float = 10.0) -> None:
        rows.extend((who, f"2024-{m:02d}-10", amount, plan) for m in months)

    pay("early", [1, 2, 3, 4, 5, 6], "full")  # already paying in the first month: left out
    pay("a", [2, 3, 4, 5, 6], "full")
    pay("b", [2, 3], "light")
    pay("b", [5], "full", 20.0)  # returns in May, on another plan
    pay("c", [2], "light")
    pay("d", [3, 4, 5, 6], "light")
    rows.append(("d", "2024-06-30", 0.0, "light"))  # closes June
    rows.append(("t", "2024-01-20", 0.0, "trial"))  # a trial that never pays
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "plan"])


@pytest.fixture(scope="module")
def cube():
    orders = validate_orders(_history(), amount_col="amount", keep=["plan"])
    return orders, *compute_cube(orders, None, "plan")


def test_survival_counts_follow_the_first_unbroken_run(cube):
    _, data, months = cube
    assert survival_counts(data, months) == {ALL: [[3, 2, 1, 1, 1], [1, 1, 1, 1]]}
    by_plan = survival_counts(data, months, "plan")
    # b started on light: the return on full does not move b, nor bring b back.
    assert by_plan == {"full": [[1, 1, 1, 1, 1]], "light": [[2, 1, 0, 0, 0], [1, 1, 1, 1]]}
    assert set(survival_counts(data, months, "quarter")) == {"2024-Q1"}


def test_observed_survival_pools_the_cohorts_observed_that_long():
    got = observed_survival([[3, 2, 1, 1, 1], [1, 1, 1, 1]])
    assert got["survival"].tolist() == pytest.approx([1.0, 3 / 4, 2 / 4, 2 / 4, 1 / 3])
    assert got["starters"].tolist() == [4, 4, 4, 4, 3]


def test_cohort_revenue_counts_returns_and_zero_periods(cube):
    _, data, months = cube
    r = cohort_revenue(data, months).set_index(["cohort", "period"])
    feb = r.loc["2024-02"]
    # a 10 every month; b 10, 10, then 20 in May (period 3); c 10 in February.
    assert feb["revenue"].tolist() == [30.0, 20.0, 10.0, 30.0, 10.0]
    assert set(feb["size"]) == {3}
    assert "2024-01" not in r.index.get_level_values(0)


def test_groups_too_small_or_too_young_are_not_fitted_with_a_reason(cube):
    _, data, months = cube
    fits = fit_groups(survival_counts(data, months))
    assert fits[0].model is None and fits[0].reason == "too_few_customers"
    young = fit_groups({"x": [[100, 80, 70]]})
    assert young[0].model is None and young[0].reason == "too_few_months"
    note = unfitted_note(young[0], by_plan=True)
    assert (note.code, note.args["plan"], note.args["reason"]) == ("sbg_not_fitted", "x",
                                                                   "too_few_months")
    assert note.text() == ("The retention model (sBG) is not fitted for plan x: months "
                           "observed: 2, fewer than the 6 needed; too early to project.")
    assert "الباقة" in note.text(get_language("ar", domain="subscriptions"))


def test_plan_migration_counts_moves_cancellations_and_returns(cube):
    orders, _, months = cube
    moves = plan_migration(customer_months_expr(orders, None, "plan"), months)
    m = migration_matrix(moves, ["trial"])
    assert list(m.index) == ["trial", "full", "light", CANCELLED]
    assert m.loc["trial", CANCELLED] == 1  # t never paid
    assert m.loc["light", "light"] == 1 + 3  # b Feb->Mar, d Mar->Apr->May->Jun
    assert m.loc["light", CANCELLED] == 2  # b after March, c after February
    assert m.loc[CANCELLED, "full"] == 1  # b came back in May on full
    assert m.loc["full", CANCELLED] == 1  # b left again after May
    assert m.loc["full", "full"] == 4 + 5  # a Feb..Jun, early Jan..Jun
    assert m.loc[CANCELLED, CANCELLED] == 0


def test_quarter_labels():
    assert [quarter_label(2024 * 12 + m) for m in (0, 2, 3, 11)] == [
        "2024-Q1", "2024-Q1", "2024-Q2", "2024-Q4"
    ]


def test_a_month_refunded_to_nothing_is_cancelled_in_the_migration_as_in_mrr():
    # a pays 10 on plan x in January and February and gets February refunded in full: MRR
    # counts churn in February, so the migration says x -> cancelled after January.
    from conftest import charges

    from growthkit.data import validate_orders
    from growthkit.subscriptions.migration import migration_expr
    from growthkit.subscriptions.mrr import movement_cube

    frame = charges(("a", "2024-01-05", 10.0, 1), ("a", "2024-02-05", 10.0, 1),
                    ("a", "2024-02-06", -10.0, 1), ("b", "2024-01-05", 10.0, 1),
                    ("b", "2024-02-05", 10.0, 1), ("b", "2024-03-05", 10.0, 1),
                    covered=True).assign(plan="x")
    orders = validate_orders(frame, amount_col="amount", keep=["months", "plan"])
    cm = customer_months_expr(orders, "months", "plan")
    cube = movement_cube(cm, 2024 * 12 + 2, True, cohorts=False).set_index("month")
    assert cube.loc[2024 * 12, "churn_next_n"] == 1  # a leaves after January
    moves = migration_expr(cm, 2024 * 12 + 2).execute().set_index(["from_state", "to_state"])
    assert moves.loc[("x", CANCELLED), "customers"] == 1
    assert moves.loc[("x", "x"), "customers"] == 2  # b only
