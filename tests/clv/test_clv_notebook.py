"""The CLV notebook, executed by papermill through the report runner on small inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from clv_retail import retail_lines, retail_orders
from html_safety import HOSTILE, live_markup

from growthkit.clv import analyze
from growthkit.report import ReportError, run_report
from growthkit.samples.simulate import simulate_btyd_orders


@pytest.mark.notebooks
def test_clv_notebook_on_the_cdnow_sample_records_the_paper_numbers(tmp_path):
    out = tmp_path / "out"
    result = run_report("clv", {"data": "sample:cdnow-2357", "gross_margin": 0.25},
                        out_dir=out, progress=False)
    doc = json.loads(result.json_path.read_text("utf-8"))
    m = doc["metrics"]
    # Fader, Hardie & Lee (2005): BG/NBD on the 2,357-customer sample, 39-week calibration
    # (docs/REFERENCES.md). The calibration end is the sample's own, filled in for the sample.
    assert doc["parameters"]["calibration_end"] == "auto"
    assert m["parameters"]["calibration_end"] == "1997-09-30" and m["calibration"] == "sample"
    params = m["calibration_model"]["params"]
    for name, value in {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}.items():
        assert params[name] == pytest.approx(value, rel=1e-4), name
    assert m["calibration_model"]["log_likelihood"] == pytest.approx(-9582.43, abs=5e-3)
    assert m["transaction_model"]["customers"] == 2357  # the forecast: refitted on all orders
    assert m["holdout"]["actual_purchases"] == 1882
    assert m["holdout"]["predicted_purchases"] == pytest.approx(1653.4, abs=0.05)
    assert (m["customers"], m["orders"]) == (2357, 6919)
    assert m["data_quality"]["duplicate_rows"] == 21

    same = analyze("sample:cdnow-2357", gross_margin=0.25).metrics()
    assert m["clv"]["total"] == pytest.approx(same["clv"]["total"], rel=1e-5)
    assert m["clv"]["total_interval"] == pytest.approx(same["clv"]["total_interval"], rel=1e-3)
    assert m["clv"]["profit_total"] == pytest.approx(0.25 * m["clv"]["total"], rel=1e-12)

    # The segments CSV lands next to the HTML, one row per customer.
    csv = pd.read_csv(out / "clv_segments.csv", index_col=0)
    assert len(csv) == 2357 and {"High value, at risk", "Bought once"} <= set(csv["segment"])
    html = result.html_path.read_text("utf-8")
    assert "under-predicts" in html and "$" in html
    assert "21 rows repeat another row exactly" in html
    # The advice is whole in the HTML, not cut at 50 characters.
    assert "Keep them close: service, loyalty perks and early access; no blanket discounts." in html


@pytest.mark.notebooks
def test_clv_notebook_on_user_data_with_hostile_ids_and_currency(tmp_path):
    # A shop's export under its own column names, every customer id and the currency hostile
    # (tests/html_safety.HOSTILE), no calibration_end: no holdout, and the report says so.
    orders = simulate_btyd_orders(500, seed=11).rename(
        columns={"customer_id": "user_id", "date": "created_at", "amount": "total"})
    orders["user_id"] = [f"{HOSTILE[i % len(HOSTILE)]} #{i}" for i in orders["user_id"]]
    path = tmp_path / "orders.parquet"
    orders.to_parquet(path)
    params = {"customer_col": "user_id", "date_col": "created_at", "amount_col": "total",
              "currency": "EUR", "model": "mbgnbd", "segments_csv": None,
              "time_unit": "days", "calibration_end": None}
    result = run_report("clv", params, data=str(path), out_dir=tmp_path / "out", progress=False)
    m = result.metrics
    assert "holdout" not in m and m["parameters"]["calibration_end"] is None
    assert m["transaction_model"]["name"] == "mbgnbd"
    assert m["clv"]["currency"] == "EUR" and m["parameters"]["time_unit"] == "days"
    assert (m["customers"], m["orders"]) == (orders["user_id"].nunique(), len(orders))
    assert m["notes"][0].startswith("No holdout (calibration_end is None)")
    assert not (tmp_path / "out" / "clv_segments.csv").exists()
    html = result.html_path.read_text("utf-8")
    assert live_markup(html) == []
    assert "There is no holdout check (calibration_end is None)" in html
    assert "The table and the chart show purchases per customer" not in html


@pytest.mark.notebooks
def test_clv_notebook_fails_in_one_line_naming_the_column(tmp_path):
    with pytest.raises(ReportError, match="'when' missing"):
        run_report("clv", {"data": "sample:cdnow-2357", "date_col": "when"},
                   out_dir=tmp_path, progress=False)


@pytest.mark.notebooks
def test_clv_notebook_in_arabic(tmp_path):
    result = run_report("clv", {"data": "sample:cdnow-2357", "language": "ar",
                                "currency": "SAR", "segments_csv": None},
                        out_dir=tmp_path, progress=False)
    html = result.html_path.read_text("utf-8")
    assert "القيمة الدائمة للعميل" in html and "ألف" in html
    assert result.metrics["parameters"]["language"] == "ar"


@pytest.mark.notebooks
def test_clv_notebook_without_a_converging_model_reports_instead_of_crashing(tmp_path):
    # 12 months of a retailer where nobody is seen to stop buying (tests/clv/clv_retail.py):
    # every model runs to the edge of its range. Before issue #16 the run stopped with
    # "no transaction model converged"; now the report says so, in Arabic, and skips the
    # forecast's tables and charts with one line each.
    path = tmp_path / "retail.csv"
    retail_orders(shape=0.5, mean_rate=0.015).to_csv(path, index=False)
    result = run_report("clv", {"model": "auto", "language": "ar", "segments_csv": None},
                        data=str(path), out_dir=tmp_path / "out", progress=False)
    m = result.metrics
    assert m["forecast"] is False and m["clv"] is None and m["transaction_model"] is None
    assert m["calibration"] == "no fitting split"
    assert [d["code"] for d in m["notes_detail"]][-1] == "no_model"
    assert m["notes"][-1].startswith("No transaction model (BG/NBD, MBG/NBD, Pareto/NBD)")
    assert (m["customers"], m["orders"]) == (4300, 17978)
    html = result.html_path.read_text("utf-8")
    assert "لا يوجد توقّع" in html and "Traceback" not in html


@pytest.mark.notebooks
def test_clv_notebook_on_line_items_where_bgnbd_runs_to_a_boundary(tmp_path):
    # A retailer's raw export (tests/clv/clv_retail.py), 12 months in which nobody is seen to
    # stop buying: with the default model BG/NBD's b runs off. Before issue #16 the notebook
    # took no order_col or quantity_col and the run stopped with "BG/NBD fit did not converge";
    # now it runs end to end, falls back to Pareto/NBD and says so.
    path = tmp_path / "online_retail.csv"
    retail_lines(shape=0.5, mean_rate=0.008).to_csv(path, index=False)
    parameters = {"customer_col": "CustomerID", "date_col": "InvoiceDate",
                  "amount_col": "UnitPrice", "order_col": "InvoiceNo",
                  "quantity_col": "Quantity", "currency": "GBP"}
    result = run_report("clv", parameters, data=str(path), out_dir=tmp_path / "out",
                        progress=False)
    m = result.metrics
    assert (m["orders"], m["customers"]) == (11808, 4300)
    assert m["data_quality"]["row_unit"] == "line"
    assert m["data_quality"]["rows_without_customer"] == 17482
    assert m["transaction_model"]["name"] == "paretonbd"
    assert m["calibration_model"]["name"] == "bgnbd"
    assert [d["code"] for d in m["notes_detail"]] == [
        "fit_boundary", "fit_boundary", "model_fallback", "all_alive", "no_intervals"]
    assert m["clv"]["total"] > 0 and m["clv"]["total_interval"] == [None, None]
    html = result.html_path.read_text("utf-8")
    assert "Traceback" not in html
    for words in ("The forecast uses Pareto/NBD instead of BG/NBD, which did not converge",
                  "are probably still active: the model sees almost no dropout",
                  "lines have no customer", "Lines without a customer (left out)"):
        assert words in html, words


@pytest.mark.notebooks
def test_clv_notebook_on_a_purchase_log_without_amounts(tmp_path):
    # Who bought when, no amounts (issue #16 item 7): before, `-p amount_col None` stopped
    # with "amount_col is None; expected the column of order values CLV needs".
    path = tmp_path / "visits.csv"
    retail_orders(shape=1.0, mean_rate=0.015, amounts=False).to_csv(path, index=False)
    result = run_report("clv", {"amount_col": None}, data=str(path), out_dir=tmp_path / "out",
                        progress=False)
    m = result.metrics
    assert m["clv"] is None and m["spend_model"] is None and m["forecast"] is True
    assert m["purchases"]["expected_purchases"] > 0 and m["holdout"]["actual_purchases"] > 0
    assert m["notes_detail"][0]["code"] == "no_amounts"
    assert m["segments"]["High value, active"]["clv_revenue"] is None
    html = result.html_path.read_text("utf-8")
    assert "Traceback" not in html and "No amounts (amount_col is None)" in html
    segments = pd.read_csv(tmp_path / "out" / "clv_segments.csv")  # by expected purchases
    assert "expected_purchases" in segments.columns and "clv_revenue" not in segments.columns
