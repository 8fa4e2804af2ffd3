"""The CLV notebook, executed by papermill through the report runner on small inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from growthkit.clv import analyze
from growthkit.report import ReportError, run_report
from growthkit.samples.cdnow import cdnow_sample


@pytest.mark.notebooks
def test_clv_notebook_on_the_cdnow_sample_records_the_paper_numbers(tmp_path):
    out = tmp_path / "out"
    result = run_report("clv", {"data": "sample:cdnow-2357", "gross_margin": 0.25},
                        out_dir=out, progress=False)
    doc = json.loads(result.json_path.read_text("utf-8"))
    m = doc["metrics"]
    # Fader, Hardie & Lee (2005): BG/NBD on the 2,357-customer sample, 39-week calibration.
    params = m["transaction_model"]["params"]
    for name, value in {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}.items():
        assert params[name] == pytest.approx(value, rel=1e-4), name
    assert m["transaction_model"]["log_likelihood"] == pytest.approx(-9582.43, abs=5e-3)
    assert m["spend_model"]["params"]["p"] == pytest.approx(6.2488, rel=1e-3)  # note 025
    assert m["holdout"]["actual_purchases"] == 1882
    assert m["holdout"]["predicted_purchases"] == pytest.approx(1653.4, abs=0.05)
    assert (m["customers"], m["orders"]) == (2357, 6919)

    same = analyze("sample:cdnow-2357", calibration_end="1997-09-30", gross_margin=0.25).metrics()
    assert m["clv"]["total"] == pytest.approx(same["clv"]["total"], rel=1e-5)
    assert m["clv"]["total_interval"] == pytest.approx(same["clv"]["total_interval"], rel=1e-3)
    assert m["clv"]["profit_total"] == pytest.approx(0.25 * m["clv"]["total"], rel=1e-12)
    assert doc["parameters"]["calibration_end"] == "1997-09-30"

    # The segments CSV lands next to the HTML, one row per customer.
    csv = pd.read_csv(out / "clv_segments.csv", index_col=0)
    assert len(csv) == 2357 and "High value, at risk" in set(csv["segment"])
    html = result.html_path.read_text("utf-8")
    assert "under-predicts" in html and "USD" in html


@pytest.mark.notebooks
def test_clv_notebook_runs_without_calibration_on_a_file(tmp_path):
    path = tmp_path / "orders.csv"
    orders = cdnow_sample().rename(columns={"customer_id": "buyer", "amount": "spend"})
    orders.to_csv(path, index=False)
    params = {"data": str(path), "customer_col": "buyer", "amount_col": "spend",
              "calibration_end": None, "currency": "EUR", "model": "mbgnbd",
              "segments_csv": None, "time_unit": "days"}
    result = run_report("clv", params, out_dir=tmp_path / "out", progress=False)
    m = result.metrics
    assert "holdout" not in m
    assert m["transaction_model"]["name"] == "mbgnbd"
    assert m["clv"]["currency"] == "EUR" and m["parameters"]["time_unit"] == "days"
    assert not (tmp_path / "out" / "clv_segments.csv").exists()
    assert "EUR" in result.html_path.read_text("utf-8")


@pytest.mark.notebooks
def test_clv_notebook_fails_in_one_line_naming_the_column(tmp_path):
    with pytest.raises(ReportError, match="'when' missing"):
        run_report("clv", {"data": "sample:cdnow-2357", "date_col": "when"},
                   out_dir=tmp_path, progress=False)
