"""analyze on row-level data: sources, segments, several arms, aggregates and bad inputs."""

from __future__ import annotations

import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from growthkit.abtest import RESULT_COLUMNS, aggregate, analyze, analyze_summary
from growthkit.errors import GrowthkitError

CONTRACT = [
    "metric", "variant", "n", "control_n", "mean", "control_mean", "abs_diff", "abs_ci_low",
    "abs_ci_high", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_value_adjusted",
    "method",
]


@pytest.fixture(scope="module")
def users() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    variant = rng.choice(["control", "b", "c"], n)
    pre = rng.gamma(0.5, 40.0, n)
    lift = np.select([variant == "b", variant == "c"], [1.2, 0.95], 1.0)
    converted = (rng.random(n) < 0.1 * lift).astype(int)
    revenue = converted * (0.5 * pre + rng.lognormal(3, 1, n))
    return pd.DataFrame({
        "variant": variant,
        "device": rng.choice(["mobile", "desktop"], n),
        "converted": converted,
        "revenue": revenue,
        "pre_revenue": pre,
        "sessions": 1 + rng.poisson(2, n),
    })


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
    res = analyze(users, **SPEC)
    assert list(res.columns[: len(CONTRACT)]) == CONTRACT
    assert list(res.columns) == [c for c in RESULT_COLUMNS if c != "segment"]
    assert list(res["metric"]) == ["converted"] * 2 + ["revenue"] * 2 + ["rps"] * 2
    assert list(res["method"]) == ["ztest"] * 2 + ["cuped"] * 2 + ["delta"] * 2
    assert set(res["variant"]) == {"b", "c"}


def test_aggregate_entry_point_equals_row_level(users):
    row_level = analyze(users, **SPEC)
    summary = analyze_summary(pd.DataFrame(_by_hand(users)).assign(
        method=lambda d: d["method"].fillna("ztest")), control="control")
    pd.testing.assert_frame_equal(row_level, summary, rtol=1e-9, check_dtype=False)


def test_engine_aggregate_round_trips_through_analyze_summary(users):
    agg = aggregate(users, "variant", ["converted", "revenue"], cuped={"revenue": "pre_revenue"},
                    ratio_metrics={"rps": ("revenue", "sessions")})
    pd.testing.assert_frame_equal(analyze(users, **SPEC), analyze_summary(agg, "control"))


def test_parquet_duckdb_and_sqlite_sources_equal_the_dataframe(users, tmp_path):
    path = tmp_path / "exp.parquet"
    users.to_parquet(path)
    db = tmp_path / "exp.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", users)
    con.execute("CREATE TABLE users AS SELECT * FROM frame")
    con.close()
    lite = tmp_path / "exp.db"
    with sqlite3.connect(lite) as sq:
        users.to_sql("users", sq, index=False)
    expected = analyze(users, **SPEC)
    pd.testing.assert_frame_equal(analyze(str(path), **SPEC), expected, rtol=1e-12)
    pd.testing.assert_frame_equal(analyze(f"duckdb:///{db}?table=users", **SPEC), expected,
                                  rtol=1e-12)
    pd.testing.assert_frame_equal(analyze(f"sqlite:///{lite}?table=users", **SPEC), expected,
                                  rtol=1e-9)


def test_text_specs_are_parsed_like_their_structured_forms(users):
    res = analyze(users, "variant", "control", "converted, revenue,revenue/sessions",
                  cuped="revenue:pre_revenue")
    structured = analyze(users, "variant", "control", ["converted", "revenue"],
                         cuped={"revenue": "pre_revenue"},
                         ratio_metrics={"revenue/sessions": ("revenue", "sessions")})
    pd.testing.assert_frame_equal(res, structured)


def test_holm_runs_over_all_metric_by_arm_comparisons(users):
    res = analyze(users, **SPEC)
    expected = multipletests(res["p_value"], method="holm")[1]
    np.testing.assert_allclose(res["p_value_adjusted"], expected, rtol=1e-12)
    bh = analyze(users, **SPEC, correction="bh")
    np.testing.assert_allclose(bh["p_value_adjusted"],
                               multipletests(res["p_value"], method="fdr_bh")[1], rtol=1e-12)


def test_segments_give_one_row_per_metric_arm_segment(users):
    res = analyze(users, **SPEC, segment_col="device")
    assert len(res) == 3 * 2 * 2
    mobile = res[(res["segment"] == "mobile") & (res["metric"] == "converted")]
    direct = analyze(users[users["device"] == "mobile"], "variant", "control", ["converted"],
                     correction="none")
    np.testing.assert_allclose(mobile["p_value"], direct["p_value"], rtol=1e-12)
    np.testing.assert_allclose(res["p_value_adjusted"],
                               multipletests(res["p_value"], method="holm")[1], rtol=1e-12)


def test_cuped_within_segments_pools_theta_per_segment(users):
    res = analyze(users, **SPEC, segment_col="device")
    for device in ("mobile", "desktop"):
        sub = analyze(users[users["device"] == device], **SPEC)
        seg = res[res["segment"] == device].reset_index(drop=True)
        np.testing.assert_allclose(seg["abs_diff"], sub["abs_diff"], rtol=1e-10)
        np.testing.assert_allclose(seg["abs_se"], sub["abs_se"], rtol=1e-10)


