"""The A/B-test notebook, executed by papermill through the report runner on small inputs.

Each run starts a kernel (about 2 s), so each run checks as much as its data allow.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from html_safety import HOSTILE, live_markup, render_markdown, visible_text
from layout_checks import table_problems

from growthkit.abtest import analyze, compare, srm
from growthkit.abtest.narrative import reason_text
from growthkit.abtest.reasons import SEGMENTS_SKIPPED
from growthkit.i18n import strip_isolates
from growthkit.plots.checks import PROBLEMS_ENV
from growthkit.report import ReportError, run_report


@pytest.mark.notebooks
def test_hostile_names_in_every_slot_show_as_text(tmp_path):
    # tests/html_safety.HOSTILE as the variant column, the control and the other arms, the
    # metric columns, the CUPED column, the segment column and its values (the currency is an
    # ISO code, checked: tests/abtest/test_abtest_language.py).
    h = HOSTILE
    rng = np.random.default_rng(3)
    n = 900
    arm = rng.choice([h[1], h[0], h[3]], n)
    pre = rng.gamma(1.0, 20.0, n)
    converted = (rng.random(n) < np.where(arm == h[1], 0.2, 0.3)).astype(int)
    df = pd.DataFrame({
        h[0]: arm,
        h[2]: converted,
        h[4]: converted * (0.5 * pre + rng.gamma(2.0, 10.0, n)),
        h[3]: pre,
        h[1]: rng.choice([h[2], h[4]], n),
    })
    path = tmp_path / "hostile.csv"
    df.to_csv(path, index=False)
    params = {"variant_col": h[0], "control": h[1], "metrics": [h[2], h[4]],
              "cuped": {h[4]: h[3]}, "segment_col": h[1], "currency": "EUR"}
    result = run_report("abtest", params, data=path, out_dir=tmp_path / "out", progress=False)
    html = result.html_path.read_text("utf-8")
    assert live_markup(html) == []
    text = strip_isolates(visible_text(html))
    # Decision, summary, reasons, CUPED and segment sentences: every name shows as typed.
    expected = analyze(df, **params)
    assert expected.decision.verdict == "ship" and expected.decision.arm in (h[0], h[3])
    assert f"Ship {expected.decision.arm}." in text
    assert f"In {h[0]}, {h[2]} rose by +" in text and f"relative to {h[1]} (95% CI +" in text
    assert f"No guardrail ({h[4]}) is significantly worse in any arm." in text
    assert f"CUPED on {h[4]} ({h[0]}, pre-period column “{h[3]}”) removed" in text
    assert f"values of {h[1]} (" in text
    assert "€" in text  # the currency, in the tables
    m = result.metrics
    assert m["decision_reasons"] == [strip_isolates(reason_text(r))
                                     for r in expected.decision.reasons]
    assert m["parameters"]["currency"] == "EUR" and m["headline"]["Decision"].startswith("Ship ")
    # The CSV export keeps the user's names as given: the arm column and the arms themselves.
    exported = pd.read_csv(tmp_path / "out" / "abtest_results.csv")
    assert list(exported.columns[:2]) == ["metric", h[0]]
    assert set(exported[h[0]]) == {h[0], h[3]} and set(exported["metric"]) == {h[2], h[4]}


@pytest.fixture(scope="module")
def earnings() -> pd.DataFrame:
    """User data with their own column names, where nobody signed up and nothing was visited."""
    rng = np.random.default_rng(1976)
    n = 3000
    group = rng.choice(["control", "treated"], n)
    before = rng.gamma(1.5, 3000.0, n)
    return pd.DataFrame({
        "group": group,
        "earnings": 0.6 * before + rng.gamma(1.5, 2000.0, n) + np.where(group == "treated", 900, 0),
        "earnings_before": before,
        "signed_up": 0,
        "visits": 0,
    })


SPEC = {"variant_col": "group", "control": "control",
        "metrics": "signed_up,earnings,earnings/visits", "cuped": "earnings:earnings_before"}


@pytest.mark.notebooks
def test_user_data_with_their_own_columns_and_metrics_without_a_test(tmp_path, earnings):
    # Only the parameters these data need: no segment column (the sample's "device" used to be
    # the default and failed here), a primary metric with no conversions at all (the power
    # curve used to fail the report) and a ratio whose denominator is 0 everywhere.
    path = tmp_path / "earnings.csv"
    earnings.to_csv(path, index=False)
    params = {**SPEC, "sequential": True, "correction": "bh",
              "expected_weights": "control:1,treated:1", "currency": "EUR"}
    result = run_report("abtest", params, data=path, out_dir=tmp_path / "out", progress=False)
    doc = json.loads(result.json_path.read_text("utf-8"))
    m = doc["metrics"]

    counts = earnings["group"].value_counts()
    expected_srm = srm({"control": counts["control"], "treated": counts["treated"]})
    assert m["srm"]["chi2"] == pytest.approx(expected_srm["chi2"], abs=1e-9)
    assert m["srm"]["p_value"] == pytest.approx(expected_srm["p_value"], abs=1e-12)

    fixed = compare(earnings, **SPEC, correction="bh")
    rows = {r["metric"]: r for r in m["results"]}
    assert list(rows) == ["signed_up", "earnings", "earnings/visits"]
    assert [r["method"] for r in rows.values()] == ["ztest-sequential", "cuped-sequential",
                                                    "delta-sequential"]
    assert rows["earnings"]["abs_diff"] == pytest.approx(fixed.loc[1, "abs_diff"], rel=1e-9)
    assert rows["earnings"]["rel_lift"] == pytest.approx(fixed.loc[1, "rel_lift"], rel=1e-9)
    assert rows["earnings"]["abs_ci_low"] < fixed.loc[1, "abs_ci_low"]  # a sequence is wider
    for metric in ("signed_up", "earnings/visits"):  # no test: null, not a p-value of 1
        assert rows[metric]["p_value"] is None and rows[metric]["rel_ci_low"] is None

    a = analyze(earnings, **SPEC, correction="bh", sequential=True,
                expected_weights={"control": 1, "treated": 1}, currency="EUR")
    assert m["decision"] == a.decision.verdict == "no decision"
    assert m["decision_reasons"] == [strip_isolates(reason_text(r)) for r in a.decision.reasons]
    assert m["segments"] is None and m["parameters"]["segment_col"] is None
    assert m["notes"] == [n.text() for n in a.notes] and m["notes"][0] == SEGMENTS_SKIPPED.text()
    assert [u["metric"] for u in m["untestable"]] == ["signed_up", "earnings/visits"]
    power = {p["metric"]: p for p in m["power"]}
    assert power["earnings"]["mde_rel"] == pytest.approx(a.power.loc[1, "mde_rel"], rel=1e-9)
    assert power["signed_up"]["mde_rel"] is None  # nothing to size from a rate of 0%
    text = strip_isolates(visible_text(result.html_path.read_text("utf-8")))
    assert render_markdown(SEGMENTS_SKIPPED.text(markdown=True))[1] in text
    assert "In treated, signed_up cannot be tested: no user converted in either arm." in text
    assert "€" in text
    # Always-valid intervals (sequential), said below the results; one testable comparison,
    # so no adjustment (the old fixed text said "adjusted (Holm by default)").
    assert "Intervals and p-values are always valid" in text
    assert "One comparison is tested, so its p-value needs no adjustment." in text
    assert "Benjamini" not in text
    # The results CSV: every comparison to 6 significant digits (the report layer's writer),
    # the arm column named as the user's.
    exported = pd.read_csv(tmp_path / "out" / "abtest_results.csv")
    assert list(exported["group"]) == ["treated"] * 3
    assert exported.loc[1, "rel_lift"] == pytest.approx(rows["earnings"]["rel_lift"], rel=1e-5)
    assert ("The results table, with its figures to six significant digits, is in the CSV file "
            "abtest_results.csv"
            in text)


@pytest.mark.notebooks
def test_user_data_without_metrics_fail_in_one_line_naming_the_parameter(tmp_path, earnings):
    path = tmp_path / "earnings.csv"
    earnings.to_csv(path, index=False)
    with pytest.raises(ReportError) as info:
        run_report("abtest", {"variant_col": "group"}, data=path, out_dir=tmp_path,
                   progress=False)
    message = str(info.value)
    assert "\n" not in message
    assert ("metrics: none given; expected the metric columns to compare" in message
            and "numeric columns: 'earnings', 'earnings_before', 'signed_up', 'visits'" in message)


def _without_language(doc: dict) -> dict:
    """A report's JSON minus what may differ by language: the title, the time it was made, the
    headline labels and the language and digits parameters."""
    out = {k: v for k, v in doc.items() if k not in ("title", "generated_at")}
    out["parameters"] = {k: v for k, v in doc["parameters"].items() if k != "language"}
    metrics = {k: v for k, v in doc["metrics"].items() if k != "headline"}
    metrics["parameters"] = {k: v for k, v in metrics["parameters"].items()
                             if k not in ("language", "digits")}
    return out | {"metrics": metrics}


@pytest.mark.notebooks
def test_the_report_in_arabic_on_arabic_names(tmp_path, monkeypatch):
    # Arabic arms, metrics, segment column and values; the report in Arabic with SAR.
    from i18n_support import isolated

    rng = np.random.default_rng(8)
    n = 1500
    arm = rng.choice(["الأصلية", "الجديدة"], n)
    bought = (rng.random(n) < np.where(arm == "الجديدة", 0.2, 0.12)).astype(int)
    df = pd.DataFrame({"المجموعة": arm, "اشترى": bought,
                       "قيمة الطلب": bought * rng.gamma(2.0, 40.0, n),
                       "الجهاز": rng.choice(["جوال", "حاسوب"], n)})
    path = tmp_path / "arabic.csv"
    df.to_csv(path, index=False)
    params = {"variant_col": "المجموعة", "control": "الأصلية", "metrics": "اشترى,قيمة الطلب",
              "segment_col": "الجهاز", "currency": "SAR", "language": "ar"}
    # Every chart the notebook draws is checked as it is drawn (growthkit.plots.checks).
    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "matplotlibrc").write_text("figure.hooks: growthkit.plots.checks:install\n")
    problems = tmp_path / "chart_problems.jsonl"
    monkeypatch.setenv("MATPLOTLIBRC", str(tmp_path / "rc"))
    monkeypatch.setenv(PROBLEMS_ENV, str(problems))
    result = run_report("abtest", params, data=path, out_dir=tmp_path / "out", progress=False)
    english = run_report("abtest", {**params, "language": "en"}, data=path,
                         out_dir=tmp_path / "en", progress=False)
    assert not problems.exists() or problems.read_text("utf-8") == ""  # no chart problem
    # issue 15: the JSON is the same in both languages but for the title and headline labels.
    docs = [json.loads(r.json_path.read_text("utf-8")) for r in (result, english)]
    assert _without_language(docs[0]) == _without_language(docs[1])
    assert docs[0]["title"] != docs[1]["title"]
    assert len(docs[0]["metrics"]["headline"]) == len(docs[1]["metrics"]["headline"]) == 3
    html = result.html_path.read_text("utf-8")
    for page in (html, english.html_path.read_text("utf-8")):  # one precision per column
        assert table_problems(page) == []
    text = visible_text(html)
    # Every Markdown cell came from the catalog, every section is in Arabic.
    for heading in ("1. القرار", "3. النتائج", "7. المنظور البايزي", "تقرير اختبار A/B"):
        assert heading in text
    for english in ("The decision", "Ship ", "rose by", "Lift", "Chance to beat control",
                    "two-proportion", "users in the control", "n/a", "adjusted p"):
        assert english not in text
    assert "ر.س." in text and "اعتمد" in text
    body = text[text.index("هل نجح التغيير"):]  # the report, after the runner's header
    for name in ("الجديدة", "اشترى", "قيمة الطلب", "الجهاز", "جوال"):
        assert isolated(body, name), name
    assert result.metrics["decision"] in ("ship", "keep running", "don't ship")
    exported = pd.read_csv(tmp_path / "out" / "abtest_results.csv")
    assert list(exported.columns[:2]) == ["metric", "المجموعة"]
    assert list(exported["metric"]) == ["اشترى", "قيمة الطلب"]
