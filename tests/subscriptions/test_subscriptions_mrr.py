"""MRR per customer-month and its movements (growthkit.subscriptions.mrr), in the engine.

Reference values: docs/REFERENCES.md, "Cohorts and subscription metrics" (ChartMogul's
annual-plan example). Edge cases from the issue: two subscriptions, churn and return within a
month, zero-price months, refunds, the first month, months without charges, a partial last
month. The balance is checked as a property against a plain-Python reading of the definitions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

import ibis
import numpy as np
import pandas as pd
import pytest
from conftest import charges
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.subscriptions import check_balance, customer_months, mrr_movements
from growthkit.subscriptions.migration import migration_expr
from growthkit.subscriptions.mrr import (
    customer_months_expr,
    month_key,
    movement_cube_expr,
    observed_months,
)

MONEY = ["start", "new", "expansion", "reactivation", "contraction", "churn", "end"]


def _row(movements: pd.DataFrame, month: str) -> pd.Series:
    return movements.set_index("month").loc[month]


def _month_end(year: int, month: int) -> str:
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]}"


def _steady(customer: str, first: str, last: str, amount: float = 10.0, day: int = 28):
    """Monthly charges from ``first`` to ``last`` (YYYY-MM) on ``day`` (or the month's end)."""
    months = pd.period_range(first, last, freq="M")
    return [(customer, f"{p.year}-{p.month:02d}-{min(day, p.days_in_month):02d}", amount)
            for p in months]


# ----------------------------------------------------------------------------- ChartMogul


def test_chartmogul_annual_plan_is_new_business_of_one_twelfth():
    # docs/REFERENCES.md (ChartMogul): four yearly Gold plans billed 2,000 in one invoice are
    # new business of 166.67 MRR; two monthly Silver plans at 30 added later are expansion of
    # 60; cancelling them is contraction of 60.
    rows = [("gold", "2024-01-10", 2000.0, 12)]
    rows += [("gold", f"2024-0{m}-10", 30.0, 1) for m in (3, 4) for _ in range(2)]
    rows += [(c, d, a, 1) for c, d, a in _steady("other", "2023-12", "2024-06", day=30)]
    m = mrr_movements(charges(*rows, covered=True), months_covered_col="months")
    assert list(m["month"]) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    jan, mar, may = _row(m, "2024-01"), _row(m, "2024-03"), _row(m, "2024-05")
    assert jan["new"] == pytest.approx(166.67, abs=5e-3)
    assert jan["new"] == pytest.approx(2000 / 12, rel=1e-12)
    assert mar["expansion"] == pytest.approx(60.0, rel=1e-12) and mar["new"] == 0
    assert may["contraction"] == pytest.approx(60.0, rel=1e-12) and may["churn"] == 0
    assert _row(m, "2024-06")["end"] == pytest.approx(2000 / 12 + 10, rel=1e-12)


def test_without_months_covered_a_yearly_charge_is_one_months_mrr():
    rows = [("gold", "2024-01-10", 2000.0), *_steady("other", "2023-12", "2024-03", day=31)]
    m = mrr_movements(charges(*rows))
    assert _row(m, "2024-01")["new"] == 2000.0
    assert _row(m, "2024-02")["churn"] == 2000.0


# ----------------------------------------------------------------------------- edge cases


def test_two_subscriptions_are_summed_and_dropping_one_is_contraction():
    rows = [("a", "2024-01-05", 10.0), ("a", "2024-01-20", 20.0),
            ("a", "2024-02-05", 10.0), ("a", "2024-02-20", 20.0),
            ("a", "2024-03-05", 10.0)]
    rows += _steady("z", "2024-01", "2024-03", day=31)
    m = mrr_movements(charges(*rows))
    assert _row(m, "2024-02")["end"] == 40.0
    mar = _row(m, "2024-03")
    assert (mar["contraction"], mar["churn"], mar["churned_customers"]) == (20.0, 0.0, 0)
    assert mar["customers_end"] == 2


def test_churn_and_return_within_a_month_show_neither_churn_nor_reactivation():
    # Pays on Jan 5; cancels on Feb 2 (before the Feb 5 renewal) and comes back on Feb 20.
    rows = [("a", "2024-01-05", 10.0), ("a", "2024-02-20", 10.0), ("a", "2024-03-20", 10.0)]
    rows += _steady("z", "2024-01", "2024-03", day=31)
    m = mrr_movements(charges(*rows))
    assert m[["churn", "reactivation", "new"]].to_numpy().sum() == 0


def test_a_zero_price_month_is_churn_and_paying_again_is_reactivation():
    rows = [("a", "2024-01-05", 10.0), ("a", "2024-02-05", 0.0), ("a", "2024-03-05", 10.0)]
    rows += _steady("z", "2024-01", "2024-04", day=30)
    m = mrr_movements(charges(*rows))
    assert _row(m, "2024-02")["churn"] == 10.0
    mar = _row(m, "2024-03")
    assert (mar["reactivation"], mar["new"], mar["reactivated_customers"]) == (10.0, 0.0, 1)
    assert _row(m, "2024-04")["churn"] == 10.0


def test_a_refund_nets_within_its_month_and_never_makes_mrr_negative():
    rows = [("a", "2024-01-05", 10.0), ("a", "2024-02-05", 10.0), ("a", "2024-02-09", -10.0),
            ("a", "2024-03-02", -10.0)]  # a refund of February, paid back in March
    rows += _steady("z", "2024-01", "2024-03", day=31)
    m = mrr_movements(charges(*rows))
    feb, mar = _row(m, "2024-02"), _row(m, "2024-03")
    assert (feb["churn"], feb["end"]) == (10.0, 10.0)  # only z pays in February
    assert (mar["churn"], mar["end"], mar["customers_end"]) == (0.0, 10.0, 1)


def test_the_first_month_has_no_movements_and_its_payers_are_not_new():
    rows = [*_steady("a", "2024-01", "2024-03", day=31), ("b", "2024-02-03", 5.0)]
    m = mrr_movements(charges(*rows))
    assert m["month"].iloc[0] == "2024-02"
    feb = _row(m, "2024-02")
    assert (feb["start"], feb["new"], feb["new_customers"]) == (10.0, 5.0, 1)


def test_a_month_with_no_charges_at_all_is_churn_of_everyone_then_reactivation():
    rows = [r for r in _steady("a", "2024-01", "2024-05", day=31) if "2024-03" not in r[1]]
    rows += [("b", "2024-02-10", 7.0), ("b", "2024-04-10", 7.0)]
    m = mrr_movements(charges(*rows))
    mar, apr = _row(m, "2024-03"), _row(m, "2024-04")
    assert (mar["end"], mar["churn"], mar["customers_end"]) == (0.0, 17.0, 0)
    assert (apr["start"], apr["reactivation"], apr["reactivated_customers"]) == (0.0, 17.0, 2)


def test_a_month_the_data_stop_in_is_left_out_unless_it_is_over():
    rows = _steady("a", "2024-01", "2024-04", day=17)
    m = mrr_movements(charges(*rows))
    assert m["month"].iloc[-1] == "2024-03"  # April is not over on April 17
    rows.append(("b", "2024-04-30", 1.0))
    m = mrr_movements(charges(*rows))
    assert m["month"].iloc[-1] == "2024-04"


def test_monthly_data_dated_on_the_first_count_their_last_month():
    frame = pd.DataFrame({"account": ["a", "a", "a", "b"],
                          "month": ["2024-01", "2024-02", "2024-03", "2024-03"],
                          "charged": [10.0, 12.0, 12.0, 5.0]})
    m = mrr_movements(frame, "account", "month", "charged")
    assert list(m["month"]) == ["2024-02", "2024-03"]
    assert _row(m, "2024-03")["new"] == 5.0 and _row(m, "2024-02")["expansion"] == 2.0


def test_observed_months_rule():
    r = observed_months(dt.date(2024, 1, 9), dt.date(2024, 6, 17), monthly_data=False)
    assert (r.last, r.partial, r.months) == (month_key(dt.date(2024, 5, 1)),
                                            month_key(dt.date(2024, 6, 1)), 5)
    r = observed_months(dt.date(2024, 1, 9), dt.date(2024, 2, 29), monthly_data=False)
    assert (r.partial, r.months) == (None, 2)
    r = observed_months(dt.date(2024, 1, 1), dt.date(2024, 6, 1), monthly_data=True)
    assert (r.partial, r.months) == (None, 6)


def test_months_follow_the_time_zone():
    # 23:30 on Jan 31 in New York is Feb 1 in UTC.
    frame = pd.DataFrame({
        "customer_id": ["a", "b", "b", "b"],
        "date": ["2024-01-31T23:30:00-05:00", "2024-01-15", "2024-02-15", "2024-03-31"],
        "amount": [10.0, 1.0, 1.0, 1.0],
    })
    utc = mrr_movements(frame)
    local = mrr_movements(frame, timezone="America/New_York")
    assert _row(utc, "2024-02")["new"] == 10.0
    assert _row(local, "2024-02")["churn"] == 10.0 and _row(local, "2024-02")["new"] == 0


# ----------------------------------------------------------------------------- errors


def test_bad_months_covered_values_are_named():
    rows = [("a", "2024-01-10", 20.0, 12), ("a", "2024-02-10", 20.0, 0),
            ("b", "2024-03-31", 1.0, 1.5)]
    with pytest.raises(GrowthkitError, match=r"months_covered_col 'months' has 2 value\(s\).*"
                                             r"e\.g\. (0|1\.5).*expected 1 for a monthly"):
        mrr_movements(charges(*rows, covered=True), months_covered_col="months")
    frame = charges(("a", "2024-01-10", 20.0, "x"), covered=True)
    with pytest.raises(GrowthkitError, match="months_covered_col 'months' has type string"):
        mrr_movements(frame, months_covered_col="months")


def test_too_few_complete_months_and_missing_columns_are_errors():
    with pytest.raises(GrowthkitError, match=r"one complete month; expected at least two"):
        mrr_movements(charges(("a", "2024-01-05", 1.0), ("a", "2024-01-31", 1.0)))
    with pytest.raises(GrowthkitError, match=r"Required column 'charged' missing"):
        mrr_movements(charges(("a", "2024-01-05", 1.0)), amount_col="charged")
    with pytest.raises(GrowthkitError, match="amount_col: none given"):
        mrr_movements(charges(("a", "2024-01-05", 1.0)), amount_col=None)


def test_check_balance_names_the_month_that_does_not_balance():
    m = mrr_movements(charges(*_steady("a", "2024-01", "2024-03", day=31)))
    check_balance(m)
    broken = m.assign(end=m["end"] + [0.0, 0.5])
    with pytest.raises(RuntimeError, match="MRR does not balance in 2024-03"):
        check_balance(broken)


# ----------------------------------------------------------------------------- the property


def _reference(frame: pd.DataFrame, covered: bool) -> pd.DataFrame:
    """The movements by the definitions, customer by customer, in plain Python: a charge of n
    months pays for n calendar month ends from its own; a month whose net is under 5% of its
    paid MRR is cancelled."""
    net: dict[tuple, float] = defaultdict(float)
    paid_part: dict[tuple, float] = defaultdict(float)
    for r in frame.itertuples():
        n = int(r.months) if covered else 1
        key = r.date.year * 12 + r.date.month - 1
        for k in range(n):
            net[(r.customer_id, key + k)] += r.amount / n
            paid_part[(r.customer_id, key + k)] += max(r.amount, 0.0) / n
    mrr = {k: (v if v >= 0.05 * paid_part[k] else 0.0) for k, v in net.items()}
    first, last_day = frame["date"].min(), frame["date"].max()
    f = first.year * 12 + first.month - 1
    last = last_day.year * 12 + last_day.month - 1
    if last_day.day != calendar.monthrange(last_day.year, last_day.month)[1]:
        last -= 1
    customers = sorted(set(frame["customer_id"]))

    def paid(c: str, m: int) -> float:
        x = mrr.get((c, m), 0.0)
        return x if x > 1e-6 else 0.0

    rows = []
    for m in range(f + 1, last + 1):
        row = dict.fromkeys(MONEY, 0.0)
        for c in customers:
            now, before = paid(c, m), paid(c, m - 1)
            row["start"] += before
            row["end"] += now
            if now and not before:
                earlier = any(paid(c, k) for k in range(f, m - 1))
                row["reactivation" if earlier else "new"] += now
            elif now and before:
                diff = now - before
                row["expansion"] += diff if diff > 1e-6 else 0.0
                row["contraction"] += -diff if diff < -1e-6 else 0.0
            elif before:
                row["churn"] += before
        row["month"] = f"{m // 12:04d}-{m % 12 + 1:02d}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["month", *MONEY])


_charge = st.tuples(
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.integers(0, 9),  # month of 2024
    st.integers(1, 28),
    st.sampled_from([0.0, 5.0, 9.99, 10.0, 25.0, -5.0]),
    st.sampled_from([1, 1, 1, 3, 12]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_charge, min_size=1, max_size=40), covered=st.booleans())
def test_movements_balance_and_match_the_definitions_on_generated_charges(rows, covered):
    data = [(c, f"2024-{m + 1:02d}-{d:02d}", a, n) for c, m, d, a, n in rows]
    data += [("z", "2024-01-01", 1.0, 1), ("z", _month_end(2024, 12), 1.0, 1)]
    frame = charges(*data, covered=True)
    if not covered:  # every charge pays for one calendar month
        frame = frame.assign(months=1)
    got = mrr_movements(frame, months_covered_col="months", grace_days=0)
    want = _reference(frame, covered)
    assert list(got["month"]) == list(want["month"])
    np.testing.assert_allclose(got[MONEY].to_numpy(), want[MONEY].to_numpy(), atol=1e-9)
    lhs = got["start"] + got["new"] + got["expansion"] + got["reactivation"]
    np.testing.assert_allclose(lhs - got["contraction"] - got["churn"], got["end"], atol=1e-9)
    np.testing.assert_array_equal(got["start"].iloc[1:], got["end"].iloc[:-1])


# ----------------------------------------------------------------------------- the engine


def test_customer_months_spread_a_yearly_charge_and_keep_zero_months():
    orders = validate_orders(charges(("a", "2024-01-10", 120.0, 12), ("b", "2024-03-01", 0.0, 1),
                                     covered=True), amount_col="amount", keep=["months"])
    cm = customer_months(orders, months_covered_col="months").execute()
    assert set(cm.columns) == {"customer_id", "month", "mrr"}
    a = cm[cm["customer_id"] == "a"].sort_values("month")
    assert len(a) == 12 and np.allclose(a["mrr"], 10.0)
    assert cm.loc[cm["customer_id"] == "b", "mrr"].tolist() == [0.0]


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "postgres", "trino", "databricks"])
def test_the_queries_compile_for_warehouses_and_spark(dialect):
    # The same Ibis expressions compile for other engines: no DuckDB-only SQL in the package.
    frame = charges(("a", "2024-01-10", 120.0, 12), covered=True).assign(plan="x")
    orders = validate_orders(frame, amount_col="amount", keep=["months", "plan"])
    cm = customer_months_expr(orders, "months", "plan")
    for expr in (movement_cube_expr(cm, 24300, True), migration_expr(cm, 24300)):
        sql = ibis.to_sql(expr, dialect=dialect)
        assert "GROUP BY" in sql.upper() and "OVER" in sql.upper()


