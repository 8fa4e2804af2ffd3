"""The CLV report in Arabic and the formats of issue 9: words from the clv catalog, Babel
money, isolated data, shaped charts, ISO currencies, and the per-customer export."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from i18n_support import glyph_problems, has_arabic, isolated

import growthkit.plots.clv as charts
from growthkit.clv import AT_RISK, BOUGHT_ONCE, analyze
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates
from growthkit.samples.simulate import simulate_btyd_orders

ARABIC = "\u0600-\u06ff"
#: Latin words an Arabic reader may see: model names, codes, parameter names, currencies.
ALLOWED_LATIN = {"BG", "NBD", "MBG", "Pareto", "Gamma", "AIC", "T", "p", "q", "gamma", "r",
                 "alpha", "a", "b", "calibration_end", "gross_margin", "segments_csv", "None",
                 "growthkit", "JSON", "HTML", "SAR", "K"}


@pytest.fixture(scope="module")
def arabic():
    return analyze("sample:cdnow-2357", n_draws=20, language="ar", currency="SAR",
                   gross_margin=0.3)


def _latin_words(text: str) -> set[str]:
    import re

    text = re.sub(r"`[^`]*`", "", strip_isolates(text))  # code spans: parameters to type
    return set(re.findall(r"[A-Za-z_]+", text)) - ALLOWED_LATIN


def test_the_arabic_summary_and_sections_have_no_english_words(arabic):
    for text in (arabic.summary(), arabic.data_markdown(), arabic.rfm_markdown(),
                 arabic.holdout_markdown(), arabic.clv_markdown(), arabic.segments_markdown(),
                 arabic.tracking_markdown()):
        assert any("\u0600" <= c <= "\u06ff" for c in text)
        assert _latin_words(text) <= {"sample", "cdnow"}, text[:200]
    assert "ألف\u00a0ر.س." in strip_isolates(arabic.summary())


def test_the_arabic_tables_are_translated_and_isolate_data(arabic):
    for table in (arabic.overview_table(), arabic.rfm_table(), arabic.holdout_table(),
                  arabic.clv_table(), arabic.segments_table(), arabic.spend_table()):
        words = " ".join(map(str, [*table.columns, *table.index, *table.to_numpy().ravel()]))
        assert _latin_words(words) <= {"sample", "cdnow"}, words[:300]
    segments = arabic.segments_table()
    assert "قيمة عالية – مهدد بالتسرّب" in segments.index
    source = arabic.overview_table().iloc[0, 0]
    assert isolated(source, "sample:cdnow-2357")
    assert isolated(arabic.example_markdown(), str(arabic.example_customer()))


def test_the_arabic_charts_are_shaped_with_glyphs(arabic):
    a = arabic
    draws = [
        lambda: charts.plot_period_transactions(a.model, a.current, language=a.lang),
        lambda: charts.plot_frequency_recency_matrix(
            a.model, a.settings.horizon, horizon_months=12, language=a.lang),
        lambda: charts.plot_probability_alive_matrix(a.model, language=a.lang),
        lambda: charts.plot_tracking(a.tracking, calibration_end=a.calibration_end,
                                     language=a.lang),
        lambda: charts.plot_holdout_by_frequency(a.holdout, time_unit="weeks", language=a.lang),
        lambda: charts.plot_clv_distribution(a.predictions, currency=a.currency, language=a.lang),
        lambda: charts.plot_segments(a.segments, currency=a.currency, language=a.lang),
        lambda: charts.plot_at_risk_example(a),
    ]
    for draw in draws:
        figure = draw().figure
        assert glyph_problems(figure) == [] and has_arabic(figure)
        plt.close(figure)


def test_the_horizon_reads_in_months_not_weeks(arabic):
    en = analyze("sample:cdnow-2357", n_draws=20)
    ax = charts.plot_frequency_recency_matrix(en.model, en.settings.horizon, horizon_months=12)
    assert ax.get_title() == "Who will buy: expected purchases in the next 12 months"
    plt.close(ax.figure)


@pytest.mark.parametrize("currency", ["USD", "EUR", "SAR", "AED", "EGP", "sar"])
def test_currencies_are_iso_codes(currency):
    data = simulate_btyd_orders(200, seed=2)
    a = analyze(data, currency=currency, n_draws=20, calibration_end=None)
    assert a.currency == currency.upper()


def test_a_currency_that_is_not_an_iso_code_stops_the_run():
    with pytest.raises(GrowthkitError, match=r"^currency='dollars' is not an ISO 4217"):
        analyze("sample:cdnow-2357", currency="dollars")
    with pytest.raises(GrowthkitError, match=r"^language='fr' is not a report language"):
        analyze("sample:cdnow-2357", language="fr")


def test_calibration_end_outside_the_data_gives_the_range_and_the_options():
    with pytest.raises(GrowthkitError, match=r"^calibration_end=2030-01-01 is outside the data: "
                       r"its orders run from 1997-01-01 to 1998-06-30; .*'auto'.* or None "
                       r"\(no holdout\)$"):
        analyze("sample:cdnow-2357", calibration_end="2030-01-01")


def test_short_data_are_fitted_whole_and_the_report_says_why():
    data = simulate_btyd_orders(400, seed=3)
    short = data[data["date"] < data["date"].min() + pd.Timedelta(days=150)]
    a = analyze(short, n_draws=20)
    assert a.calibration == "too short" and a.holdout is None
    assert "The orders span only" in a.holdout_markdown()


def test_the_export_keeps_the_customer_column_and_writes_parquet(tmp_path):
    data = simulate_btyd_orders(300, seed=5).rename(columns={"customer_id": "user_id"})
    a = analyze(data, customer_col="user_id", n_draws=20,
                segments_csv=str(tmp_path / "segments.parquet"))
    a.export_segments(tmp_path / "segments.parquet")
    table = pd.read_parquet(tmp_path / "segments.parquet")
    assert list(table.columns[:2]) == ["user_id", "segment"] and len(table) == len(a.predictions)
    assert set(table["segment"]) <= {AT_RISK, BOUGHT_ONCE} | set(a.segments.index)
    path = a.export_segments(tmp_path / "segments.csv")
    assert list(pd.read_csv(path, nrows=0).columns[:2]) == ["user_id", "segment"]


def test_the_segments_view_shows_the_advice_whole(arabic):
    html = analyze("sample:cdnow-2357", n_draws=20).segments_view().to_html()
    assert "Keep them close: service, loyalty perks and early access; no blanket discounts." in html
    assert "white-space: nowrap" in html
