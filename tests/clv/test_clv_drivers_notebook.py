"""The CLV notebook with customer covariates (issue 20, section 3), executed by papermill
through the report runner on the apparel data (tests/clv/data: CLVTools' apparelTrans and
apparelStaticCov, 600 customers), in English and in Arabic."""

from __future__ import annotations

from pathlib import Path

import pytest

from growthkit.report import run_report, typed_parameters

DATA = Path(__file__).parent / "data"


def _apparel(tmp_path: Path, language: str):
    given = typed_parameters("clv", dict([
        ("customer_col", "Id"), ("date_col", "Date"), ("amount_col", "Price"),
        ("covariates_data", str(DATA / "apparel_static_cov.csv")),
        ("covariates", "Gender,Channel"), ("model", "paretonbd"), ("language", language),
        ("segments_csv", "None"), ("gross_margin", "0.4"),
    ]))
    return run_report("clv", given, data=str(DATA / "apparel_trans.csv"),
                      out_dir=tmp_path / language, progress=False)


@pytest.mark.notebooks
def test_clv_notebook_explains_value_with_covariates(tmp_path):
    result = _apparel(tmp_path, "en")
    m = result.metrics
    assert m["parameters"]["covariates"] == ["Gender", "Channel"]
    for key in ("transaction_model", "calibration_model"):
        coefs = {(c["covariate"], c["process"]): c for c in m[key]["coefficients"]}
        assert set(coefs) == {(c, p) for c in ("Gender", "Channel")
                              for p in ("purchase", "dropout")}
        assert m[key]["likelihood_ratio_test"]["df"] == 4
    # CLVTools 0.12.1 on all 600 customers' 104 weeks agrees in sign: Channel 1 buys more.
    assert m["transaction_model"]["coefficients"][1]["multiplier"] > 1
    assert len(m["new_customer_value"]) == 4 and m["drivers"]["kept"]
    assert all(p["cac_ceiling"] == pytest.approx(0.4 * p["clv_with_first"])
               for p in m["new_customer_value"])
    html = result.html_path.read_text("utf-8")
    assert "What drives value" in html and "buy more often (" in html
    assert "likelihood-ratio test" in html and "CAC ceiling" in html


@pytest.mark.notebooks
def test_clv_notebook_explains_value_in_arabic(tmp_path):
    result = _apparel(tmp_path, "ar")
    html = result.html_path.read_text("utf-8")
    assert "ما الذي يصنع القيمة" in html and "الحد الأعلى لتكلفة الاكتساب" in html
    assert "يشترون أكثر تكرارًا" in html and "اختبار نسبة الأرجحية" in html
    assert "What drives value" not in html and "buy more often" not in html
    assert result.metrics["new_customer_value"]


@pytest.mark.notebooks
@pytest.mark.parametrize("language", ["en", "ar"])
def test_clv_notebook_with_bgbb_on_the_donations(tmp_path, language):
    # The README's command: growthkit run clv --data sample:donations -p model bgbb
    # -p time_unit years (Fader, Hardie & Shang 2010; amounts simulated).
    given = typed_parameters("clv", {"model": "bgbb", "time_unit": "years",
                                     "language": language, "segments_csv": "None"})
    result = run_report("clv", given, data="sample:donations", out_dir=tmp_path,
                        progress=False)
    m = result.metrics
    params = m["transaction_model"]["params"]
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert params[name] == pytest.approx(value, abs=6e-4), name
    assert m["calibration_model"]["name"] == "bgbb" and m["holdout"]["duration"] == 3
    html = result.html_path.read_text("utf-8")
    if language == "en":
        assert "BG/BB" in html and "whole periods (years)" in html
    else:
        assert "BG/BB" in html and "سنوات" in html and "whole periods" not in html
