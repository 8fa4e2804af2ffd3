"""``analyze``: the report's result object, its JSON metrics, its engine queries, the sample's
defaults, data quality and the CSV export."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import ibis.backends.duckdb
import numpy as np
import pandas as pd
import pytest

from growthkit.clv import analyze, fit, fit_spend, predict
from growthkit.errors import GrowthkitError
from growthkit.report.exports import export
from growthkit.result import ReportAnalysis
from growthkit.samples.cdnow import cdnow_sample
from growthkit.samples.simulate import simulate_btyd_orders

CONTRACT = {
    "transaction_model": {"name", "params", "log_likelihood"},
    "spend_model": {"name", "params", "excluded_customers"},
    "holdout": {"actual_purchases", "predicted_purchases", "mae"},
    "clv": {"horizon_months", "total", "mean", "median", "total_interval"},
    "data_quality": {"rows", "duplicate_rows", "excluded_orders", "refunds", "warnings"},
}


def user_orders(n: int = 600, seed: int = 4) -> pd.DataFrame:
    """Simulated orders under the column names of a shop's export, not the sample's."""
    return simulate_btyd_orders(n, seed=seed).rename(
        columns={"customer_id": "user_id", "date": "created_at", "amount": "total"}
    )


USER_COLUMNS = {"customer_col": "user_id", "date_col": "created_at", "amount_col": "total"}


# -- the result object -----------------------------------------------------------------------------


def test_metrics_follow_the_json_contract(analysis):
    m = json.loads(json.dumps(analysis.metrics(), allow_nan=False))
    assert m["customers"] == 2357 and m["orders"] == 6919
    for key, fields in CONTRACT.items():
        assert fields <= set(m[key]), key
    assert set(m["transaction_model"]["params"]) == {"r", "alpha", "a", "b"}
    assert set(m["spend_model"]["params"]) == {"p", "q", "gamma"}
    low, high = m["clv"]["total_interval"]
    assert low < m["clv"]["total"] < high
    assert m["parameters"]["gross_margin"] == 0.3 and "lifetimes" in m["versions"]
    assert "CLV, next 12 months" in m["headline"]
    # The CDNOW sample file repeats 21 of its rows exactly and has 8 orders of $0 (pandas:
    # cdnow_sample().duplicated().sum(), (amount == 0).sum()).
    assert m["data_quality"] == analysis.data_quality.to_dict()
    assert (m["data_quality"]["duplicate_rows"], m["data_quality"]["zero_amount_orders"]) == (21, 8)
    assert m["data_quality"]["excluded_orders"] == 0


def test_the_result_has_the_report_shape(analysis):
    assert isinstance(analysis, ReportAnalysis)
    assert analysis.summary().startswith("**Outlook for the 12 months after June 30, 1998.**")
    tables = analysis.tables()
    assert list(tables) == ["Customer lifetime value", "Segments for action",
                            "Model fit: BG/NBD"]
    page = analysis._repr_html_()
    assert "under-predicts" in page and "Segments for action" in page
    assert repr(analysis).startswith("<CLVAnalysis: **Outlook for the 12 months")
    with pytest.warns(FutureWarning, match=r"use CLVAnalysis\.summary\(\)"):
        assert analysis.summary_markdown() == analysis.summary()


def test_models_are_fitted_on_calibration_and_checked_on_holdout(analysis, cdnow):
    # The calibration summary is the paper's, so the calibration fit is the paper's. (Two fits
    # of the same data agree to the optimiser's tolerance, not to the last bit: BLAS sums can
    # round differently with memory alignment, and the likelihood is flat near its maximum.)
    m = analysis.metrics()
    assert m["calibration_model"]["params"] == pytest.approx(fit(cdnow).params, rel=1e-5)
    assert m["calibration_model"]["log_likelihood"] == pytest.approx(-9582.43, abs=5e-3)
    # The forecast's models are fitted again on all orders up to the observation end.
    assert m["transaction_model"]["params"] == pytest.approx(
        fit(analysis.current).params, rel=1e-5)
    assert m["transaction_model"]["customers"] == 2357
    assert m["spend_model"]["excluded_customers"] == 1218  # no repeat purchase by 1998-06-30
    assert m["holdout"]["actual_purchases"] == 1882
    assert m["holdout"]["predicted_purchases"] == pytest.approx(1653.4, abs=0.05)
    assert analysis.rfm["frequency"].sum() == 2457  # docs/REFERENCES.md: calibration Σx


def test_clv_starts_from_the_full_history(analysis, bgnbd, gamma_gamma):
    # Forecasts use every customer's history up to the observation end with estimates refitted
    # on it: 78 weeks of T for a customer first seen on 1997-01-01.
    current = analysis.current
    assert current["T"].max() == pytest.approx((pd.Timestamp("1998-06-30")
                                                - pd.Timestamp("1997-01-01")).days / 7)
    refit = predict(fit(current, time_unit="weeks"), current, fit_spend(current),
                    gross_margin=0.3)
    np.testing.assert_allclose(analysis.predictions["clv_revenue"], refit["clv_revenue"],
                               rtol=1e-4)
    calibration_only = predict(bgnbd, current, gamma_gamma, gross_margin=0.3)
    assert not np.allclose(analysis.predictions["clv_revenue"], calibration_only["clv_revenue"],
                           rtol=1e-2)
    own = predict(analysis.model, current, analysis.spend_model, gross_margin=0.3)
    m = analysis.metrics()["clv"]
    assert m["total"] == pytest.approx(own["clv_revenue"].sum(), rel=1e-12)
    assert m["median"] == pytest.approx(own["clv_revenue"].median(), rel=1e-12)
    assert m["profit_total"] == pytest.approx(0.3 * m["total"], rel=1e-12)


def test_summary_says_who_buys_what_they_are_worth_and_how_good_the_model_is(analysis):
    text = analysis.summary()
    assert "BG/NBD expected 1,653 repeat purchases; 1,882 happened" in text
    assert "under-predicts** by 12%" in text
    assert "fitted again on all orders up to June 30, 1998" in text
    total = analysis.intervals.total[0]
    assert f"\\${total / 1e3:,.3g}K" in text
    assert "high value but at risk" in text


def test_tables_render_for_every_section(analysis):
    for table in (analysis.overview_table(), analysis.rfm_table(), analysis.model_table(),
                  analysis.holdout_table(), analysis.spend_table(), analysis.clv_table(),
                  analysis.segments_table(), analysis.run_info()):
        assert isinstance(table, pd.DataFrame) and not table.empty
    assert analysis.holdout_table().loc["all", "actual total"] == "1,882"
    overview = analysis.overview_table()[""]
    assert overview["Holdout check: model fitted on orders up to"] == "September 30, 1997"
    assert overview["Forecast: models fitted on orders up to"] == "June 30, 1998"


def test_customer_lookups_for_the_at_risk_example(analysis):
    customer = analysis.example_customer()
    assert analysis.segment_of(customer) == "High value, at risk"
    dates = analysis.purchase_dates(customer)
    row = analysis.current.loc[customer]
    assert dates.dt.normalize().nunique() == row["frequency"] + 1


def test_a_spend_correlation_becomes_a_caveat_in_the_summary(monkeypatch):
    # CDNOW's frequency-spend correlation over the 39-week calibration is 0.11 (Fader & Hardie
    # note 025), below the 0.3 limit; a stricter limit flags it.
    monkeypatch.setattr("growthkit.clv.spend.CORRELATION_LIMIT", 0.05)
    a = analyze("sample:cdnow-2357", n_draws=20)
    assert a.spend_model.correlation_warning is True
    assert len(a.notes) == 1 and "above 0.05)" in str(a.notes[0])
    assert a.notes[0].code == "spend_correlation"
    assert "*Caveat:* among repeat buyers, spend per purchase and the number of purchases " \
        "are correlated" in a.summary()
    assert a.metrics()["spend_model"]["correlation_warning"] is True


# -- sample defaults apply to the sample only ------------------------------------------------------


def test_the_samples_calibration_end_fills_in_for_the_sample():
    a = analyze("sample:cdnow-2357", n_draws=20)
    assert a.calibration_end == a.parameters["calibration_end"] == "1997-09-30"
    assert a.holdout is not None and a.holdout.actual_purchases == 1882
    assert a.notes == ()


def test_user_data_get_the_last_quarter_of_their_dates_as_holdout():
    # The same orders as a DataFrame are the user's data: the sample's date does not apply;
    # "auto" holds out the last 25% of 1997-01-01..1998-06-30 (545 days: 409 + 136).
    a = analyze(cdnow_sample(), model="auto", n_draws=50)
    m = a.metrics()
    assert a.calibration == m["calibration"] == "auto"
    assert a.calibration_end == m["parameters"]["calibration_end"] == "1998-02-14"
    assert m["holdout"]["customers"] == 2357 and a.notes == ()
    assert "lowest holdout error" in m["transaction_model"]["selection_reason"]
    assert "holds out the last 25% of the data's dates by default" in a.summary()


def test_calibration_end_none_means_no_holdout_and_says_so():
    a = analyze(cdnow_sample(), calibration_end=None, model="auto", n_draws=50)
    m = a.metrics()
    assert "holdout" not in m and a.calibration_end is None and a.calibration == "none"
    assert m["parameters"]["calibration_end"] is None
    assert "There is no holdout check (calibration_end is None)" in a.summary()
    # The advice is a command that works on any data: "auto" holds out what the models can fit.
    assert "`-p calibration_end auto`" in a.summary()
    assert "lowest AIC" in m["transaction_model"]["selection_reason"]
    assert a.holdout_table() is None and "calibration_model" not in m
    [note] = map(str, a.notes)
    assert a.notes[0].code == "no_holdout"
    assert note.startswith("No holdout (calibration_end is None), so the models are fitted on "
                           "all orders up to 1998-06-30")
    assert "set calibration_end to auto (a holdout the models can fit) to check it" in note
    assert m["notes"] == [note]
    # The holdout section says why there is none, with no caption for a missing table.
    section = a.holdout_markdown()
    assert "There is no holdout check" in section and "The table and the chart" not in section
    assert "After the dotted line" not in a.tracking_markdown()


def test_analyze_runs_on_user_data_with_other_column_names():
    data = user_orders()
    a = analyze(data, **USER_COLUMNS, n_draws=20)
    m = a.metrics()
    assert m["orders"] == len(data) and m["customers"] == data["user_id"].nunique()
    assert a.current.index.name == "user_id"
    # 545 days of orders: the last 25% is the holdout.
    assert a.calibration == "auto" and a.holdout is not None and a.notes == ()
    last = data["created_at"].max().date().isoformat()
    assert a.observation_end == m["clv"]["forecast_from"] == last
    assert m["parameters"]["customer_col"] == "user_id"


# -- one validation, four queries ------------------------------------------------------------------


class QueryCounter:
    """Counts the queries the DuckDB backend runs, at its public entry points.

    ``execute``, ``to_pyarrow`` and ``to_pyarrow_batches`` each compile one expression and run
    it (the first two through ``_to_duckdb_relation``, the third through ``raw_sql``);
    ``raw_sql`` runs SQL text. Only the outermost call counts, so a query is never counted
    twice when one entry point calls another.
    """

    ENTRY_POINTS = ("execute", "to_pyarrow", "to_pyarrow_batches", "raw_sql")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self._depth = threading.local()
        backend = ibis.backends.duckdb.Backend
        for name in self.ENTRY_POINTS:
            monkeypatch.setattr(backend, name, self._wrap(name, getattr(backend, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(backend: Any, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(self._depth, "n", 0)
            if depth == 0:
                self.calls.append(name)
            self._depth.n = depth + 1
            try:
                return method(backend, *args, **kwargs)
            finally:
                self._depth.n = depth

        return counted


@pytest.fixture
def queries(monkeypatch) -> Iterator[QueryCounter]:
    yield QueryCounter(monkeypatch)


def test_analyze_runs_four_queries_on_cdnow(queries):
    # Validation, the current summary, the calibration summary and the tracking counts; the
    # overview, the last order day and the holdout come from those (it was 9 queries before
    # the orders were validated once).
    a = analyze("sample:cdnow", n_draws=20)
    assert len(queries.calls) == 4, queries.calls
    assert (a.overview["customers"], a.overview["orders"]) == (23_570, 69_659)  # REFERENCES
    assert a.observation_end == "1998-06-30" and a.calibration_end == "1997-09-30"


def test_an_observation_end_inside_the_data_costs_one_more_query(queries):
    a = analyze("sample:cdnow-2357", observation_end="1998-03-31", n_draws=20)
    assert len(queries.calls) == 5, queries.calls
    assert a.overview["last_date"] <= "1998-03-31" and a.observation_end == "1998-03-31"
    assert a.overview["orders"] < 6919


def test_a_missing_segments_folder_fails_before_any_query(queries, tmp_path):
    missing = tmp_path / "no-such-folder" / "segments.csv"
    with pytest.raises(GrowthkitError, match=r"segments_csv=.*no-such-folder.* does not exist"):
        analyze("sample:cdnow-2357", segments_csv=str(missing))
    with pytest.raises(GrowthkitError, match=r"segments_csv=.* is a folder"):
        analyze("sample:cdnow-2357", segments_csv=tmp_path)
    assert queries.calls == []


def test_segments_csv_has_one_row_per_customer(analysis, tmp_path):
    path = analysis.export_segments(tmp_path / "segments.csv")
    csv = pd.read_csv(path, index_col=0)
    assert len(csv) == 2357
    assert {"segment", "p_alive", "clv_revenue", "clv_profit"} <= set(csv.columns)
    assert analysis.export_segments(None) is None
    with pytest.raises(GrowthkitError, match="segments_csv="):
        analysis.export_segments(tmp_path / "missing" / "segments.csv")


def test_analyze_names_the_segments_csv_and_the_report_layer_writes_it(tmp_path):
    path = tmp_path / "segments.csv"
    a = analyze(user_orders(), **USER_COLUMNS, n_draws=20, segments_csv=str(path))
    assert not path.exists()  # analyze writes no file
    assert list(a.exports()) == [str(path)]
    export(a.exports())
    csv = pd.read_csv(path, index_col="user_id")
    assert len(csv) == len(a.predictions)
    assert csv["clv_revenue"].sum() == pytest.approx(a.predictions["clv_revenue"].sum(),
                                                     rel=1e-5)


# -- data quality ----------------------------------------------------------------------------------


def test_duplicates_refunds_and_a_date_typo_are_reported_not_forecast_from():
    data = user_orders()
    last = data["created_at"].max()
    customer = data["user_id"].iloc[0]
    typo = pd.DataFrame({"user_id": [customer], "created_at": [pd.Timestamp("2205-01-01")],
                         "total": [30.0]})
    refund = pd.DataFrame({"user_id": [customer], "created_at": [data["created_at"].iloc[0]],
                           "total": [-5.0]})
    dirty = pd.concat([data, data.iloc[[3, 10, 20]], typo, refund], ignore_index=True)
    a = analyze(dirty, **USER_COLUMNS, n_draws=20)
    q = a.metrics()["data_quality"]
    assert q["rows"] == len(data) + 5
    assert q["duplicate_rows"] == 3
    assert q["excluded_orders"] == 1 and q["excluded_example"] == "2205-01-01"
    assert q["refunds"] == 1 and q["refund_total"] == -5.0
    # The forecast starts after the last real order, not in 2205.
    assert a.observation_end == last.date().isoformat()
    assert a.overview["last_date"] == last.date().isoformat()
    assert a.overview["orders"] == len(data) + 4
    text = a.data_markdown()
    assert len(q["warnings"]) == 3 and text.count("\n- ") == 3
    assert "1 orders are dated after today" in text
    assert "⁨2205\\-01\\-01⁩" in text
    assert "3 rows repeat another row exactly" in text
    assert "1 orders have a negative amount (refunds, -\\$5.00 in total)" in text


def test_the_data_section_lists_what_to_check_or_says_the_data_are_clean(analysis):
    text = analysis.data_markdown()
    assert text.startswith("6,919 orders of 2,357 customers from January 1, 1997 to June 30, "
                           "1998, read from ⁨sample\\:cdnow\\-2357⁩ (6,919 rows).")
    assert "21 rows repeat another row exactly" in text
    assert "8 orders have an amount of 0" in text
    clean = analyze(user_orders(), **USER_COLUMNS, n_draws=20)
    assert clean.data_quality.warnings() == []
    assert "No duplicate rows, refunds, zero-value orders" in clean.data_markdown()