def test_integer_arms_and_boolean_metrics(users):
    df = users.assign(variant=users["variant"].map({"control": 0, "b": 1, "c": 2}),
                      converted=users["converted"].astype(bool))
    res = analyze(df, "variant", 0, ["converted"])
    assert list(res["variant"]) == ["1", "2"] and (res["method"] == "ztest").all()
    base = analyze(users, "variant", "control", ["converted"])
    np.testing.assert_allclose(res["p_value"], base["p_value"], rtol=1e-12)


def test_cuped_reduces_variance_and_keeps_the_estimate_close(users):
    res = analyze(users, **SPEC)
    plain = analyze(users, "variant", "control", ["revenue"])
    cup = res[res["metric"] == "revenue"].reset_index(drop=True)
    assert (cup["abs_se"] < plain["abs_se"]).all()
    np.testing.assert_allclose(cup["variance_reduction"],
                               1 - (cup["abs_se"] / plain["abs_se"]) ** 2, rtol=1e-10)


# ----------------------------------------------------------------------------- bad inputs


def test_one_arm_only_is_an_error(users):
    with pytest.raises(GrowthkitError, match="only one arm"):
        analyze(users[users["variant"] == "control"], "variant", "control", ["converted"])


def test_absent_control_lists_the_arms(users):
    with pytest.raises(GrowthkitError, match=r"'ctrl' is not an arm.*'b', 'c', 'control'"):
        analyze(users, "variant", "ctrl", ["converted"])


def test_missing_column_lists_the_columns(users):
    with pytest.raises(GrowthkitError, match=r"'spend' missing.*'revenue'"):
        analyze(users, "variant", "control", ["spend"])


def test_non_numeric_metric_is_an_error(users):
    with pytest.raises(GrowthkitError, match=r"metric column 'device' must be numeric"):
        analyze(users, "variant", "control", ["device"])


def test_nan_values_are_an_error_naming_the_count(users):
    df = users.copy()
    df.loc[[3, 5], "revenue"] = np.nan
    with pytest.raises(GrowthkitError, match=r"'revenue' has 2 missing \(NaN/null\) values"):
        analyze(df, "variant", "control", ["revenue"])


def test_nan_in_a_parquet_file_is_caught_in_the_engine(users, tmp_path):
    revenue = users["revenue"].to_numpy().copy()
    revenue[7] = np.nan
    table = pa.Table.from_pandas(users, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("revenue"), "revenue",
                             pa.array(revenue, from_pandas=False))  # a NaN, not a null
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    with pytest.raises(GrowthkitError, match=r"'revenue' has 1 missing"):
        analyze(str(path), "variant", "control", ["revenue"])


def test_missing_variant_is_an_error(users):
    df = users.astype({"variant": object}).copy()
    df.loc[0, "variant"] = None
    with pytest.raises(GrowthkitError, match="1 rows with no variant"):
        analyze(df, "variant", "control", ["converted"])


def test_zero_conversions_in_both_arms_is_a_defined_result():
    df = pd.DataFrame({"variant": ["A"] * 50 + ["B"] * 50, "converted": 0})
    r = analyze(df, "variant", "A", ["converted"]).iloc[0]
    assert r["method"] == "ztest"
    assert (r["abs_diff"], r["abs_ci_low"], r["abs_ci_high"]) == (0, 0, 0)
    assert r["p_value"] == 1.0 and r["p_value_adjusted"] == 1.0
    assert np.isnan(r["rel_lift"]) and np.isnan(r["rel_ci_low"])


def test_constant_continuous_metric_is_a_defined_result():
    df = pd.DataFrame({"variant": ["A"] * 5 + ["B"] * 5, "spend": [2.0] * 5 + [3.0] * 5})
    r = analyze(df, "variant", "A", ["spend"]).iloc[0]
    assert r["abs_diff"] == 1.0 and r["abs_ci_low"] == r["abs_ci_high"] == 1.0
    assert r["p_value"] == 0.0


def test_fewer_than_two_units_in_an_arm_is_an_error():
    df = pd.DataFrame({"variant": ["A", "A", "B"], "spend": [1.0, 2.0, 3.0]})
    with pytest.raises(GrowthkitError, match="arm 'B' has n=1 units"):
        analyze(df, "variant", "A", ["spend"])


def test_small_segments_give_nan_rows_not_errors():
    df = pd.DataFrame({"variant": ["A", "A", "B", "B", "B"], "seg": ["x", "x", "x", "x", "y"],
                       "spend": [1.0, 2.0, 3.0, 5.0, 1.0]})
    res = analyze(df, "variant", "A", ["spend"], segment_col="seg")
    y = res[res["segment"] == "y"].iloc[0]
    assert y["n"] == 1 and np.isnan(y["control_n"]) and np.isnan(y["p_value"])
    assert np.isfinite(res[res["segment"] == "x"].iloc[0]["p_value"])


def test_empty_data_is_an_error():
    with pytest.raises(GrowthkitError, match="no rows"):
        analyze(pd.DataFrame({"variant": pd.Series([], dtype=str), "c": pd.Series([], dtype=int)}),
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
        analyze(users, "variant", "control", ["converted", "revenue"], **kwargs)


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
