"""The cohorts notebook, run by papermill through the runner on small inputs (two runs)."""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest
from html_safety import HOSTILE, live_markup, visible_text
from i18n_support import isolated
from test_cohorts_language import leftover_english

from growthkit.cohorts import analyze, narrative
from growthkit.report import run_report
from growthkit.report.cli import main
from growthkit.samples.shop import make_shop


@pytest.mark.notebooks
def test_growthkit_run_cohorts_on_a_csv_with_other_names_time_zones_and_a_mid_month_end(
    tmp_path,
):
    frame, spend = make_shop(seed=12, n_customers=1500)
    rename = {"paid_social": HOSTILE[1]}
    frame = frame.assign(channel=frame["channel"].replace(rename))
    # Local shop times written as Tokyo time: in New York, early-morning orders on the 1st of
    # a month fall on the last day of the month before.
    stamps = frame["date"].dt.strftime("%Y-%m-%dT%H:%M:%S+09:00")
    orders = pd.DataFrame({"buyer": frame["customer_id"], "ordered_at": stamps,
                           "total": frame["amount"], "profit": frame["margin"],
                           "source": frame["channel"]})
    data, costs = tmp_path / "orders.csv", tmp_path / "spend.csv"
    orders.to_csv(data, index=False)
    spend.assign(channel=spend["channel"].replace(rename)).rename(columns=str.title).to_csv(
        costs, index=False)
    out = tmp_path / "out"
    params = {"customer_col": "buyer", "date_col": "ordered_at", "amount_col": "total",
              "margin_col": "profit", "segment_col": "source", "spend_data": str(costs),
              "timezone": "America/New_York", "observation_end": "2024-06-15",
              "currency": "EUR"}
    argv = ["run", "cohorts", "--data", str(data), "--out", str(out), "--quiet"]
    for key, value in params.items():
        argv += ["-p", key, value]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0

    doc = json.loads((out / "cohorts.json").read_text("utf-8"))
    m = doc["metrics"]
    assert doc["parameters"]["customer_col"] == "buyer"
    assert m["observation_end"] == "2024-06-15" and m["last_complete_period"] == "2024-05"
    last = m["cohorts"][-1]
    # Cohort sizes on a New York calendar, computed with pandas: they differ from the shop's
    # own (Tokyo) calendar for customers who first bought early on the 1st of a month.
    local = pd.to_datetime(stamps, utc=True).dt.tz_convert("America/New_York")
    firsts = pd.Series(local.to_numpy(), index=frame["customer_id"]).groupby(level=0).min()
    firsts = firsts[firsts.dt.date <= pd.Timestamp("2024-06-15").date()]
    expected = firsts.dt.strftime("%Y-%m").value_counts().sort_index()
    assert {c["cohort"]: c["customers"] for c in m["cohorts"]} == expected.to_dict()
    tokyo = frame.groupby("customer_id")["date"].min().dt.strftime("%Y-%m")
    assert (tokyo.reindex(firsts.index) != firsts.dt.strftime("%Y-%m")).sum() > 0
    jan = next(c for c in m["cohorts"] if c["cohort"] == "2023-01")
    assert len(jan["retention"]) == 18 and jan["retention"][-1] is None  # June 2024: open
    assert last["cohort"] == "2024-06" and last["retention"] == [None] and not last["complete"]

    same = analyze(str(data), **params).metrics()
    for key in ("ltv", "cac", "ratio"):
        assert m["ltv_cac"]["overall"]["12"][key] == pytest.approx(
            same["ltv_cac"]["overall"]["12"][key], rel=1e-12)
    # The projection comes from a fitted model: DuckDB's parallel sums can differ in the last
    # bit between two runs, and the fit converges within its tolerance from there.
    assert m["ltv_cac"]["overall"]["12"]["projected_ratio"] == pytest.approx(
        same["ltv_cac"]["overall"]["12"]["projected_ratio"], rel=1e-6)
    assert [c["cac"] for c in m["cohorts"]] == pytest.approx([c["cac"] for c in same["cohorts"]],
                                                             nan_ok=True)
    chosen = m["backtest"]["chosen"]
    assert m["backtest"]["models"][chosen]["mape"] == pytest.approx(
        same["backtest"]["models"][chosen]["mape"], rel=1e-6)
    assert m["segments"]["source"][HOSTILE[1]]["customers"] > 0

    csv = pd.read_csv(out / "cohorts.csv", keep_default_na=False)
    assert set(csv["segment_column"]) == {"", "source"} and "2024-06" not in set(csv["period"])
    html = (out / "cohorts.html").read_text("utf-8")
    assert live_markup(html) == []
    assert "EUR" in html and "Hatched cells are unobserved" in html


@pytest.mark.notebooks
def test_weekly_report_with_a_flat_cac_skips_the_segments_with_a_note(tmp_path):
    frame, _ = make_shop(seed=13, n_customers=900)
    path = tmp_path / "orders.parquet"
    frame[frame["date"] < "2023-09-01"].to_parquet(path)
    result = run_report(
        "cohorts",
        {"data": str(path), "period": "week", "cac": 20.0, "gross_margin": 0.35,
         "cohorts_csv": None},
        out_dir=tmp_path / "out", progress=False,
    )
    m = result.metrics
    assert m["period"] == "week" and m["cohorts"][0]["cohort"] == "2022-W52"
    assert m["segments"] == {} and narrative.NO_SEGMENTS in m["notes"]
    assert m["cac_source"] == "flat" and m["ltv_cac"]["overall"]["6"]["cac"] == 20.0
    assert m["margin_basis"] == "rate" and m["gross_margin"] == 0.35
    assert not (tmp_path / "out" / "cohorts.csv").exists()
    html = result.html_path.read_text("utf-8")
    assert "segment breakdown is skipped" in html and "No CSV was written" in html


@pytest.mark.notebooks
def test_the_report_in_arabic_is_right_to_left_with_every_word_arabic(tmp_path):
    frame, spend = make_shop(seed=14, n_customers=900)
    frame = frame.assign(channel=frame["channel"].replace({"referral": "إحالة"}))
    spend = spend.assign(channel=spend["channel"].replace({"referral": "إحالة"}))
    data, costs = tmp_path / "orders.parquet", tmp_path / "spend.csv"
    frame.to_parquet(data)
    spend.to_csv(costs, index=False)
    result = run_report(
        "cohorts",
        {"data": str(data), "spend_data": str(costs), "margin_col": "margin",
         "segment_col": "channel", "currency": "SAR", "language": "ar", "cohorts_csv": None},
        out_dir=tmp_path / "out", progress=False,
    )
    html = result.html_path.read_text("utf-8")
    assert live_markup(html) == []
    body = visible_text(html.split('class="gk-header"', 1)[-1].split("</details>", 1)[-1])
    assert "تقرير ربحية الأفواج" in body and "الاسترداد" in body
    assert leftover_english(body) == [], leftover_english(body)
    # The JSON's summary is plain English text in every language: the data value as it is.
    assert "إحالة" in result.metrics["summary"] and not isolated(result.metrics["summary"],
                                                                 "إحالة")
    assert result.metrics["summary"].startswith("Payback. Across all customers")
    assert result.metrics["parameters"]["language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in html
