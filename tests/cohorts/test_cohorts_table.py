"""growthkit.cohorts.table: the engine's cohort grid and the cohort table's definitions.

The definitions are those of docs/REFERENCES.md, "Cohorts and subscription metrics".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from cohorts_support import orders, pandas_cohorts, random_orders

from growthkit.cohorts import build_cohorts, parse_segments
from growthkit.cohorts.table import MISSING
from growthkit.errors import GrowthkitError


def _nan_equal(actual: np.ndarray, expected: list) -> None:
    np.testing.assert_allclose(actual, np.array(expected, dtype=float), rtol=0, atol=1e-12)


def test_retentioneering_toy_example_from_the_references():
    # docs/REFERENCES.md (retentioneering docs): the January cohort (users 1, 2) shows
    # period 1 = 50% and period 2 = 100%; the February cohort (users 3, 4) period 1 = 100%
    # and period 2 = 50%.
    data = orders([
        (1, "2024-01-03", 10), (1, "2024-02-03", 20), (1, "2024-03-03", 30),
        (2, "2024-01-20", 30), (2, "2024-03-20", 10),
        (3, "2024-02-01", 50), (3, "2024-03-01", 10), (3, "2024-04-01", 40),
        (4, "2024-02-10", 50), (4, "2024-03-10", 30),
    ])
    c = build_cohorts(data, gross_margin=0.5, observation_end="2024-04-30")
    t = c.table()
    assert t.labels == ["2024-01", "2024-02"]
    _nan_equal(t.retention(), [[1, 0.5, 1.0, 0.0], [1, 1.0, 0.5, np.nan]])
    _nan_equal(t.revenue_retention(), [[1, 0.5, 1.0, 0.0], [1, 0.4, 0.4, np.nan]])
    # margin 50% of revenue, divided by the two customers of each cohort
    _nan_equal(t.cumulative_margin_per_customer(), [[10, 15, 25, 25], [25, 35, 45, np.nan]])
    # averages weight by size over the cohorts observed at k: k = 3 is January's alone
    _nan_equal(t.average(t.retention()), [1, 0.75, 0.75, 0.0])
    assert t.observed_customers().tolist() == [4, 4, 4, 2]


def test_cumulative_margin_divides_by_everyone_acquired_not_by_survivors():
    # Four customers buy 25 each in January; one of them buys 100 in February. Per acquired
    # customer that is (100 + 100) / 4 = 50; per survivor it would be 25 + 100 = 125.
    data = orders([(i, "2024-01-05", 25) for i in range(4)] + [(0, "2024-02-05", 100)])
    t = build_cohorts(data, gross_margin=1.0, observation_end="2024-02-29").table()
    assert t.cumulative_margin_per_customer()[0].tolist() == [25.0, 50.0]
    assert t.margin_per_customer()[0].tolist() == [25.0, 25.0]


def test_data_ending_mid_month_leave_that_months_cells_null_not_zero():
    data = orders([
        ("A", "2024-01-05", 10), ("B", "2024-01-09", 10), ("A", "2024-02-05", 10),
        ("A", "2024-03-10", 10), ("C", "2024-03-10", 10),
    ])
    t = build_cohorts(data, gross_margin=1.0).table()  # observation end: the last order, 03-10
    assert t.observation_end == dt.date(2024, 3, 10)
    assert t.labels == ["2024-01", "2024-03"]
    _nan_equal(t.retention(), [[1, 0.5, np.nan], [np.nan, np.nan, np.nan]])
    assert t.complete.tolist() == [True, False]
    assert t.customers.tolist() == [2, 1]  # March's cohort so far
    avg = t.average(t.retention())
    assert avg[1] == 0.5 and np.isnan(avg[2])  # no cohort is observed in March: no average


def test_data_ending_mid_week_leave_that_weeks_cells_null():
    data = orders([
        ("A", "2024-01-01", 10), ("B", "2024-01-07", 10),  # Monday and Sunday of 2024-W01
        ("A", "2024-01-08", 10), ("A", "2024-01-17", 10),  # W02, and Wednesday of W03
    ])
    t = build_cohorts(data, gross_margin=1.0, period="week").table()
    assert t.labels == ["2024-W01"]
    _nan_equal(t.retention(), [[1, 0.5, np.nan]])
    ended = build_cohorts(data, gross_margin=1.0, period="week",
                          observation_end="2024-01-21").table()
    _nan_equal(ended.retention(), [[1, 0.5, 0.5]])


def test_orders_after_the_observation_end_are_ignored():
    data = orders([("A", "2024-01-05", 10), ("A", "2024-02-05", 99), ("B", "2024-02-06", 7)])
    t = build_cohorts(data, gross_margin=1.0, observation_end="2024-01-31").table()
    assert t.labels == ["2024-01"] and t.revenue.tolist() == [[10.0]]


def test_refunds_net_within_their_period_and_a_refund_alone_is_not_activity():
    data = orders([
        ("A", "2024-01-05", 100), ("B", "2024-01-06", 50),
        ("A", "2024-02-10", -40),  # February: a refund only
        ("A", "2024-03-02", 10), ("A", "2024-03-20", -5),  # March: a purchase and a refund
        ("C", "2024-01-15", -20), ("C", "2024-02-15", 30),  # refund before the first purchase
        ("D", "2024-02-01", -15),  # refunds only: in no cohort
    ])
    c = build_cohorts(data, gross_margin=1.0, observation_end="2024-03-31")
    t = c.table()
    assert t.labels == ["2024-01", "2024-02"]
    _nan_equal(t.revenue, [[150, -40, 5], [30, 0, np.nan]])
    _nan_equal(t.retention(), [[1, 0, 0.5], [1, 0, np.nan]])
    _nan_equal(t.cumulative_margin_per_customer(), [[75, 55, 57.5], [30, 30, np.nan]])
    assert c.unassigned == {"refund_only_amount": -15.0, "early_refund_amount": -20.0}


@pytest.mark.parametrize(
    ("timezone", "cohorts"),
    [("UTC", ["2024-02", "2024-02"]), ("America/New_York", ["2024-01", "2024-02"]),
     ("Asia/Riyadh", ["2024-02", "2024-03"])],
)
def test_timestamps_with_offsets_fall_in_the_month_of_the_report_time_zone(timezone, cohorts):
    # 2024-01-31 23:30 in New York is 2024-02-01 04:30 UTC; 2024-02-29 22:30 UTC is
    # 2024-03-01 01:30 in Riyadh.
    data = orders([
        ("A", "2024-01-31T23:30:00-05:00", 10),
        ("B", "2024-02-29T22:30:00+00:00", 10),
        ("Z", "2024-03-31T12:00:00+00:00", 1),
    ])
    c = build_cohorts(data, gross_margin=1.0, timezone=timezone, segment_col="customer_id")
    first = c.sizes.set_index("customer_id")["cohort"]
    from growthkit.cohorts import period_label

    assert [period_label(int(first[x]), "month") for x in ("A", "B")] == cohorts


def test_a_customers_segment_is_that_of_their_first_purchase():
    data = orders([
        (1, "2024-01-01", -5, "z"),  # a refund before the first purchase does not count
        (1, "2024-01-05", 10, "b"), (1, "2024-01-05", 10, "a"),  # a tie: the smallest value
        (1, "2024-02-05", 10, "c"),
        (2, "2024-01-07", 10, None), (2, "2024-01-08", 10, "a"),
        (3, "2024-01-09", 10, "c"),
    ], extra=("category",))
    c = build_cohorts(data, gross_margin=1.0, segment_col="category",
                      observation_end="2024-02-29")
    sizes = c.sizes.set_index("category")["customers"]
    assert sizes.to_dict() == {"a": 1, MISSING: 1, "c": 1}
    a = c.table("category", "a")
    # The refund is in January, customer 1's cohort period: it nets there (20 - 5); the
    # February order stays in the segment of the first purchase.
    assert a.revenue.tolist() == [[15.0, 10.0]]
    assert c.segment_values("category") == [MISSING, "a", "c"]


@pytest.mark.parametrize("period", ["month", "week"])
def test_agrees_with_a_plain_pandas_computation(period):
    frame = random_orders(seed=7)
    end = "2024-01-20"
    c = build_cohorts(frame, margin_col="margin", segment_col="channel", period=period,
                      observation_end=end)
    ref = pandas_cohorts(frame, period, end, margin="margin")
    _compare(c.table(), ref, None)
    seg = pandas_cohorts(frame, period, end, segment="channel", margin="margin")
    for value in c.segment_values("channel"):
        _compare(c.table("channel", value), seg, value)


def _compare(t, ref, segment) -> None:
    checked = 0
    for i, cohort in enumerate(t.cohorts):
        key = (int(cohort),) if segment is None else (int(cohort), segment)
        assert t.customers[i] == ref["size"][key if segment is not None else key[0]]
        for k in range(t.ages):
            if not t.observed[i, k]:
                continue
            cell = (*key[:1], k, *key[1:])
            assert t.active[i, k] == ref["active"].get(cell, 0)
            assert t.revenue[i, k] == pytest.approx(ref["revenue"].get(cell, 0.0), abs=1e-9)
            assert t.margin[i, k] == pytest.approx(ref["margin"].get(cell, 0.0), abs=1e-9)
            checked += 1
    assert checked > 20


def test_the_table_as_of_a_cutoff_equals_the_table_built_then():
    frame = random_orders(seed=3)
    full = build_cohorts(frame, margin_col="margin", observation_end="2024-02-10").table()
    cutoff = dt.date(2023, 9, 30)
    then = build_cohorts(frame, margin_col="margin", observation_end=cutoff).table()
    past = full.as_of(cutoff)
    assert past.labels == then.labels
    np.testing.assert_array_equal(past.customers, then.customers)
    for name in ("active", "revenue", "margin", "purchases"):
        np.testing.assert_allclose(getattr(past, name), getattr(then, name)[:, :past.ages],
                                   rtol=0, atol=1e-9)


def test_long_rows_hold_observed_cells_only():
    data = orders([("A", "2024-01-05", 10), ("B", "2024-01-09", 10), ("A", "2024-02-05", 4)])
    rows = build_cohorts(data, gross_margin=0.5).table().long()
    assert rows[["cohort", "period", "k", "active_customers"]].values.tolist() == [
        ["2024-01", "2024-01", 0, 2]
    ]  # February has not ended on 02-05


def test_segments_are_parsed_from_text_or_lists():
    assert parse_segments("channel, category,,channel") == ("channel", "category")
    assert parse_segments(["a", "b"]) == ("a", "b")
    assert parse_segments(None) == () and parse_segments("") == ()
    with pytest.raises(TypeError, match="segment_col"):
        parse_segments(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gross_margin": 0.4, "margin_col": "margin"}, "both given; expected one"),
        ({"gross_margin": 1.5}, r"gross_margin=1\.5 is out of range"),
        ({"gross_margin": 0}, r"gross_margin=0\.0 is out of range; expected a number in \(0, 1\]"),
        ({"gross_margin": "high"}, "gross_margin='high' is not a number"),
        ({"period": "day"}, r"period='day' is not a valid option; expected one of 'month'"),
        ({"observation_end": "2999-01-01"}, "observation_end=2999-01-01 is after today"),
        ({"observation_end": "2020-01-01"}, "is before the first order"),
        ({"segment_col": "nope"}, "Required column 'nope' missing"),
    ],
)
def test_user_mistakes_are_one_line_errors_naming_the_parameter(kwargs, message):
    data = orders([("A", "2024-01-05", 10, 3.0), ("A", "2024-02-05", 20, 6.0)],
                  extra=("margin",))
    with pytest.raises(GrowthkitError, match=message):
        build_cohorts(data, **kwargs)


def test_margins_that_look_like_rates_are_refused():
    data = orders([("A", "2024-01-05", 80, 0.4), ("A", "2024-02-05", 60, 0.35)],
                  extra=("margin",))
    with pytest.raises(GrowthkitError, match=r"margin column 'margin' holds values between -1 "
                                             r"and 1 only.*look like margin rates"):
        build_cohorts(data, margin_col="margin")


def test_margins_that_are_not_numbers_are_counted_and_refused():
    data = orders([("A", "2024-01-05", 80, "12.5"), ("A", "2024-02-05", 60, "n/a")],
                  extra=("margin",))
    with pytest.raises(GrowthkitError, match="margin column 'margin' has 1 empty or "
                                             "non-numeric value"):
        build_cohorts(data, margin_col="margin")


def test_without_a_margin_the_margin_is_the_revenue():
    c = build_cohorts(orders([("A", "2024-01-05", 80)]), observation_end="2024-01-31")
    assert c.margin_basis == "rate" and c.gross_margin == 1.0
    assert c.table().margin.tolist() == [[80.0]]


def test_the_sample_data_frame_and_its_table_agree_on_totals():
    frame = random_orders(seed=11)
    c = build_cohorts(frame, margin_col="margin", observation_end="2024-02-23")
    grid = c.grid
    kept = frame[pd.to_datetime(frame["date"]).dt.normalize() <= "2024-02-23"]
    buyers = kept[kept["amount"] >= 0]["customer_id"].nunique()
    assert int(c.sizes["customers"].sum()) == buyers
    assert grid["purchases"].sum() == (kept["amount"] >= 0).sum()  # every purchase, once
    assert grid["revenue"].sum() + sum(c.unassigned.values()) == pytest.approx(
        kept["amount"].sum(), abs=1e-6
    )


def test_a_segment_column_with_many_values_keeps_the_largest_and_folds_the_rest():
    rows = [(i, "2024-01-05", 10, f"v{i % 15:02d}") for i in range(60)]
    rows += [(i, "2024-01-06", 10, "v00") for i in range(60, 80)]  # v00 is the largest
    c = build_cohorts(orders(rows, extra=("seg",)), gross_margin=1.0, segment_col="seg",
                      observation_end="2024-01-31")
    folded, columns = c.top_values(5)
    values = folded.segment_values("seg")
    # v00 has 24 customers, v01 .. v14 four each (ties by name): the other 44 are folded
    assert columns == ["seg"] and values == ["(other)", "v00", "v01", "v02", "v03"]
    assert folded.sizes["customers"].sum() == 80
    assert folded.table("seg", "(other)").customers.tolist() == [80 - 24 - 3 * 4]
    same, none = c.top_values(20)
    assert same is c and none == []
