"""The subscriptions notebook, executed by papermill through the report runner.

Two runs (each starts a kernel): the command from the issue on a small invoices file with
nothing else, and the built-in sample as ``make reports`` runs it.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from html_safety import live_markup, visible_text

from growthkit.report import run_report
from growthkit.report.cli import main
from growthkit.subscriptions import narrative

# Hand-made monthly invoices (YYYY-MM): a pays 10, 10, 15, nothing, 15; b starts in February at
# 20 and drops to 10 in May; c pays 5 every month.
INVOICES = {
    "a": {"2024-01": 10, "2024-02": 10, "2024-03": 15, "2024-05": 15},
    "b": {"2024-02": 20, "2024-03": 20, "2024-04": 20, "2024-05": 10},
    "c": {m: 5 for m in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05")},
}


@pytest.mark.notebooks
def test_the_report_runs_from_invoices_alone_and_records_the_movements(tmp_path, monkeypatch):
    path = tmp_path / "invoices.csv"
    rows = [(a, m, x) for a, months in INVOICES.items() for m, x in months.items()]
    pd.DataFrame(rows, columns=["account", "month", "charged"]).to_csv(path, index=False)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    code = main(["run", "subscriptions", "--data", "invoices.csv", "-p", "customer_col",
                 "account", "-p", "date_col", "month", "-p", "amount_col", "charged",
                 "--out", str(out), "--quiet"])
    assert code == 0
    doc = json.loads((out / "subscriptions.json").read_text("utf-8"))
    m = doc["metrics"]
    got = {r["month"]: r for r in m["mrr_movements"]}
    assert list(got) == ["2024-02", "2024-03", "2024-04", "2024-05"]  # May counts: monthly data
    assert m["first_month"] == {"month": "2024-01", "mrr": 15.0, "customers": 2}
    assert (got["2024-02"]["new"], got["2024-03"]["expansion"]) == (20.0, 5.0)
    assert (got["2024-04"]["churn"], got["2024-04"]["end"]) == (15.0, 25.0)
    may = got["2024-05"]
    assert (may["start"], may["reactivation"], may["contraction"], may["end"]) == (
        25.0, 15.0, 10.0, 30.0
    )
    # Over the four months: starts 15 + 35 + 40 + 25 = 115; expansion 5, contraction 10,
    # churn 15; reactivation 15 (left out of NRR); new 20.
    assert m["nrr"] == pytest.approx(95 / 115, rel=1e-12)
    assert m["grr"] == pytest.approx(90 / 115, rel=1e-12)
    assert m["quick_ratio"] == pytest.approx(1.0, rel=1e-12)
    assert m["churn"]["logo"] == pytest.approx(1 / 10, rel=1e-12)
    assert m["arpa"] == pytest.approx(130 / 11, rel=1e-12)
    assert m["ltv"]["ltv"] == pytest.approx(1300 / 11, rel=1e-12)  # margin 1.0: revenue
    # Every other input is absent: each of those sections says so in one line.
    assert (m["nps"], m["funnel"], m["dau_mau"], m["migration"]) == (None, None, None, None)
    for note in (narrative.PLANS_SKIPPED, narrative.EVENTS_SKIPPED, narrative.NPS_SKIPPED,
                 narrative.CAC_SKIPPED, narrative.MARGIN_DEFAULT):
        assert note in m["notes"]
    assert m["sbg"]["all customers"]["alpha"] is None  # one new subscriber: not fitted
    assert doc["parameters"]["customer_col"] == "account"
    html = (out / "subscriptions.html").read_text("utf-8")
    text = visible_text(html, sep=" ")
    assert "NPS is skipped: no nps_data was given" in text
    assert "Retention by plan and plan migration are skipped" in text
    assert "Feb 2024" in text and live_markup(html) == []
    assert "<pre>None</pre>" not in html  # a skipped table is not shown as "None"


@pytest.mark.notebooks
def test_the_sample_report_records_what_analyze_computes(tmp_path, sample_analysis):
    result = run_report("subscriptions", {}, out_dir=tmp_path, progress=False)
    doc = json.loads(result.json_path.read_text("utf-8"))
    m, same = doc["metrics"], sample_analysis.metrics()
    pd.testing.assert_frame_equal(pd.DataFrame(m["mrr_movements"]),
                                  pd.DataFrame(same["mrr_movements"]), rtol=1e-12,
                                  check_like=True)  # the JSON's keys may come sorted
    for key in ("nrr", "grr", "quick_ratio", "dau_mau"):
        assert m[key] == pytest.approx(same[key], rel=1e-12), key
    assert m["sbg"]["full"]["alpha"] == pytest.approx(same["sbg"]["full"]["alpha"], rel=1e-9)
    assert m["nps"]["score"] == pytest.approx(same["nps"]["score"])
    assert m["summary"] == same["summary"]
    assert m["headline"]["MRR (Nov 2025)"] == same["headline"]["MRR (Nov 2025)"]
    html = result.html_path.read_text("utf-8")
    for heading in ("How MRR moved", "Retention by plan: the sBG model", "Plan migration",
                    "The growth funnel", "Net Promoter Score", "Engagement: DAU/MAU"):
        assert heading in html
    assert "December 2025 is not over in the data" in html
    assert live_markup(html) == []


@pytest.mark.notebooks
def test_the_report_reads_in_arabic(tmp_path, monkeypatch):
    path = tmp_path / "invoices.csv"
    rows = [(a, m, x) for a, months in INVOICES.items() for m, x in months.items()]
    pd.DataFrame(rows, columns=["account", "month", "charged"]).to_csv(path, index=False)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    code = main(["run", "subscriptions", "--data", "invoices.csv", "-p", "customer_col",
                 "account", "-p", "date_col", "month", "-p", "amount_col", "charged",
                 "-p", "language", "ar", "-p", "currency", "SAR", "--out", str(out), "--quiet"])
    assert code == 0
    html = (out / "subscriptions.html").read_text("utf-8")
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    text = visible_text(html, sep=" ")
    for words in ("تقرير نمو الاشتراكات", "كيف تحرّك الإيراد الشهري المتكرر",
                  "بلغ الإيراد الشهري المتكرر", "تم تخطي صافي نقاط الترويج", "ر.س"):
        assert words in text, words
    for english in ("How MRR moved", "MRR was", "NPS is skipped", "Paying customers"):
        assert english not in text, english
    doc = json.loads((out / "subscriptions.json").read_text("utf-8"))
    assert doc["metrics"]["nrr"] == pytest.approx(95 / 115, rel=1e-12)  # numbers unchanged
    assert narrative.NPS_SKIPPED in doc["metrics"]["notes"]  # JSON notes stay English
    assert live_markup(html) == []


@pytest.mark.notebooks
def test_the_report_runs_on_a_customer_snapshot(tmp_path, monkeypatch):
    # One row per customer (tenure, churn Yes/No, contract, monthly charge), as the telecom
    # churn export: "date column 'tenure' ... not dates" before; now retention and value by
    # contract, the movement sections skipped with one note.
    from growthkit.samples.subscriptions import subscription_snapshot
    from growthkit.subscriptions import fit_sbg

    snap = subscription_snapshot()
    snap.to_csv(tmp_path / "telco.csv", index=False)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    code = main(["run", "subscriptions", "--data", "telco.csv", "-p", "tenure_col", "tenure",
                 "-p", "churned_col", "churn", "-p", "plan_col", "contract", "-p",
                 "amount_col", "monthly_charges", "-p", "cac", "300", "--out", str(out),
                 "--quiet"])
    assert code == 0
    m = json.loads((out / "subscriptions.json").read_text("utf-8"))["metrics"]
    assert m["mrr_movements"] is None and m["customers"] == 7000
    assert set(m["sbg"]) == {"Month-to-month", "One year", "Two year"}
    for contract, rows in snap.groupby("contract"):
        model = fit_sbg(tenure=rows["tenure"], churned=rows["churn"])
        assert m["sbg"][contract]["alpha"] == pytest.approx(model.alpha, rel=1e-9)
        assert m["sbg"][contract]["survival_12_low"] < m["sbg"][contract]["survival_12"]
        churned = rows["churn"].eq("Yes")
        exposure = (rows["tenure"].clip(lower=churned.astype(int))).sum()
        assert m["snapshot"][contract]["churn"] == pytest.approx(churned.sum() / exposure)
        assert m["snapshot"][contract]["ltv_cac"] > 0
    assert sum("customer snapshot" in n for n in m["notes"]) == 1
    html = (out / "subscriptions.html").read_text("utf-8")
    assert live_markup(html) == []
    assert "Month-to-month" in visible_text(html) and "Traceback" not in html
