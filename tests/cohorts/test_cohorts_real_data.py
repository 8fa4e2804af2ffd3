"""The cohort report on the shapes of real shops' data (issue 16, items 3-6): a first cohort
that began before the data, 15 channels, duplicate spend rows, a seasonal upswing in under a
year, three customers; and averages, intervals and CACs that mean what they say."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from cohorts_support import many_channels, orders, prelaunch_orders, seasonal_upswing

from growthkit.cohorts import analyze, fit_curve
from growthkit.cohorts.projection import MIN_CUSTOMERS
from growthkit.cohorts.segments import projected_ratio_band
from growthkit.i18n import strip_isolates


def _codes(a) -> set[str]:
    return {n.code for n in a.notes}


# -- 3. the left-censored first cohort -------------------------------------------------------------


@pytest.fixture(scope="module")
def prelaunch():
    return analyze(prelaunch_orders(), gross_margin=0.4, cac=20.0, models=("curve",))


def test_the_first_cohort_before_the_data_start_is_flagged(prelaunch):
    m = prelaunch.metrics()
    flags = [c["left_censored"] for c in m["cohorts"]]
    assert flags[0] and not any(flags[1:])
    assert m["cohorts"][0]["customers"] > 4 * m["cohorts"][1]["customers"]  # 581 against 100
    assert "left_censored_cohort" in _codes(prelaunch)
    assert "(incl. earlier customers)" in prelaunch.cohorts_table().iloc[0, 0]
    assert "is left out of the averages" in strip_isolates(prelaunch.retention_markdown())


def test_the_left_censored_cohort_is_out_of_averages_headlines_and_the_fit(prelaunch):
    t = prelaunch.table
    rest = t.uncensored()
    assert len(rest.cohorts) == len(t.cohorts) - 1
    # Averages: retention at k = 11 over the later cohorts only (0.287 with the first, 0.309).
    retention = t.retention().to_numpy()[1:, 11]
    n = t.customers[1:]
    seen = ~np.isnan(retention)
    expected = (retention[seen] * n[seen]).sum() / n[seen].sum()
    assert prelaunch.metrics()["averages"]["retention"][11] == pytest.approx(expected, rel=1e-12)
    # Headlines: LTV at 12 periods over the later cohorts observed that long.
    ltv = rest.cumulative_margin_per_customer()[:, 11]
    ok = ~np.isnan(ltv)
    assert prelaunch.overall["ltv_12"] == pytest.approx(
        (ltv[ok] * rest.customers[ok]).sum() / rest.customers[ok].sum(), rel=1e-12)
    # The projection's fit: the curve of the later cohorts.
    curve = fit_curve(rest)
    assert prelaunch.projection.details["a"] == pytest.approx(curve.a, rel=1e-9)


def test_data_that_begin_with_the_business_keep_the_first_cohort():
    a = analyze(prelaunch_orders(), gross_margin=0.4, cac=20.0, models=("curve",),
                data_starts_at_launch="true")
    assert not any(c["left_censored"] for c in a.metrics()["cohorts"])
    assert "left_censored_cohort" not in _codes(a)
    assert a.parameters["data_starts_at_launch"] is True


# -- 4. averages that mean what they say -----------------------------------------------------------


def test_the_average_cumulative_margin_never_falls_and_meets_one_cac(small):
    m = small.metrics()
    curve = np.array([np.nan if v is None else v for v in
                      m["averages"]["cumulative_margin_per_customer"]])
    # Before: the mean of cumulative values over the cohorts observed at each k fell where
    # older cohorts dropped out (70.22 -> 68.88 from month 20 on sample:shop).
    assert (np.diff(curve[~np.isnan(curve)]) >= 0).all()
    # One CAC: the margin section compares the curve with the summary's CAC.
    text = strip_isolates(small.margin_markdown()).replace("\\$", "$")
    assert f"against {small.lang.money(small.overall['cac'], 'USD')})" in text


def test_the_interval_holds_its_point(small):
    low, mid, high = projected_ratio_band(small.projection, small.table, small.overall["cac"], 24)
    assert low <= mid <= high
    block = small.metrics()["ltv_cac"]["overall"]["24"]
    assert block["projected_ratio_interval"] == pytest.approx([low, high])
    assert low <= block["projected_ratio_corrected"] <= high
    # When the model's own figure is outside, the text says which model gave it and states the
    # corrected point inside the interval.
    proj = small.projection
    shifted = dataclasses.replace(proj, low=proj.low * 0.5, mid=proj.mid * 0.6,
                                  high=proj.high * 0.7)
    text = strip_isolates(small.ltv_cac_markdown.__func__(
        dataclasses.replace(small, projection=shifted)))
    assert "the margin curve model gives" in text or "the BG/NBD model gives" in text
    assert "ran high, and corrected by its backtest errors it is" in text


def test_no_spend_recorded_is_said_in_words_never_payback_zero(small):
    organic = small.metrics()["segments"]["channel"]["organic"]
    assert organic["cac"] == 0 and organic["payback_period"] is None
    assert all(c["payback_period"] is None for c in organic["by_cohort"])
    table = small.segments_table()
    row = table.loc[next(i for i in table.index if "organic" in i[1])]
    assert row.iloc[3] == "no spend recorded"


# -- 5. projection: shape constraints and a floor on evidence --------------------------------------


def test_a_seasonal_upswing_in_under_a_year_is_not_projected_as_an_ever_rising_curve():
    a = analyze(seasonal_upswing(), gross_margin=0.5, cac=20.0, models=("curve",))
    curve = fit_curve(a.table.uncensored())
    assert curve.rising and curve.b >= 0 and curve.lam >= 0 and curve.season == {}
    # Before: b = -0.38, projected LTV:CAC 18.7:1 at 24 months against 2.7:1 observed at 6,
    # "tracked closely". Now: no projection, and the reason in words.
    assert a.projection is None and np.isnan(a.overall["projected_ltv_cac_24"])
    assert "rises with age" in a.no_projection
    assert "no_projection" in _codes(a)


def test_the_fitted_margin_curve_never_grows_with_age():
    # Margins that grow with age in every cohort: the bounded fit keeps b >= 0 and λ >= 0, so
    # the curve's increments never grow (the projection is concave).
    a = analyze(seasonal_upswing(), gross_margin=0.5, cac=20.0, models=("curve",))
    curve = fit_curve(a.table.uncensored())
    g = curve.per_customer(np.arange(1, 40))
    assert (np.diff(g) <= 1e-12).all()


def test_three_customers_give_no_projection_and_a_sentence_why():
    rows = [("A", "2023-01-05", 50), ("A", "2023-03-05", 40), ("B", "2023-01-20", 30),
            ("B", "2023-02-11", 30), ("C", "2023-02-03", 80), ("C", "2023-05-03", 20),
            ("A", "2023-06-01", 40), ("B", "2023-07-15", 30),
            *[("C", f"2023-{m:02d}-10", 25) for m in range(8, 13)]]
    a = analyze(orders(rows), gross_margin=0.5, cac=5.0, data_starts_at_launch=True)
    # Before: "19.5:1 at 24 months (90% interval 10.8:1 to 40.3:1) ... tracked closely".
    assert a.projection is None and a.backtest is None
    assert a.metrics()["projection"] is None
    text = strip_isolates(a.summary())
    assert f"a projection needs at least {MIN_CUSTOMERS} customers" in text
    assert "tracked" not in text


# -- 6. segments beyond 12 values, duplicate spend rows --------------------------------------------


@pytest.mark.parametrize("kind", ["int", "str"])
def test_fifteen_channels_fold_into_other_with_their_spend_before_cac(kind):
    frame, spend = many_channels()
    if kind == "str":
        frame = frame.assign(channel="ch" + frame["channel"].astype(str))
        spend = spend.assign(channel="ch" + spend["channel"])
    a = analyze(frame, gross_margin=0.5, spend_data=spend, segment_col="channel",
                models=("curve",), data_starts_at_launch=True)
    folded = a.cohorts.folded["channel"]
    assert len(folded) == 4  # channels 12-15: the 11 largest are shown
    other = a.segments.loc[("channel", "(other)")]
    sizes = a.cohorts.sizes
    complete = sizes["cohort"].isin(a.table.cohorts[a.table.complete])
    in_other = sizes[complete & (sizes["channel"] == "(other)")]["customers"].sum()
    spent = spend[spend["channel"].isin(folded)]
    periods = {p for p in a.table.labels[:-1]}  # the complete cohorts' months
    cost = spent[spent["period"].isin(periods)]["spend"].sum()
    # Before: CAC 0 and payback 0, the spend "acquired no customer".
    assert other["cac"] == pytest.approx(cost / in_other, rel=1e-9) and other["cac"] > 0
    assert not np.isclose(other["payback_period"], 0)
    assert not any("acquired no customer" in n.text() for n in a.notes)


def test_duplicate_spend_rows_are_summed_with_a_note_naming_them(small_shop):
    frame, spend = small_shop
    doubled = pd.concat([spend, spend.iloc[:2]], ignore_index=True)
    a = analyze(frame.head(6000), margin_col="margin", spend_data=doubled, segment_col="channel",
                models=("curve",), data_starts_at_launch=True)
    [note] = [n for n in a.notes if n.code == "spend_duplicate_rows"]
    first = spend.iloc[0]
    assert note.args["n"] == 2 and str(first["channel"]) in note.args["examples"]
    assert "2 days and channels of spend_data have more than one row" in note.text()
    same = analyze(frame.head(6000), margin_col="margin", spend_data=spend,
                   segment_col="channel", models=("curve",), data_starts_at_launch=True)
    assert "spend_duplicate_rows" not in _codes(same)
