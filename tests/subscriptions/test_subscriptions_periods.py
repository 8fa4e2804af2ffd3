"""Service periods (growthkit.subscriptions.periods): MRR at month ends from what each charge
pays for, billing intervals inferred, late renewals, refunds, and the published examples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.subscriptions import mrr_movements, revenue_churn
from growthkit.subscriptions.mrr import customer_months
from growthkit.subscriptions.periods import (
    DAYS_PER_MONTH,
    billing_rules_expr,
    customer_rules,
    service_periods,
)

GAINS_AND_LOSSES = ["new", "expansion", "reactivation", "contraction", "churn"]


def _every(start: dt.date, days: int, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=days * i) for i in range(n)]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    columns = ["customer_id", "date", "amount", "months", "period_end"][: len(rows[0])]
    return pd.DataFrame(rows, columns=columns)


def _anchor() -> list[tuple]:
    """A customer paying yearly, once on the first day and once on the last day of 2024, so
    the data cover the whole year."""
    return [("anchor", dt.date(2024, 1, 1), 12.0), ("anchor", dt.date(2024, 12, 31), 12.0)]


@pytest.mark.parametrize("days", [30, 28, 7])
def test_billing_every_30_days_4_weeks_or_a_week_gives_no_movement(days):
    # Calendar months made "Feb churn 20, Mar comeback 20, Apr contraction 10" of a 30-day
    # subscriber who never changed.
    rows = [("a", d, 10.0) for d in _every(dt.date(2024, 1, 3), days, 365 // days)]
    m = mrr_movements(_frame(rows + _anchor()))
    assert (m[GAINS_AND_LOSSES].iloc[:-1] == 0).all().all()
    a_mrr = 10.0 * DAYS_PER_MONTH / days
    assert m["end"].iloc[0] == pytest.approx(a_mrr + 1.0)


def test_a_charge_late_at_night_read_in_another_time_zone_is_no_churn():
    # 23:30 UTC on the last day of a month is the first of the next month in Riyadh.
    stamps = pd.date_range("2024-01-31 23:30", periods=11, freq="ME") + pd.Timedelta(minutes=0)
    stamps = [s.replace(hour=23, minute=30) for s in stamps]
    rows = [("a", s.tz_localize("UTC"), 10.0) for s in stamps]
    rows += [("anchor", pd.Timestamp("2024-01-01 12:00", tz="UTC"), 12.0),
             ("anchor", pd.Timestamp("2024-12-31 12:00", tz="UTC"), 12.0)]
    m = mrr_movements(_frame(rows), timezone="Asia/Riyadh")
    assert (m[GAINS_AND_LOSSES].iloc[1:-1] == 0).all().all()


def test_a_late_renewal_within_the_grace_days_is_not_churn_and_comeback():
    dates = [dt.date(2024, 1, 28), dt.date(2024, 2, 28), dt.date(2024, 4, 3),
             dt.date(2024, 5, 3), dt.date(2024, 6, 3)]
    rows = [("a", d, 10.0) for d in dates] + _anchor()
    # Renewed 6 days after its period ended on March 28; stopped after the June 3 charge.
    kept = mrr_movements(_frame(rows)).set_index("month")
    assert kept.loc[:"2024-06", "churn"].sum() == 0 and kept["reactivation"].sum() == 0
    assert kept.loc["2024-07", "churn"] == pytest.approx(10.0)
    strict = mrr_movements(_frame(rows), grace_days=0)
    assert strict.set_index("month").loc["2024-03", "churn"] == pytest.approx(10.0)
    assert strict.set_index("month").loc["2024-04", "reactivation"] == pytest.approx(10.0)


def test_an_annual_plan_cancelled_with_a_refund_stops_that_month_and_never_comes_back():
    # 1,200 a year from January 1; cancelled on April 30 with the 8 unused months refunded.
    rows = [("a", dt.date(2024, 1, 1), 1200.0, 12), ("a", dt.date(2024, 4, 30), -800.0, None),
            ("b", dt.date(2024, 1, 1), 12.0, 12), ("b", dt.date(2024, 12, 31), 12.0, 12)]
    m = mrr_movements(_frame(rows), months_covered_col="months").set_index("month")
    assert m.loc["2024-03", "end"] == pytest.approx(101.0)
    assert m.loc["2024-04", "churn"] == pytest.approx(100.0)
    assert m.loc["2024-04", "end"] == pytest.approx(1.0)
    assert m["reactivation"].sum() == 0 and np.allclose(m.loc["2024-05":"2024-11", "end"], 1.0)


def test_a_partial_refund_lowers_the_rest_of_the_period():
    # A yearly 1,200 refunded 300 on July 1 (184 of 366 days left): the rest of the period
    # pays about 50 a month instead of 100.
    rows = [("a", dt.date(2024, 1, 1), 1200.0, 12), ("a", dt.date(2024, 7, 1), -300.0, None),
            ("b", dt.date(2024, 1, 1), 1.0, 1), ("b", dt.date(2024, 12, 31), 1.0, 1)]
    frame = _frame(rows).assign(months=lambda f: f["months"].astype("Float64"))
    orders = validate_orders(frame, amount_col="amount", keep=["months"])
    cm = customer_months(orders, months_covered_col="months")
    a = cm.execute().query("customer_id == 'a'").sort_values("month")
    assert np.allclose(a["mrr"].iloc[:6], 100.0)
    assert np.allclose(a["mrr"].iloc[6:], 100.0 - 300.0 / (12 * 184 / 366), rtol=1e-9)


def test_stripe_example_100_monthly_at_100_and_50_yearly_at_600_is_12500():
    # Stripe, Billing analytics glossary (docs/REFERENCES.md).
    rows = [(f"m{i}", dt.date(2024, 3, 1), 100.0, 1) for i in range(100)]
    rows += [(f"y{i}", dt.date(2024, 3, 1), 600.0, 12) for i in range(50)]
    rows += [("z", dt.date(2024, 1, 1), 0.0, 1), ("z", dt.date(2024, 3, 31), 0.0, 1)]
    m = mrr_movements(_frame(rows), months_covered_col="months").set_index("month")
    assert m.loc["2024-03", "end"] == pytest.approx(12_500.0)
    # The same from period ends, and from yearly billing inferred from two years of charges.
    ends = [(c, d, a, (pd.Timestamp(d) + pd.DateOffset(months=n)).date())
            for c, d, a, n in rows]
    by_end = mrr_movements(pd.DataFrame(ends, columns=["customer_id", "date", "amount",
                                                       "period_end"]),
                           period_end_col="period_end").set_index("month")
    assert by_end.loc["2024-03", "end"] == pytest.approx(12_500.0)


def test_chartmogul_net_mrr_churn_counts_reactivation_as_a_gain():
    # (churn + contraction − expansion − reactivation) / start: 100 start, churn 10,
    # contraction 10, expansion 10, reactivation 5 -> 5%; without reactivation 10%.
    rates = revenue_churn(100, 10, 10, 10, reactivation=5, include_reactivation=True)
    assert rates["net"] == pytest.approx(0.05) and rates["gross"] == pytest.approx(0.20)
    assert revenue_churn(100, 10, 10, 10, reactivation=5)["net"] == pytest.approx(0.10)


def test_billing_intervals_are_inferred_per_customer_and_counted():
    rows = [("w", d, 5.0) for d in _every(dt.date(2024, 1, 1), 7, 30)]
    rows += [("f", d, 5.0) for d in _every(dt.date(2024, 1, 1), 28, 6)]
    rows += [("t", d, 5.0) for d in _every(dt.date(2024, 1, 1), 30, 6)]
    rows += [("m", dt.date(2024, k, 15), 5.0) for k in range(1, 8)]
    rows += [("q", dt.date(2024, k, 2), 5.0) for k in (1, 4, 7, 10)]
    rows += [("y", dt.date(2022, 5, 5), 5.0), ("y", dt.date(2023, 5, 5), 5.0)]
    rows += [("s", dt.date(2024, 2, 2), 5.0), ("r", dt.date(2024, 1, 1), -5.0)]
    rows += [("i", dt.date(2024, 1, 1), 5.0), ("i", dt.date(2024, 3, 20), 5.0)]
    orders = validate_orders(_frame(rows), amount_col="amount")
    rules = customer_rules(orders).execute().set_index("customer_id")["rule"].to_dict()
    assert rules == {"w": "week", "f": "four_weeks", "t": "thirty_days", "m": "month",
                     "q": "quarter", "y": "year", "s": "single_charge", "i": "irregular"}
    counts = billing_rules_expr(service_periods(orders)).execute()
    assert dict(zip(counts["rule"], counts["customers"], strict=True))["month"] == 1


def test_a_period_end_before_its_charge_is_an_error_naming_the_column():
    rows = [("a", dt.date(2024, 1, 5), 10.0, None, dt.date(2024, 1, 1)),
            ("a", dt.date(2024, 3, 31), 10.0, None, dt.date(2024, 4, 30))]
    frame = _frame(rows).drop(columns="months")
    with pytest.raises(GrowthkitError, match="period_end_col 'period_end' has a period end on"):
        mrr_movements(frame, period_end_col="period_end")
