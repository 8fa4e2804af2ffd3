"""The CLV report on a retailer's 12 months (issue #16): fits on a boundary are findings.

The data come from ``clv_retail.retail_orders`` (seeded): repeat buyers never stop buying in
the window, so BG/NBD's dropout parameter runs to the edge of its range. Before these changes
``analyze`` raised ``ConvergenceError`` (default model, and ``model="auto"``), and the
period-transactions simulation raised ``ValueError: p <= 0`` at a = 7e-6.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from clv_retail import retail_lines, retail_orders

from growthkit.clv import BetaGeoModel, ModifiedBetaGeoModel, analyze
from growthkit.i18n import strip_isolates
from growthkit.plots import clv as charts

#: BG/NBD and MBG/NBD run off (b -> infinity) on all 12 months; Pareto/NBD converges; the
#: default holdout (from 2023-10-01) fits BG/NBD.
FALLBACK = {"shape": 0.5, "mean_rate": 0.008}
#: No model converges on any split of the dates.
NO_DROPOUT = {"shape": 0.5, "mean_rate": 0.015}
#: BG/NBD converges at a = 7e-6, b = 1.5e4 on all 12 months: every repeat buyer "alive".
NEAR_BOUNDARY = {"shape": 1.0, "mean_rate": 0.008, "gone": 0.3}


@pytest.fixture(scope="module")
def fallback():
    return analyze(retail_orders(**FALLBACK), n_draws=20)


@pytest.fixture(scope="module")
def no_dropout():
    return analyze(retail_orders(**NO_DROPOUT), model="auto", n_draws=20)


def codes(a) -> list[str]:
    return [note.code for note in a.notes]


def test_the_generator_is_retailer_shaped():
    data = retail_orders(**FALLBACK)
    assert data["customer_id"].nunique() == 4300
    assert (data["date"].max() - data["date"].min()).days <= 365
    once = (data.groupby("customer_id").size() == 1).mean()
    assert 0.4 < once < 0.6  # many one-time buyers
    assert retail_orders(**FALLBACK).equals(data)  # seeded


def test_bgnbd_on_a_boundary_falls_back_to_the_next_model_and_says_so(fallback):
    a = fallback
    assert a.model.name == "paretonbd" and a.calibration_model.name == "bgnbd"
    assert codes(a)[:3] == ["fit_boundary", "fit_boundary", "model_fallback"]
    assert a.notes[0].args["parameter"] == "b" and a.notes[0].args["model"] == "BG/NBD"
    summary = strip_isolates(a.summary())
    assert "The forecast uses Pareto/NBD instead of BG/NBD, which did not converge" in summary
    assert "its dropout parameter b ran to the edge of its range" in summary
    # The holdout was BG/NBD's: the text says the forecast model differs.
    assert "uses Pareto/NBD fitted on all orders up to" in a.holdout_markdown()
    m = a.metrics()
    assert m["transaction_model"]["name"] == "paretonbd" and m["forecast"] is True
    assert [d["code"] for d in m["notes_detail"]] == codes(a)


def test_every_repeat_buyer_alive_is_a_red_flag_the_report_names(fallback):
    # Pareto/NBD on these data: 2,050 of 2,052 repeat buyers probably active.
    m = fallback.metrics()["purchases"]
    assert m["active_repeat_buyers"] / m["repeat_buyers"] > 0.99
    [flag] = [n for n in fallback.notes if n.code == "all_alive"]
    assert flag.args["active"] == m["active_repeat_buyers"] and flag.args["n"] == m["repeat_buyers"]
    assert "the model sees almost no dropout in this window" in fallback.summary()
    assert "Read the expected purchases and CLV as an upper bound." in fallback.summary()


def test_no_model_converges_the_report_says_so_and_skips_the_forecast(no_dropout):
    a = no_dropout
    assert a.model is None and a.predictions is None and a.intervals is None
    assert a.calibration == "no fitting split" and a.holdout is None
    assert codes(a) == ["no_holdout_no_fitting_split", "fit_boundary", "fit_boundary",
                        "fit_boundary", "no_model"]
    summary = a.summary()
    assert summary.startswith("**No forecast.** No transaction model (BG/NBD, MBG/NBD, "
                              "Pareto/NBD) converged on these orders")
    for section in (a.clv_markdown(), a.segments_markdown(), a.example_markdown(),
                    a.tracking_markdown()):
        assert section.startswith("Skipped: no transaction model converged")
    assert a.model_table() is None and a.clv_table() is None and a.segments_view() is None
    assert a.tables() == {} and a.exports() == {}
    m = a.metrics()
    assert m["forecast"] is False and m["clv"] is None and m["transaction_model"] is None
    assert m["segments"] == {} and list(m["headline"]) == ["Customers"]


def test_auto_calibration_tries_shorter_holdouts_before_giving_up():
    # The default split (from 2023-10-01) fits no model; holding out 20% (after 2023-10-19)
    # lets BG/NBD fit.
    a = analyze(retail_orders(**NEAR_BOUNDARY), n_draws=20)
    assert a.calibration == "auto" and a.calibration_end == "2023-10-19"
    assert codes(a)[0] == "shorter_holdout" and a.holdout is not None
    assert "the holdout starts after October 19, 2023 instead" in strip_isolates(a.summary())


def test_the_advice_without_a_holdout_is_a_command_that_works():
    data = retail_orders(**FALLBACK)
    a = analyze(data, calibration_end=None, n_draws=20)
    [command] = re.findall(r"`-p calibration_end ([^`]+)`", a.summary())
    assert command == "auto"
    again = analyze(data, calibration_end=command, n_draws=20)  # runs, with a holdout
    assert again.holdout is not None and again.calibration == "auto"


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ModifiedBetaGeoModel])
def test_simulating_at_a_tiny_a_never_drops_out_instead_of_failing(model_cls):
    # At a = 7e-6 Beta(a, b) draws underflow to 0, where Geometric(p) raised ValueError.
    model = model_cls.from_params({"r": 0.48, "alpha": 12.6, "a": 7.1e-6, "b": 1.5e4})
    T = np.full(100_000, 52.0)
    counts = model.simulate_frequency(T, seed=0)
    assert counts.min() >= 0 and np.isfinite(counts).all()
    # Nobody drops out: the counts are Poisson over all 52 weeks, mean r / alpha * T.
    assert counts.mean() == pytest.approx(0.48 / 12.6 * 52, rel=0.02)


def test_a_chart_that_cannot_be_drawn_is_one_line_saying_why():
    def broken(*args, ax=None, language=None):
        plt.figure()  # a partial figure, discarded
        raise ValueError("p <= 0, p > 1 or p contains NaNs")

    before = len(plt.get_fignums())
    ax = charts.draw_chart(broken, object(), language="en")
    texts = [strip_isolates(t.get_text()) for t in ax.texts]
    assert texts == ["This chart could not be drawn: p <= 0, p > 1 or p contains NaNs"]
    assert len(plt.get_fignums()) == before + 1  # the sentence's figure only
    skipped = charts.draw_chart(charts.plot_period_transactions, None, None, language="ar")
    assert "تُخطّي القسم" in skipped.texts[0].get_text()
    plt.close("all")


def test_a_purchase_log_without_amounts_gives_the_purchase_side():
    a = analyze(retail_orders(shape=1.0, mean_rate=0.015, amounts=False), amount_col=None,
                n_draws=20)
    assert a.spend_model is None and a.intervals is None and a.holdout is not None
    assert codes(a)[0] == "no_amounts"
    assert "clv_revenue" not in a.predictions.columns
    summary = a.summary()
    assert "All customers together are expected to make" in summary and "$" not in summary
    assert a.clv_markdown().startswith("No amounts (amount_col is None)")
    assert "total CLV" not in a.segments_table().columns
    m = a.metrics()
    assert m["clv"] is None and m["spend_model"] is None
    assert m["purchases"]["expected_purchases"] == pytest.approx(
        a.predictions["expected_purchases"].sum())
    assert m["segments"]["High value, active"]["clv_revenue"] is None
    # Value tiers rank by expected purchases.
    p = a.predictions[a.predictions["frequency"] > 0]
    high = p[p["value_tier"] == "High"]["expected_purchases"].min()
    assert high >= p[p["value_tier"] == "Low"]["expected_purchases"].max()


#: The column names of a retailer's raw export (tests/clv/clv_retail.py: retail_lines).
LINE_COLUMNS = {"customer_col": "CustomerID", "date_col": "InvoiceDate",
                "amount_col": "UnitPrice", "order_col": "InvoiceNo", "quantity_col": "Quantity"}


def test_line_items_on_a_boundary_count_invoices_and_lines_and_fall_back():
    # 12 months of invoice lines, a quarter without a customer, 2% of invoices cancelled:
    # before issue #16 analyze took no order_col (TypeError) and, given the orders, stopped
    # with "BG/NBD fit did not converge: parameter b ran off".
    data = retail_lines(**FALLBACK)
    a = analyze(data, **LINE_COLUMNS, n_draws=20, currency="GBP")
    known = data[data["CustomerID"].notna()]
    o = a.overview
    assert (o["orders"], o["lines"]) == (known["InvoiceNo"].nunique(), len(known))
    assert (o["orders"], o["lines"]) == (11808, 53027)
    q = a.data_quality
    assert q.row_unit == "line" and q.rows == len(data)
    assert q.rows_without_customer == data["CustomerID"].isna().sum() == 17482
    assert q.refunds == (data["Quantity"] < 0).sum()
    # Pareto/NBD's beta has a standard error 14 times its estimate: no interval, said so.
    assert codes(a) == ["fit_boundary", "fit_boundary", "model_fallback", "all_alive",
                        "no_intervals"]
    assert a.intervals.total[0] > 0 and not a.intervals.has_bounds
    assert a.model.name == "paretonbd" and a.calibration_model.name == "bgnbd"
    text = strip_isolates(a.data_markdown())
    assert text.startswith("11,808 orders (53,027 lines) of 4,300 customers")
    assert "17,482 lines have no customer (24.8% of lines" in text
    assert "lines have a negative amount (returns," in text
    table = a.overview_table().iloc[:, 0]
    assert table["Lines"] == "53,027" and table["Lines without a customer (left out)"] == "17,482"
    assert "Lines left out (dates after today or typos)" in table.index
    assert "Orders left out (dates after today or typos)" not in table.index
    m = a.metrics()
    assert m["parameters"]["order_col"] == "InvoiceNo" and m["clv"]["total"] > 0
