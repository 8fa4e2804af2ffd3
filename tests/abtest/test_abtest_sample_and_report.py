"""The sample:experiment data, the report's evaluation and its charts."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from growthkit import load
from growthkit.abtest import evaluate, sample_size
from growthkit.plots.abtest import plot_forest, plot_power_curve
from growthkit.samples.experiment import TRUE_EFFECTS, make_experiment

matplotlib.use("Agg")

REPORT = {"metrics": "converted,revenue,revenue/sessions", "cuped": "revenue:pre_revenue",
          "segment_col": "device", "currency": "USD"}


@pytest.fixture(scope="module")
def default_report():
    return evaluate("sample:experiment", **REPORT)


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
    ev = default_report
    assert (ev.decision.verdict, ev.decision.arm) == ("ship", "treatment")
    assert not ev.srm["flag"]
    res = ev.results.set_index("metric")
    for metric in ("converted", "revenue", "revenue/sessions"):
        truth = TRUE_EFFECTS["treatment"][metric] / TRUE_EFFECTS["control"][metric] - 1
        assert res.loc[metric, "rel_ci_low"] < truth < res.loc[metric, "rel_ci_high"]
        assert res.loc[metric, "p_value_adjusted"] < 0.05
    assert 0.15 < res.loc["revenue", "variance_reduction"] < 0.5


def test_report_metrics_are_json_safe_and_complete(default_report):
    m = default_report.to_metrics()
    text = json.dumps(m, allow_nan=False)
    assert json.loads(text)["decision"] == "ship"
    assert set(m["srm"]) == {"chi2", "p_value", "flag"}
    assert m["results"][0]["df"] is None and m["results"][1]["df"] > 0
    assert {"Decision", "SRM"} <= set(m["headline"])
    assert m["parameters"]["data"] == "sample:experiment"


def test_formatted_tables_read_as_rates_and_money(default_report):
    table = default_report.results_table()
    assert table.loc[("converted", "treatment"), "Arm mean"].endswith("%")
    assert table.loc[("revenue", "treatment"), "Arm mean"].startswith("USD ")
    assert default_report.segments_table().index.names == ["Metric", "Arm", "Segment"]
    assert "removed" in default_report.cuped_summary()
    assert default_report.bayesian_table().iloc[0, 0] == ">99.9%"
    assert "no sample ratio mismatch" in default_report.srm_summary()


def test_srm_failure_makes_the_report_refuse(default_report):
    df = make_experiment(n_users=20_000)
    skewed = pd.concat([df, df[df["variant"] == "treatment"].head(800)])
    ev = evaluate(skewed, metrics="converted,revenue")
    assert ev.srm["flag"] and ev.decision.verdict == "no decision"


def test_forest_plot_draws_one_interval_per_row(default_report):
    ax = plot_forest(default_report.segments)
    assert len(ax.get_yticklabels()) == len(default_report.segments)
    assert "converted · treatment · desktop" in [t.get_text() for t in ax.get_yticklabels()]
    assert "%" in ax.get_xlabel()
    matplotlib.pyplot.close(ax.figure)


def test_power_curve_reaches_80_percent_at_the_sample_size(default_report):
    row = default_report.results.iloc[0]
    ax = plot_power_curve(row, lifts=(0.1,))
    x, y = ax.get_lines()[0].get_data()
    assert np.all(np.diff(y) >= -1e-12)
    n = sample_size(row["control_mean"], 0.1, relative=True)
    assert np.interp(n, x, y) == pytest.approx(0.8, abs=0.01)
    matplotlib.pyplot.close(ax.figure)