@pytest.mark.parametrize("covered", [None, "months"])
def test_no_boolean_is_cast_to_a_type_postgresql_cannot_cast_it_to(covered):
    # PostgreSQL casts boolean to integer (int32) only: ::smallint and ::bigint are errors
    # ("cannot cast type boolean to smallint"). Checked once by hand on PostgreSQL 15: the
    # customer months (inferred intervals, a refund), the cube, the migration and yearly
    # retention equal DuckDB's on 400 customers of the sample.
    import ibis.expr.operations as ops

    from growthkit.subscriptions.rates import yearly_retention_expr

    frame = charges(("a", "2024-01-10", 120.0, 1), ("a", "2024-02-10", -20.0, 1),
                    covered=True).assign(plan="x")
    orders = validate_orders(frame, amount_col="amount", keep=["months", "plan"])
    cm = customer_months_expr(orders, covered, "plan")
    for expr in (cm, movement_cube_expr(cm, 24300, True), migration_expr(cm, 24300),
                 yearly_retention_expr(cm, 24300)):
        casts = [c.to for c in expr.op().find(ops.Cast) if c.arg.dtype.is_boolean()]
        assert all(to.is_int32() for to in casts), casts
        assert "AS SMALLINT" not in ibis.to_sql(expr, dialect="postgres")
