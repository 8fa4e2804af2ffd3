"""analyze and ABTestAnalysis (growthkit.abtest.analysis): the sample, user data, the JSON
contract and the deprecated names."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import numpy as np
import pandas as pd
import pytest

import growthkit.abtest as ab
from growthkit import load
from growthkit.abtest import ABTestAnalysis, analyze, compare
from growthkit.errors import GrowthkitError
from growthkit.i18n import isolate, strip_isolates
from growthkit.progress import LOGGER
from growthkit.result import ReportAnalysis
from growthkit.samples.experiment import TRUE_EFFECTS, make_experiment

#: The JSON keys the report has always published: a contract (add, never rename).
CONTRACT_KEYS = {
    "srm", "results", "decision", "decision_arm", "decision_reasons", "power", "bayesian",
    "segments", "variance_reduction", "headline", "parameters", "versions",
}


@pytest.fixture(scope="module")
def default_report():
    return analyze("sample:experiment", currency="USD")


@pytest.fixture(scope="module")
def nsw():
    """User data with their own column names (group, earnings, earnings_before), as in the
    NSW job-training data, simulated with a seed."""
    rng = np.random.default_rng(1976)
    n = 2000
    group = rng.choice(["control", "treated"], n)
    before = rng.gamma(1.5, 3000.0, n)
    earnings = 0.6 * before + rng.gamma(1.5, 2000.0, n) + np.where(group == "treated", 900, 0)
    return pd.DataFrame({"group": group, "earnings": earnings, "earnings_before": before,
                         "age": rng.integers(17, 55, n), "black": rng.integers(0, 2, n)})


# ----------------------------------------------------------------------------- the sample


def test_sample_is_seeded_and_has_the_documented_columns():
    a, b = make_experiment(n_users=500), make_experiment(n_users=500)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(make_experiment(seed=1, n_users=500))
    assert list(a.columns) == ["user_id", "variant", "device", "converted", "revenue",
                               "pre_revenue", "sessions"]
    assert set(a["variant"]) == {"control", "treatment"} and set(a["device"]) == {"mobile",
                                                                                  "desktop"}
    assert ((a["revenue"] > 0) == (a["converted"] == 1)).all() and (a["sessions"] >= 1).all()
    assert load("sample:experiment").count().execute() == 20_000


def test_sample_matches_its_documented_true_effects_at_large_n():
    df = make_experiment(seed=99, n_users=400_000)
    means = df.groupby("variant")[["converted", "revenue", "sessions"]].mean()
    for arm in ("control", "treatment"):
        truth = TRUE_EFFECTS[arm]
        assert means.loc[arm, "converted"] == pytest.approx(truth["converted"], abs=0.003)
        assert means.loc[arm, "revenue"] == pytest.approx(truth["revenue"], rel=0.04)
        assert means.loc[arm, "sessions"] == pytest.approx(truth["sessions"], abs=0.02)
    lift = TRUE_EFFECTS["treatment"]["revenue"] / TRUE_EFFECTS["control"]["revenue"] - 1
    assert lift == pytest.approx(0.30, abs=1e-12)
    conv = TRUE_EFFECTS["treatment"]["converted"] / TRUE_EFFECTS["control"]["converted"] - 1
    assert conv == pytest.approx(0.204, abs=5e-4)  # the +20.4% in make_experiment's docstring


def test_default_report_ships_the_treatment_and_covers_the_truth(default_report):
    a = default_report
    assert isinstance(a, ReportAnalysis)
    assert (a.decision.verdict, a.decision.arm) == ("ship", "treatment")
    assert not a.srm["flag"]
    res = a.results.set_index("metric")
    for metric in ("converted", "revenue", "revenue/sessions"):
        truth = TRUE_EFFECTS["treatment"][metric] / TRUE_EFFECTS["control"][metric] - 1
        assert res.loc[metric, "rel_ci_low"] < truth < res.loc[metric, "rel_ci_high"]
        assert res.loc[metric, "p_value_adjusted"] < 0.05
    assert 0.15 < res.loc["revenue", "variance_reduction"] < 0.5


def test_the_sample_numbers_of_the_readme(default_report):
    # README "The A/B-test report": conversion +25.9% (95% CI +16.7% to +35.0%), revenue per
    # user +42.8% with CUPED removing 30% of the variance.
    res = default_report.results.set_index("metric")
    assert f"{res.loc['converted', 'rel_lift']:+.1%}" == "+25.9%"
    assert f"{res.loc['converted', 'rel_ci_low']:+.1%}" == "+16.7%"
    assert f"{res.loc['converted', 'rel_ci_high']:+.1%}" == "+35.0%"
    assert f"{res.loc['revenue', 'rel_lift']:+.1%}" == "+42.8%"
    assert f"{res.loc['revenue', 'variance_reduction']:.0%}" == "30%"
    headline = {strip_isolates(k): strip_isolates(v)
                for k, v in default_report.metrics()["headline"].items()}
    assert headline == {
        "Decision": "Ship treatment.",
        "converted relative lift (treatment)": "+25.9% (from 11.35% to 14.28%)",  # issue 19
        "SRM": "ok",
    }


def test_the_sample_fills_only_parameters_left_at_none(default_report):
    p = default_report.parameters
    assert p["metrics"] == ["converted", "revenue", "revenue/sessions"]
    assert (p["cuped"], p["segment_col"]) == ("revenue:pre_revenue", "device")
    assert default_report.notes == ()
    # Given explicitly, a parameter wins; the sample's CUPED column follows its metric.
    only = analyze("sample:experiment", metrics="converted", segment_col="")
    assert only.parameters["cuped"] is None and only.segments is None
    assert list(only.results["method"]) == ["ztest"]


def test_segments_and_overall_come_from_one_aggregation(default_report, caplog):
    df = make_experiment()
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        a = analyze(df, metrics="converted,revenue", cuped="revenue:pre_revenue",
                    segment_col="device")
    assert sum("aggregated users per arm" in r.getMessage() for r in caplog.records) == 1
    direct = compare(df, "variant", "control", "converted,revenue", cuped="revenue:pre_revenue")
    pd.testing.assert_frame_equal(a.results, direct, rtol=1e-12)


def test_metrics_keep_the_contract_and_are_json_safe(default_report):
    m = default_report.metrics()
    assert set(m) == CONTRACT_KEYS | {"notes", "untestable", "notes_detail",
                                      "decision_reasons_detail", "data_quality"}
    assert json.loads(json.dumps(m, allow_nan=False))["decision"] == "ship"
    assert set(m["srm"]) == {"chi2", "p_value", "flag"}
    assert m["results"][0]["df"] is None and m["results"][1]["df"] > 0
    assert m["parameters"]["data"] == "sample:experiment"
    assert {"python", "numpy", "statsmodels"} <= set(m["versions"])
    assert m["notes"] == [] and m["untestable"] == [] and m["notes_detail"] == []
    assert m["data_quality"] is None
    assert [r["code"] for r in m["decision_reasons_detail"]] == ["improves", "guardrails_fine"]
    assert [r["text"] for r in m["decision_reasons_detail"]] == m["decision_reasons"]


def test_formatted_tables_read_as_rates_and_money(default_report):
    a = default_report
    table = a.results_table()
    row = (isolate("converted"), isolate("treatment"))
    assert table.loc[row, "Arm mean"] == "14.28%"
    assert table.loc[(isolate("revenue"), isolate("treatment")), "Arm mean"] == "$10.86"
    assert table.loc[row, "p (adjusted)"] == "<\u00a00.001"  # not 1.1e-09
    assert table.loc[row, "Test"] == "two-proportion z-test"  # not "ztest"
    assert a.segments_table().index.names == ["Metric", "Arm", "Segment"]
    assert "removed 30% of the variance" in a.cuped_markdown()
    assert a.bayesian_table().iloc[0, 0] == ">99.9%"
    assert "no sample ratio mismatch" in a.srm_markdown()
    assert list(a.tables()) == ["Results", "Users per arm (sample ratio check)", "Power",
                                "Bayesian view"]
    html = strip_isolates(a._repr_html_())
    assert "<strong>Ship treatment.</strong>" in html and "14.28%" in html


def test_srm_failure_makes_the_report_refuse():
    df = make_experiment(n_users=20_000)
    skewed = pd.concat([df, df[df["variant"] == "treatment"].head(800)])
    a = analyze(skewed, metrics="converted,revenue")
    assert a.srm["flag"] and a.decision.verdict == "no decision"
    assert a.metrics()["headline"]["SRM"] == "failed"


# ----------------------------------------------------------------------------- user data


def test_user_data_need_only_the_parameters_they_use(nsw):
    a = analyze(nsw, variant_col="group", metrics="earnings", cuped="earnings:earnings_before")
    assert a.segments is None and a.parameters["segment_col"] is None
    assert a.notes == (ab.reasons.SEGMENTS_SKIPPED,)
    assert [n.code for n in a.notes] == ["segments_skipped"]
    assert a.segments_table() is None
    assert "segment breakdown is skipped" in a.segments_markdown()
    assert list(a.results["method"]) == ["cuped"] and a.results.loc[0, "variant"] == "treated"
    assert a.decision.verdict == "ship"


def test_user_data_without_cuped_skip_it_with_a_note(nsw):
    a = analyze(nsw, variant_col="group", metrics="earnings")
    assert a.notes == (ab.reasons.CUPED_SKIPPED, ab.reasons.SEGMENTS_SKIPPED)
    assert list(a.results["method"]) == ["welch"]
    assert a.cuped_markdown().startswith("CUPED is off")
    m = a.metrics()
    assert m["notes"] == [n.text() for n in a.notes] and m["notes"][0].startswith("CUPED is off")
    assert [d["code"] for d in m["notes_detail"]] == ["cuped_off", "segments_skipped"]


def test_user_data_without_metrics_is_an_error_listing_the_numeric_columns(nsw):
    message = (r"^metrics: none given; expected the metric columns to compare.*numeric columns: "
               r"'earnings', 'earnings_before', 'age', 'black'$")
    with pytest.raises(GrowthkitError, match=message):
        analyze(nsw, variant_col="group")


def test_an_explicit_segment_column_that_is_absent_is_an_error(nsw):
    with pytest.raises(GrowthkitError, match=r"Required column 'device' missing"):
        analyze(nsw, variant_col="group", metrics="earnings", segment_col="device")


def test_a_metric_without_a_test_is_noted_and_never_ships(nsw):
    # Nobody signed up and there were no visits: the primary metric and a ratio guardrail
    # have no test. Before, the report failed ("baseline=0.0 is not a conversion rate").
    df = nsw.assign(signed_up=0, visits=0.0)
    a = analyze(df, variant_col="group", metrics="earnings,signed_up,earnings/visits")
    m = a.metrics()
    rows = {r["metric"]: r for r in m["results"]}
    for metric in ("signed_up", "earnings/visits"):
        assert rows[metric]["p_value"] is None and rows[metric]["abs_ci_low"] is None
    assert m["untestable"] == [
        {"metric": "signed_up", "variant": "treated", "reason": "no user converted in either arm",
         "reason_code": "no_conversions"},
        {"metric": "earnings/visits", "variant": "treated",
         "reason": "its denominator sums to 0 in both arms", "reason_code": "zero_denominator"},
    ]
    assert [d["code"] for d in m["notes_detail"]] == ["cuped_off", "segments_skipped",
                                                      "no_test", "no_test"]
    assert m["notes_detail"][2]["args"]["reason_code"] == "no_conversions"
    assert m["decision_reasons_detail"][0]["code"] == "guardrail_unknown"
    assert "No test is possible for signed_up (treated)" in " ".join(m["notes"])
    assert a.decision.verdict == "no decision"  # earnings rose, but the guardrails are unknown
    assert "guardrail signed_up cannot be evaluated" in m["decision_reasons"][0]


def test_a_ratio_first_is_the_primary_metric(nsw):
    # issue 18: a ratio as the only metric was refused as "found no metric", and a ratio given
    # first was silently put after the column metrics (so a column metric decided).
    df = nsw.assign(visits=1 + nsw["age"] % 3)
    only = analyze(df, variant_col="group", metrics="earnings/visits")
    assert list(only.results["metric"]) == ["earnings/visits"]
    assert only.results.loc[0, "method"] == "delta"
    first = analyze(df, variant_col="group", metrics="earnings/visits,earnings")
    assert list(first.results["metric"]) == ["earnings/visits", "earnings"]
    assert first.decision.reasons[0].args["metric"] == "earnings/visits"
    assert first.parameters["metrics"] == ["earnings/visits", "earnings"]


# ----------------------------------------------------------------------------- old names


def test_old_names_work_with_a_future_warning(default_report):
    with pytest.warns(FutureWarning, match="evaluate is deprecated"):
        ev = ab.evaluate("sample:experiment", currency="USD")
    with pytest.warns(FutureWarning, match="Evaluation is deprecated"):
        assert ab.Evaluation is ABTestAnalysis
    with pytest.warns(FutureWarning, match=r"use \.metrics\(\)"):
        old = ev.to_metrics()
    new = default_report.metrics()
    assert old["decision_reasons"] == new["decision_reasons"]
    assert old["results"] == new["results"]


def test_code_that_used_the_old_dataframe_keeps_working(nsw):
    # The old analyze(data, variant_col, control, metrics) returned compare()'s frame.
    with pytest.warns(FutureWarning, match="by position is deprecated"):
        a = analyze(nsw, "group", "control", ["earnings"])
    expected = compare(nsw, "group", "control", ["earnings"])
    with pytest.warns(FutureWarning, match=r"use growthkit\.abtest\.compare.*\.results"):
        assert a["p_value"].equals(expected["p_value"])
    with pytest.warns(FutureWarning):
        assert len(a) == len(expected)
    with pytest.warns(FutureWarning):
        assert a.loc[0, "metric"] == "earnings"
    with pytest.warns(FutureWarning):
        assert list(a) == list(expected.columns)
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        a.no_such_thing  # noqa: B018


def test_old_segmented_calls_get_the_segmented_rows():
    df = make_experiment(n_users=2000)
    with pytest.warns(FutureWarning, match="by position"):
        a = analyze(df, "variant", "control", ["converted"], segment_col="device")
    with pytest.warns(FutureWarning, match=r"\.segments"):
        assert len(a) == 2 == len(a.segments)


def test_the_analysis_copies_and_pickles_without_warnings(default_report, recwarn):
    for clone in (copy.copy(default_report), copy.deepcopy(default_report),
                  pickle.loads(pickle.dumps(default_report))):
        assert clone.decision == default_report.decision
        assert clone.results.equals(default_report.results)
    assert bool(default_report)
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
