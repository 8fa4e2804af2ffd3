"""The A/B-test notebook, executed by papermill through the report runner on a small input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from growthkit.abtest import VERDICTS, analyze, evaluate, srm
from growthkit.report import ReportError, run_report
from growthkit.samples.experiment import make_experiment

SPEC = {
    "variant_col": "variant", "control": "control",
    "metrics": "converted,revenue,revenue/sessions", "cuped": "revenue:pre_revenue",
}


@pytest.mark.notebooks
def test_abtest_notebook_records_the_package_numbers(tmp_path):
    df = make_experiment(seed=5, n_users=3000)
    path = tmp_path / "experiment.csv"
    df.to_csv(path, index=False)
    params = {
        "data": str(path), "sequential": True, "expected_weights": "control:1,treatment:1",
        "correction": "bh", "currency": "EUR", **SPEC,
    }
    result = run_report("abtest", params, out_dir=tmp_path / "out", progress=False)
    doc = json.loads(result.json_path.read_text("utf-8"))
    m = doc["metrics"]

    counts = df["variant"].value_counts()
    expected_srm = srm({"control": counts["control"], "treatment": counts["treatment"]})
    assert m["srm"]["chi2"] == pytest.approx(expected_srm["chi2"], abs=1e-9)
    assert m["srm"]["p_value"] == pytest.approx(expected_srm["p_value"], abs=1e-12)
    assert m["srm"]["flag"] is False

    fixed = analyze(df, **SPEC, correction="bh")
    rows = m["results"]
    assert [r["metric"] for r in rows] == list(fixed["metric"])
    assert [r["method"] for r in rows] == ["ztest-sequential", "cuped-sequential",
                                           "delta-sequential"]
    np.testing.assert_allclose([r["abs_diff"] for r in rows], fixed["abs_diff"], rtol=1e-9)
    np.testing.assert_allclose([r["rel_lift"] for r in rows], fixed["rel_lift"], rtol=1e-9)
    # Confidence sequences are wider than the fixed-horizon intervals.
    assert all(r["abs_ci_low"] < lo for r, lo in zip(rows, fixed["abs_ci_low"], strict=True))
    assert rows[0]["df"] is None  # NaN reaches the JSON as null

    ev = evaluate(df, **SPEC, correction="bh", sequential=True,
                  expected_weights={"control": 1, "treatment": 1})
    assert m["decision"] in VERDICTS and m["decision"] == ev.decision.verdict
    assert m["decision_reasons"] == list(ev.decision.reasons)
    assert [p["mde_rel"] for p in m["power"]] == pytest.approx(list(ev.power["mde_rel"]), rel=1e-9)
    assert len(m["segments"]) == 3 * 2  # the default segment column, device
    assert m["variance_reduction"]["revenue (treatment)"] > 0.1
    assert m["parameters"]["currency"] == "EUR" and "numpy" in m["versions"]
    assert "EUR" in result.html_path.read_text("utf-8")


@pytest.mark.notebooks
def test_abtest_notebook_fails_in_one_line_naming_the_column(tmp_path):
    path = tmp_path / "experiment.csv"
    make_experiment(seed=5, n_users=200).to_csv(path, index=False)
    with pytest.raises(ReportError, match="'spend' missing"):
        run_report("abtest", {"data": str(path), "metrics": "spend", "cuped": None},
                   out_dir=tmp_path, progress=False)
