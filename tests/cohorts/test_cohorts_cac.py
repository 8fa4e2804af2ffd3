"""growthkit.cohorts.cac: spend tables and CAC per cohort, channel and segment (hand-computed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohorts_support import orders

from growthkit.cohorts import build_cohorts, cac_table, load_spend, period_label, period_of
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates

ROWS = [
    ("a1", "2024-01-03", 40, "ads", "discounted"),
    ("a2", "2024-01-04", 60, "ads", "full price"),
    ("s1", "2024-01-05", 50, "seo", "full price"),
    ("a3", "2024-02-03", 70, "ads", "full price"),
    ("m1", "2024-02-04", 20, "mail", "full price"),
    ("s2", "2024-03-05", 30, "seo", "full price"),
]
SPEND = pd.DataFrame({
    "period": ["2024-01", "2024-01", "2024-02", "2024-02"],
    "channel": ["ads", "seo", "ads", "tv"],
    "spend": [100.0, 30.0, 40.0, 10.0],
})


@pytest.fixture(scope="module")
def cohorts():
    data = orders(ROWS, extra=("channel", "offer"))
    return build_cohorts(data, gross_margin=1.0, segment_col="channel,offer",
                         observation_end="2024-03-31")


def _by_label(frame: pd.DataFrame) -> dict:
    """(segment..., cohort label) -> (CAC, basis)."""
    out = {}
    for key, row in frame.iterrows():
        *segment, cohort = key if isinstance(key, tuple) else (key,)
        out[(*segment, period_label(int(cohort), "month"))] = (round(row["cac"], 9),
                                                              row["basis"])
    return out


def test_cac_is_the_periods_spend_over_its_new_customers(cohorts):
    c = cac_table(cohorts, load_spend(SPEND, "month"))
    assert c.channel_col == "channel"
    assert _by_label(c.overall) == {
        ("2024-01",): (round(130 / 3, 9), "spend"),
        ("2024-02",): (25.0, "spend"),  # ads 40 and tv 10 over two new customers
        ("2024-03",): (0.0, "no spend"),  # customers and no spend: CAC 0, and it says so
    }
    assert _by_label(c.segments["channel"]) == {
        ("ads", "2024-01"): (50.0, "spend"),
        ("ads", "2024-02"): (40.0, "spend"),
        ("mail", "2024-02"): (0.0, "no spend"),
        ("seo", "2024-01"): (30.0, "spend"),
        ("seo", "2024-03"): (0.0, "no spend"),
    }


def test_other_segments_carry_the_cost_of_their_customers_channels(cohorts):
    c = cac_table(cohorts, load_spend(SPEND, "month"))
    assert _by_label(c.segments["offer"]) == {
        ("discounted", "2024-01"): (50.0, "spend"),  # a1 came by ads (50)
        ("full price", "2024-01"): (40.0, "spend"),  # a2 by ads (50) and s1 by seo (30)
        ("full price", "2024-02"): (20.0, "spend"),  # a3 by ads (40), m1 by mail (0)
        ("full price", "2024-03"): (0.0, "no spend"),
    }


def test_spend_that_cannot_be_attributed_is_named_in_the_notes(cohorts):
    notes = strip_isolates(" ".join(
        n.text() for n in cac_table(cohorts, load_spend(SPEND, "month")).notes))
    assert "Spend of $10.00 on tv acquired no customer in its period" in notes
    assert "1 cohort acquired customers with no spend recorded (e.g. 2024-03): its CAC" in notes
    euros = cac_table(cohorts, load_spend(SPEND, "month"), currency="EUR").notes
    assert any("€10.00" in n.text() for n in euros)


def test_without_a_matching_channel_column_segments_take_the_blended_cac():
    data = orders(ROWS, extra=("channel", "offer"))
    c = build_cohorts(data, gross_margin=1.0, segment_col="offer", observation_end="2024-03-31")
    costs = cac_table(c, load_spend(SPEND, "month"))
    assert costs.channel_col is None
    jan = costs.segments["offer"].xs(period_of(pd.Timestamp("2024-01-01").date(), "month"),
                                      level="cohort")
    assert jan["cac"].tolist() == pytest.approx([130 / 3, 130 / 3])
    assert set(jan["basis"]) == {"blended"}
    assert any("match no value of the segment columns" in n.text() for n in costs.notes)


def test_a_flat_cac_applies_to_every_complete_cohort_and_none_still_forming():
    data = orders(ROWS, extra=("channel", "offer"))
    c = build_cohorts(data, gross_margin=1.0, segment_col="channel")  # ends 03-05: mid-month
    costs = cac_table(c, cac=25)
    assert costs.source == "flat"
    assert costs.overall["cac"].tolist()[:2] == [25.0, 25.0]
    assert np.isnan(costs.overall["cac"].iloc[2]) and costs.overall["basis"].iloc[2] == "forming"


def test_a_spend_file_with_other_capitalisation_is_read(tmp_path, cohorts):
    path = tmp_path / "spend.csv"
    SPEND.rename(columns=str.title).to_csv(path, index=False)
    spend = load_spend(str(path), "month")
    assert spend.table["spend"].sum() == 180.0 and spend.by_channel


def test_monthly_spend_is_spread_over_the_days_of_its_month_in_a_weekly_report():
    spend = load_spend(pd.DataFrame({"period": ["2024-01"], "spend": [310.0]}), "week")
    assert spend.spread_monthly and not spend.by_channel
    assert spend.table["spend"].sum() == pytest.approx(310.0)
    first_week = period_of(pd.Timestamp("2024-01-01").date(), "week")  # Monday 1 to Sunday 7
    assert spend.table.set_index("p").loc[first_week, "spend"] == pytest.approx(70.0)


def test_dated_spend_counts_in_the_period_of_its_date():
    spend = load_spend(pd.DataFrame({"period": ["2024-01-15", "2024-01-31", "2024-02-01"],
                                     "spend": [1.0, 2.0, 4.0]}), "month")
    assert spend.table["spend"].tolist() == [3.0, 4.0] and not spend.spread_monthly


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"period": ["2024-01"], "cost": [1.0]}),
         "Required column 'spend' missing from spend_data"),
        (pd.DataFrame({"period": ["soon"], "spend": [1.0]}),
         "period column 'period' of spend_data has 1 value.* not dates"),
        (pd.DataFrame({"period": ["2024-01"], "spend": [-5.0]}),
         "spend column 'spend' of spend_data has 1 negative value"),
        (pd.DataFrame({"period": ["2024-01"], "spend": ["lots"]}),
         "spend column 'spend' of spend_data has 1 empty or non-numeric value"),
    ],
)
def test_bad_spend_tables_are_one_line_errors_naming_the_column(frame, message):
    with pytest.raises(GrowthkitError, match=message):
        load_spend(frame, "month")


def test_cac_needs_exactly_one_source(cohorts):
    with pytest.raises(GrowthkitError, match=r"expected exactly one.*found neither"):
        cac_table(cohorts)
    with pytest.raises(GrowthkitError, match="found both"):
        cac_table(cohorts, load_spend(SPEND, "month"), cac=3)
    with pytest.raises(GrowthkitError, match="cac=-1 is negative"):
        cac_table(cohorts, cac=-1)
