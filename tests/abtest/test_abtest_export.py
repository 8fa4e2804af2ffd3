"""The results CSV (growthkit.abtest.export, ABTestAnalysis.exports and the deprecated
export_results), written by the report layer's writer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.abtest import analyze
from growthkit.abtest.export import CSV_COLUMNS
from growthkit.errors import GrowthkitError
from growthkit.report import export


def _data(arm_col: str = "groupe") -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 2000
    arm = np.where(np.arange(n) % 2 == 0, "témoin", "اختبار")
    return pd.DataFrame({
        arm_col: arm,
        "a acheté": (rng.random(n) < np.where(arm == "témoin", 0.1, 0.13)).astype(int),
        "panier": rng.gamma(2.0, 20.0, n),
    })


def test_the_csv_keeps_the_users_names_and_six_significant_digits(tmp_path):
    a = analyze(_data(), variant_col="groupe", control="témoin", metrics="a acheté,panier",
                correction="bonferroni", language="ar", results_csv="résultats.csv")
    exports = a.exports()
    assert list(exports) == ["résultats.csv"]  # analyze only records the name
    assert not (tmp_path / "résultats.csv").exists()
    (path,) = export(exports, tmp_path)
    assert path == tmp_path / "résultats.csv"
    out = pd.read_csv(path)
    assert list(out.columns) == ["metric", "groupe", *CSV_COLUMNS[2:]]
    assert list(out["metric"]) == ["a acheté", "panier"] and set(out["groupe"]) == {"اختبار"}
    assert "\u2068" not in path.read_text("utf-8")  # names as given, no bidi isolates
    np.testing.assert_allclose(out["p_value"], a.results["p_value"], rtol=5e-6)
    assert list(out["method"]) == ["ztest", "welch"]
    assert list(out["test"]) == ["اختبار z لنسبتين", "اختبار ويلش t"]  # the report's words


def test_a_formula_in_the_data_is_neutralised_in_the_csv(tmp_path):
    # issue 18: an arm named like a spreadsheet formula was written as it came.
    data = _data().replace({"اختبار": "+cmd|' /C calc'!A0"})
    a = analyze(data, variant_col="groupe", control="témoin", metrics="panier",
                results_csv="r.csv")
    (path,) = export(a.exports(), tmp_path)
    assert "'+cmd|' /C calc'!A0" in path.read_text("utf-8")


def test_the_deprecated_export_results_writes_the_same_table(tmp_path):
    a = analyze(_data(), variant_col="groupe", control="témoin", metrics="panier",
                results_csv="new.csv")
    (new,) = export(a.exports(), tmp_path)
    with pytest.warns(FutureWarning, match=r"growthkit\.report\.export\(a\.exports\(\)\)"):
        old = a.export_results(tmp_path / "old.csv")
    assert old.read_text("utf-8") == new.read_text("utf-8")


def test_an_arm_column_named_like_a_result_column_keeps_the_name_variant():
    a = analyze(_data("metric"), variant_col="metric", control="témoin", metrics="panier",
                results_csv="r.csv")
    out = a.exports()["r.csv"]
    assert list(out.columns[:2]) == ["metric", "variant"] and out.loc[0, "metric"] == "panier"


def test_none_exports_nothing_and_says_how_to_export():
    a = analyze(_data(), variant_col="groupe", control="témoin", metrics="panier")
    assert a.exports() == {}
    assert "was not exported" in a.export_markdown()
    named = analyze(_data(), variant_col="groupe", control="témoin", metrics="panier",
                    results_csv="r.csv")
    assert "is in the CSV file" in named.export_markdown()
    assert "was not exported" in named.export_markdown(None)


@pytest.mark.parametrize(("where", "message"), [
    ("missing/r.csv", "folder 'missing' does not exist"),
    (".", "is a folder"),
])
def test_a_bad_path_stops_before_any_work_in_one_line(tmp_path, monkeypatch, where, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GrowthkitError) as info:
        analyze(_data(), variant_col="groupe", control="témoin", metrics="panier",
                results_csv=where)
    assert message in str(info.value) and "results_csv=" in str(info.value)
    assert "\n" not in str(info.value)
