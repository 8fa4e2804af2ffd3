"""compare and analyze_summary: row-level data, segments, several arms, aggregates, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from growthkit.abtest import RESULT_COLUMNS, analyze_summary, compare
from growthkit.errors import GrowthkitError

CONTRACT = [
    "metric", "variant", "n", "control_n", "mean", "control_mean", "abs_diff", "abs_ci_low",
    "abs_ci_high", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_value_adjusted",
    "method",
]


SPEC = {
    "variant_col": "variant", "control": "control",
    "metrics": ["converted", "revenue"], "cuped": {"revenue": "pre_revenue"},
    "ratio_metrics": {"rps": ("revenue", "sessions")},
}


def _by_hand(df: pd.DataFrame) -> list[dict]:
    """Per-arm sufficient statistics computed with plain pandas, as a dashboard would give."""
    rows = []
    for arm, g in df.groupby("variant"):
        y, x, s = g["revenue"], g["pre_revenue"], g["sessions"]
        rows += [
            {"metric": "converted", "variant": arm, "n": len(g),
             "conversions": g["converted"].sum()},
            {"metric": "revenue", "variant": arm, "n": len(g), "method": "cuped",
             "sum": y.sum(), "sum_sq": (y**2).sum(), "x_sum": x.sum(), "x_sum_sq": (x**2).sum(),
             "xy_sum": (x * y).sum()},
            {"metric": "rps", "variant": arm, "n": len(g), "method": "delta",
             "sum": y.sum(), "sum_sq": (y**2).sum(), "x_sum": s.sum(), "x_sum_sq": (s**2).sum(),
             "xy_sum": (s * y).sum()},
        ]
    return rows


def test_columns_follow_the_contract(users):
    res = compare(users, **SPEC)
    assert list(res.columns[: len(CONTRACT)]) == CONTRACT
    assert list(res.columns) == [c for c in RESULT_COLUMNS if c != "segment"]
    assert list(res["metric"]) == ["converted"] * 2 + ["revenue"] * 2 + ["rps"] * 2
    assert list(res["method"]) == ["ztest"] * 2 + ["cuped"] * 2 + ["delta"] * 2
    assert set(res["variant"]) == {"b", "c"}


def test_aggregate_entry_point_equals_row_level(users):
    row_level = compare(users, **SPEC)
    summary = analyze_summary(pd.DataFrame(_by_hand(users)).assign(
        method=lambda d: d["method"].fillna("ztest")), control="control")
    pd.testing.assert_frame_equal(row_level, summary, rtol=1e-9, check_dtype=False)


def test_text_specs_are_parsed_like_their_structured_forms(users):
    res = compare(users, "variant", "control", "converted, revenue,revenue/sessions",
                  cuped="revenue:pre_revenue")
    structured = compare(users, "variant", "control", ["converted", "revenue"],
                         cuped={"revenue": "pre_revenue"},
                         ratio_metrics={"revenue/sessions": ("revenue", "sessions")})
    pd.testing.assert_frame_equal(res, structured)


def test_holm_runs_over_all_metric_by_arm_comparisons(users):
    res = compare(users, **SPEC)
    expected = multipletests(res["p_value"], method="holm")[1]
    np.testing.assert_allclose(res["p_value_adjusted"], expected, rtol=1e-12)
    bh = compare(users, **SPEC, correction="bh")
    np.testing.assert_allclose(bh["p_value_adjusted"],
                               multipletests(res["p_value"], method="fdr_bh")[1], rtol=1e-12)


def test_segments_give_one_row_per_metric_arm_segment(users):
    res = compare(users, **SPEC, segment_col="device")
    assert len(res) == 3 * 2 * 2
    mobile = res[(res["segment"] == "mobile") & (res["metric"] == "converted")]
    direct = compare(users[users["device"] == "mobile"], "variant", "control", ["converted"],
                     correction="none")
    np.testing.assert_allclose(mobile["p_value"], direct["p_value"], rtol=1e-12)
    np.testing.assert_allclose(res["p_value_adjusted"],
                               multipletests(res["p_value"], method="holm")[1], rtol=1e-12)


def test_cuped_within_segments_pools_theta_per_segment(users):
    res = compare(users, **SPEC, segment_col="device")
    for device in ("mobile", "desktop"):
        sub = compare(users[users["device"] == device], **SPEC)
        seg = res[res["segment"] == device].reset_index(drop=True)
        np.testing.assert_allclose(seg["abs_diff"], sub["abs_diff"], rtol=1e-10)
        np.testing.assert_allclose(seg["abs_se"], sub["abs_se"], rtol=1e-10)


def test_integer_arms_and_boolean_metrics(users):
    df = users.assign(variant=users["variant"].map({"control": 0, "b": 1, "c": 2}),
                      converted=users["converted"].astype(bool))
    res = compare(df, "variant", 0, ["converted"])
    assert list(res["variant"]) == ["1", "2"] and (res["method"] == "ztest").all()
    base = compare(users, "variant", "control", ["converted"])
    np.testing.assert_allclose(res["p_value"], base["p_value"], rtol=1e-12)


def test_cuped_reduces_variance_and_keeps_the_estimate_close(users):
    res = compare(users, **SPEC)
    plain = compare(users, "variant", "control", ["revenue"])
    cup = res[res["metric"] == "revenue"].reset_index(drop=True)
    assert (cup["abs_se"] < plain["abs_se"]).all()
    np.testing.assert_allclose(cup["variance_reduction"],
                               1 - (cup["abs_se"] / plain["abs_se"]) ** 2, rtol=1e-10)


# ----------------------------------------------------------------------------- bad inputs


def test_one_arm_only_is_an_error(users):
    with pytest.raises(GrowthkitError, match="only one arm"):
        compare(users[users["variant"] == "control"], "variant", "control", ["converted"])


def test_absent_control_lists_the_arms(users):
    with pytest.raises(GrowthkitError, match=r"'ctrl' is not an arm.*'b', 'c', 'control'"):
        compare(users, "variant", "ctrl", ["converted"])


def test_missing_column_lists_the_columns(users):
    with pytest.raises(GrowthkitError, match=r"'spend' missing.*'revenue'"):
        compare(users, "variant", "control", ["spend"])


def test_non_numeric_metric_is_an_error(users):
    with pytest.raises(GrowthkitError, match=r"metric column 'device' must be numeric"):
        compare(users, "variant", "control", ["device"])


def test_nan_values_are_an_error_naming_the_count(users):
    df = users.copy()
    df.loc[[3, 5], "revenue"] = np.nan
    with pytest.raises(GrowthkitError, match=r"'revenue' has 2 missing \(NaN/null\) values"):
        compare(df, "variant", "control", ["revenue"])


def test_missing_variant_is_an_error(users):
    df = users.astype({"variant": object}).copy()
    df.loc[0, "variant"] = None
    with pytest.raises(GrowthkitError, match="1 rows with no variant"):
        compare(df, "variant", "control", ["converted"])


@pytest.mark.parametrize(("rate", "lift"), [(0, np.nan), (1, 0.0)])
def test_no_conversions_or_only_conversions_in_both_arms_have_no_test(rate, lift):
    # Nothing varies, so no test is possible: p-values and intervals are NaN (null in the
    # JSON, n/a in the report), while the difference (0) and the lift (0, or none from a
    # baseline of 0) are still facts.
    df = pd.DataFrame({"variant": ["A"] * 50 + ["B"] * 50, "converted": rate})
    r = compare(df, "variant", "A", ["converted"]).iloc[0]
    assert r["method"] == "ztest" and r["abs_diff"] == 0
    np.testing.assert_equal(r["rel_lift"], lift)
    for col in ("p_value", "p_value_adjusted", "statistic", "abs_se", "abs_ci_low",
                "abs_ci_high", "rel_se", "rel_ci_low", "rel_ci_high"):
        assert np.isnan(r[col]), col


def test_a_ratio_whose_denominator_is_zero_everywhere_has_no_test():
    df = pd.DataFrame({"variant": ["A", "B"] * 20, "revenue": [1.0, 2.0] * 20, "sessions": 0})
    r = compare(df, "variant", "A", ["revenue/sessions"]).iloc[0]
    assert r["method"] == "delta"
    assert np.isnan([r["mean"], r["control_mean"], r["p_value"], r["abs_ci_low"]]).all()


def test_the_lift_of_a_negative_metric_has_the_sign_of_the_difference():
    # Profit per user: control −12, −8 (20 times each: mean −10), treatment −7, −3 (mean −5);
    # both have per-unit variance 40·2²/39 = 160/39. Lift = (−5 − (−10))/|−10| = +0.5.
    df = pd.DataFrame({"variant": ["A"] * 40 + ["B"] * 40,
                       "profit": [-12.0, -8.0] * 20 + [-7.0, -3.0] * 20})
    r = compare(df, "variant", "A", ["profit"]).iloc[0]
    assert r["abs_diff"] == 5.0
    assert r["rel_lift"] == pytest.approx(0.5, abs=1e-15)  # (−5 − (−10))/|−10|
    var = 4.0 * 40 / 39  # per-unit sample variance of ±2 around the mean, both arms
    # Delta method: var/(n·10²) + 5²·var/(n·10⁴)
    se = np.sqrt(var / (40 * 100) + 25 * var / (40 * 10_000))
    assert se == pytest.approx(0.0358057437019716, abs=1e-15)
    assert r["rel_se"] == pytest.approx(se, rel=1e-12)
    # 0.5 ∓ z₀.₉₇₅·se with z₀.₉₇₅ = 1.959963984540054
    assert r["rel_ci_low"] == pytest.approx(0.4298220319044637, abs=1e-12)
    assert r["rel_ci_high"] == pytest.approx(0.5701779680955363, abs=1e-12)


def test_constant_continuous_metric_is_a_defined_result():
    df = pd.DataFrame({"variant": ["A"] * 5 + ["B"] * 5, "spend": [2.0] * 5 + [3.0] * 5})
    r = compare(df, "variant", "A", ["spend"]).iloc[0]
    assert r["abs_diff"] == 1.0 and r["abs_ci_low"] == r["abs_ci_high"] == 1.0
    assert r["p_value"] == 0.0


def test_fewer_than_two_units_in_an_arm_is_an_error():
    df = pd.DataFrame({"variant": ["A", "A", "B"], "spend": [1.0, 2.0, 3.0]})
    with pytest.raises(GrowthkitError, match="arm 'B' has n=1 units"):
        compare(df, "variant", "A", ["spend"])


def test_small_segments_give_nan_rows_not_errors():
    df = pd.DataFrame({"variant": ["A", "A", "B", "B", "B"], "seg": ["x", "x", "x", "x", "y"],
                       "spend": [1.0, 2.0, 3.0, 5.0, 1.0]})
    res = compare(df, "variant", "A", ["spend"], segment_col="seg")
    y = res[res["segment"] == "y"].iloc[0]
    assert y["n"] == 1 and np.isnan(y["control_n"]) and np.isnan(y["p_value"])
    assert np.isfinite(res[res["segment"] == "x"].iloc[0]["p_value"])


def test_empty_data_is_an_error():
    with pytest.raises(GrowthkitError, match="no rows"):
        compare(pd.DataFrame({"variant": pd.Series([], dtype=str), "c": pd.Series([], dtype=int)}),
                "variant", "A", ["c"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"correction": "sidak"}, r"correction='sidak'.*'holm', 'bh', 'bonferroni', 'none'"),
        ({"alpha": 1.5}, "alpha=1.5"),
        ({"cuped": {"sessions": "pre_revenue"}}, "cuped names metric 'sessions'"),
        ({"cuped": "revenue=pre_revenue"}, "not of the form 'metric:pre_period_column'"),
        ({"ratio_metrics": "rps:revenue"}, "not of the form 'numerator/denominator'"),
    ],
)
def test_bad_options_name_the_parameter(users, kwargs, message):
    with pytest.raises(GrowthkitError, match=message):
        compare(users, "variant", "control", ["converted", "revenue"], **kwargs)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"metric": "m", "variant": "A", "n": 10}], "'conversions'.*or 'sum' and 'sum_sq'"),
        ([{"metric": "m", "variant": "A", "n": 10, "conversions": 11},
          {"metric": "m", "variant": "B", "n": 10, "conversions": 1}], "between 0 and n"),
        ([{"metric": "m", "variant": "A", "n": 10, "sum": 1, "sum_sq": 1, "x_sum": 1,
           "x_sum_sq": 1, "xy_sum": 1}], "need a 'method' column"),
        ([{"metric": "m", "variant": "A", "conversions": 1}], "'n' missing"),
        ([{"metric": "m", "variant": v, "n": 10, "conversions": 1} for v in "ABB"],
         "repeat .*'variant': 'B'"),
        ([{"metric": m, "variant": v, "n": 10, "conversions": 1} for m, v in
          [("m", "A"), ("m", "B"), ("k", "B")]], "metric 'k' has no row for control 'A'"),
    ],
)
def test_bad_aggregates_are_explained(rows, message):
    with pytest.raises(GrowthkitError, match=message):
        analyze_summary(rows, control="A")


# ----------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    n=st.tuples(st.integers(2, 5000), st.integers(2, 5000)),
    rate=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_intervals_contain_their_estimates_and_p_values_are_probabilities(n, rate, alpha):
    rows = [{"metric": "m", "variant": arm, "n": k, "conversions": round(k * r)}
            for arm, k, r in zip("AB", n, rate, strict=True)]
    # correction="none": statsmodels' Holm runs gc.collect() on every call, slow in a loop.
    r = analyze_summary(rows, control="A", alpha=alpha, correction="none").iloc[0]
    pooled = sum(row["conversions"] for row in rows) / sum(n)
    if pooled in (0, 1):  # nothing varies: no test
        assert np.isnan(r["p_value"]) and np.isnan(r["abs_ci_low"])
        return
    assert r["abs_ci_low"] <= r["abs_diff"] <= r["abs_ci_high"]
    assert 0 <= r["p_value"] <= 1
    if np.isfinite(r["rel_lift"]):
        assert r["rel_ci_low"] <= r["rel_lift"] <= r["rel_ci_high"]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 5000), counts=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_with_equal_arms_a_significant_pooled_test_has_a_wald_interval_without_zero(n, counts):
    # With equal n the pooled variance p̄(1 − p̄) = mean of p_i(1 − p_i) + (p₁ − p₂)²/4 is at
    # least the unpooled one, so a pooled rejection implies the Wald interval excludes 0.
    rows = [{"metric": "m", "variant": arm, "n": n, "conversions": round(n * c)}
            for arm, c in zip("AB", counts, strict=True)]
    r = analyze_summary(rows, control="A", correction="none").iloc[0]
    if r["p_value"] < 0.05:
        assert not r["abs_ci_low"] <= 0 <= r["abs_ci_high"]
