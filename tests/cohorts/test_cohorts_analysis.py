"""growthkit.cohorts.analyze: sample defaults, skipped sections, the JSON contract, the CSV."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from growthkit.cohorts import analyze, narrative
from growthkit.errors import GrowthkitError
from growthkit.report import export
from growthkit.samples.shop import shop_orders


def test_the_sample_defaults_apply_to_the_sample(sample):
    p = sample.parameters
    assert p["margin_col"] == "margin" and p["spend_data"] == "sample:shop-spend"
    assert sample.cohorts.segment_cols == ("channel", "category", "first_order")
    assert sample.channel_col == "channel" and sample.cac.source == "spend"
    assert not {"no_cac", "no_margin", "no_segments"} & {n.code for n in sample.notes}
    assert (sample.overview["customers"], sample.overview["orders"]) == (20_000, 51_465)


def test_the_same_data_from_a_file_inherit_nothing_from_the_sample(tmp_path):
    path = tmp_path / "orders.csv"
    shop_orders().head(8000).to_csv(path, index=False)
    a = analyze(str(path))
    assert a.cac is None and a.cohorts.segment_cols == () and a.cohorts.margin_basis == "rate"
    assert {narrative.NO_CAC, narrative.NO_MARGIN, narrative.NO_SEGMENTS} <= {
        n.message for n in a.notes}
    assert {"no_cac", "no_margin", "no_segments"} <= {n.code for n in a.notes}
    assert a.parameters["margin_col"] is None and a.parameters["spend_data"] is None
    assert a.cohort_summary["cac"].isna().all()


def test_the_metrics_follow_the_contract_of_the_issue(small):
    m = small.metrics()
    json.dumps(m, allow_nan=False)  # unobserved cells are null, never NaN
    assert m["period"] == "month"
    for key in ("cohorts", "segments", "ltv_cac", "projection", "backtest", "headline",
                "parameters", "versions", "data_quality", "notes", "summary"):
        assert key in m
    first = m["cohorts"][0]
    assert set(first) >= {"cohort", "customers", "cac", "retention", "revenue_retention",
                          "cumulative_margin_per_customer", "payback_period"}
    assert all(re.fullmatch(r"\d{4}-\d{2}", c["cohort"]) for c in m["cohorts"])
    assert first["cohort"] == "2023-01" and first["retention"][0] == 1.0
    # the data end on 2024-12-15: every cohort's December 2024 cell is null
    assert len(first["retention"]) == 24 and first["retention"][-1] is None
    assert first["retention"][-2] is not None
    last = m["cohorts"][-1]
    assert last["cohort"] == "2024-12" and last["retention"] == [None]
    assert last["cac"] is None and last["complete"] is False
    assert m["cohorts"][5]["payback_period"] == small.cohort_summary["payback_period"].iloc[5]
    assert m["ltv_cac"]["overall"]["12"]["ratio"] == pytest.approx(small.overall["ltv_cac_12"])
    assert m["backtest"]["chosen"] == small.backtest.chosen
    assert m["projection"]["model"] == small.backtest.chosen
    assert m["segments"]["channel"]["referral"]["payback_period"] == (
        small.segments.loc[("channel", "referral"), "payback_period"])
    assert m["data_quality"]["refunds"] > 0 and "headline" in m


def test_cohort_cac_in_the_json_matches_spend_over_new_customers(small_shop, small):
    frame, spend = small_shop
    m = small.metrics()
    jan = next(c for c in m["cohorts"] if c["cohort"] == "2024-01")
    new = frame.groupby("customer_id")["date"].min()
    n = int(((new >= "2024-01-01") & (new < "2024-02-01")).sum())
    assert jan["customers"] == n
    assert jan["cac"] == pytest.approx(spend.loc[spend["period"] == "2024-01", "spend"].sum() / n)


def test_weekly_cohorts_are_labelled_as_iso_weeks(small_shop):
    frame, _ = small_shop
    a = analyze(frame.head(4000), period="week", gross_margin=0.4, cac=30.0,
                observation_end="2023-06-14")
    labels = [c["cohort"] for c in a.metrics()["cohorts"]]
    assert labels[0] == "2022-W52" and all(re.fullmatch(r"\d{4}-W\d{2}", x) for x in labels)
    assert a.metrics()["cohorts"][0]["retention"][-1] is None  # a Wednesday: its week is open
    assert a.cac.source == "flat" and a.overall["cac"] == 30.0


def test_the_csv_holds_every_observed_cell_overall_then_per_segment(small, tmp_path):
    [path] = export({"cohorts.csv": small.cohort_rows_frame()}, tmp_path)
    rows = pd.read_csv(path, keep_default_na=False)
    overall = rows[rows["segment_column"] == ""]
    assert len(overall) == int(small.table.observed.sum())
    assert set(rows["segment_column"]) == {"", "channel", "first_order"}
    jan = overall[(overall["cohort"] == "2023-01") & (overall["k"] == 11)].iloc[0]
    assert float(jan["cumulative_margin_per_customer"]) == pytest.approx(
        small.table.cumulative_margin_per_customer()[0, 11], rel=1e-5)
    assert float(jan["cac"]) == pytest.approx(small.cohort_summary["cac"].iloc[0], rel=1e-5)


def test_the_projection_keeps_actuals_and_covers_24_periods(small):
    proj = small.projection
    assert proj.horizon == 24 and proj.level == 0.9
    t = small.table
    cum = t.cumulative_margin_per_customer()
    for i, k0 in enumerate(t.last_observed):
        if k0 >= 0:
            np.testing.assert_array_equal(proj.cumulative[i, :k0 + 1], cum[i, :k0 + 1])
    assert small.overall["projected_ltv_24"] > small.overall["projected_ltv_12"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spend_data": "sample:shop-spend", "cac": 20}, "both given; expected one"),
        ({"segment_col": "channel,nope"}, "Required column 'nope' missing"),
        ({"cohorts_csv": "/no/such/folder/c.csv"}, "folder '/no/such/folder' does not exist"),
        ({"period": "year"}, "period='year' is not a valid option"),
    ],
)
def test_user_mistakes_stop_before_any_work(kwargs, message):
    with pytest.raises(GrowthkitError, match=message):
        analyze(shop_orders().head(500), **kwargs)
