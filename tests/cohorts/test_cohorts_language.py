"""The cohort report in English and Arabic: every word from the catalog, numbers by Babel,
data-derived strings bidi-isolated, charts shaped (issue 9)."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mistune
import pytest
from html_safety import HOSTILE, live_markup
from i18n_support import glyph_problems, has_arabic, isolated

from growthkit.cohorts import analyze, narrative
from growthkit.errors import GrowthkitError
from growthkit.i18n import get_language
from growthkit.i18n.bidi import FSI, PDI
from growthkit.i18n.catalogs import check
from growthkit.plots import cohorts as plots

#: Latin words an Arabic reader may see: codes, model names and the report's parameters.
ALLOWED_LATIN = {
    "LTV", "CAC", "BG", "NBD", "CSV", "JSON", "HTML", "ISO", "k", "None", "US", "other",
    "cohorts_csv", "gross_margin", "margin_col", "spend_data", "cac", "segment_col",
    "data_starts_at_launch", "true",
}
ARABIC = re.compile("[\u0600-\u06ff]")
_ISOLATED = re.compile(f"{FSI}[^{PDI}]*{PDI}")


def leftover_english(text: str) -> list[str]:
    """Latin words outside bidi isolates (data and numbers) that are not allowed codes."""
    visible = _ISOLATED.sub(" ", text)
    visible = re.sub(r"\\(.)", r"\1", visible)  # Markdown escapes
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z_]+|\b[A-Za-z]\b", visible)}
                  - ALLOWED_LATIN)


@pytest.fixture(scope="module")
def arabic(small_shop):
    frame, spend = small_shop
    return analyze(frame, margin_col="margin", spend_data=spend, data_starts_at_launch=True,
                   segment_col="channel,first_order", language="ar", currency="SAR")


@pytest.fixture(scope="module")
def arabic_plain(small_shop):
    """No CAC, no segments, weekly: the other branch of every section."""
    frame, _ = small_shop
    return analyze(frame[frame["date"] < "2023-09-01"], period="week", gross_margin=0.35,
                   language="ar", cohorts_csv=None)


def _markdowns(a) -> dict[str, str]:
    return {
        "summary": a.summary(), "data": a.data_markdown(),
        "retention": a.retention_markdown(), "margin": a.margin_markdown(),
        "segments": a.segments_markdown(), "projection": a.projection_markdown(),
        "backtest": a.backtest_markdown(), "ltv_cac": a.ltv_cac_markdown(),
        "export": a.export_markdown(),
    }


def _frames(a):
    frames = dict(a.tables())
    frames["overview"] = a.overview_table()
    if a.backtest_table() is not None:
        frames["backtest"] = a.backtest_table()
    return frames


def _cells(frame) -> list[str]:
    texts = [str(c) for c in frame.columns]
    texts += [str(v) for row in frame.index for v in (row if isinstance(row, tuple) else (row,))]
    texts += [str(v) for v in frame.to_numpy().ravel()]
    texts += [str(n) for n in frame.index.names if n]
    return texts


@pytest.mark.parametrize("which", ["arabic", "arabic_plain"])
def test_every_section_in_arabic_is_arabic(which, request):
    a = request.getfixturevalue(which)
    for name, text in _markdowns(a).items():
        if name == "data":  # the validation's findings come from growthkit.data (see notes)
            text = text.split("\n\n")[0]
        assert ARABIC.search(text), name
        assert leftover_english(text) == [], (name, text)


@pytest.mark.parametrize("which", ["arabic", "arabic_plain"])
def test_tables_in_arabic_have_arabic_headers_and_formatted_cells(which, request):
    a = request.getfixturevalue(which)
    for title, frame in _frames(a).items():
        assert ARABIC.search(title) or title in ("overview", "backtest")
        for text in _cells(frame):
            assert leftover_english(text) == [], (title, text)
            assert not re.fullmatch(r"-?\d+\.\d{3,}", text), (title, text)  # no raw floats
        assert all(ARABIC.search(str(c)) for c in frame.columns), title


def test_arabic_money_is_in_the_currency_given(arabic):
    revenue = arabic.overview_table().iloc[:, 0].tolist()
    assert any("ر.س" in v for v in revenue)
    assert arabic.metrics()["currency"] == "SAR"


def test_headline_labels_are_in_the_report_language(small, arabic):
    english = narrative.headline(small)
    assert "Customers" in english and english["Customers"] == f"{small.overall['customers']:,.0f}"
    labels = narrative.headline(arabic)
    assert all(ARABIC.search(label) for label in labels)
    assert isolated(" ".join(labels.values()), "referral")


def _numbers(values) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


@pytest.mark.parametrize("which", ["small", "arabic"])
def test_data_derived_strings_are_isolated_in_every_language(which, request):
    a = request.getfixturevalue(which)
    text = a.summary() + a.segments_markdown() + a.ltv_cac_markdown()
    for value in ("referral", "organic", "channel", "first\\_order"):
        assert isolated(text, value), value
    index = a.segments_table().index
    assert all(v.startswith(FSI) and v.endswith(PDI) for v in index.get_level_values(1))


def test_json_keys_and_numbers_do_not_depend_on_the_language(small, arabic):
    en, ar = small.metrics(), arabic.metrics()
    assert en.keys() == ar.keys()
    assert en["overall"].keys() == ar["overall"].keys()
    # Projections come from a fitted model: DuckDB's parallel sums can differ in the last bit
    # between two runs, and the fit converges within its tolerance from there.
    for key, value in en["overall"].items():
        rel = 1e-6 if key.startswith("projected") else 1e-9
        assert _numbers([value]) == pytest.approx(_numbers([ar["overall"][key]]), rel=rel,
                                                  nan_ok=True), key
    for one, other in zip(en["cohorts"], ar["cohorts"], strict=True):  # engine sums: approx
        assert one.keys() == other.keys() and one["customers"] == other["customers"]
        assert _numbers(one["cumulative_margin_per_customer"]) == pytest.approx(
            _numbers(other["cumulative_margin_per_customer"]), rel=1e-9, nan_ok=True)
    assert ar["parameters"]["language"] == "ar" and en["parameters"]["language"] == "en"
    # The JSON's summary is the summary in plain English text, whatever the report's language.
    for m in (en, ar):
        assert not ARABIC.search(m["summary"]) and m["summary"].startswith("Payback.")
        assert not re.search(f"[{FSI}{PDI}\\\\*]", m["summary"])


def test_the_json_is_the_same_in_every_language_but_the_headline_labels(small):
    arabic = dataclasses.replace(small, lang=get_language("ar", domain="cohorts"))
    en, ar = small.metrics(), arabic.metrics()
    assert en.pop("headline").keys() != ar.pop("headline").keys()
    assert json.dumps(en, sort_keys=True) == json.dumps(ar, sort_keys=True)


def test_arabic_indic_digits_on_request(small_shop):
    frame, _ = small_shop
    a = analyze(frame.head(3000), margin_col="margin", cac=25.0, language="ar",
                digits="arabic", cohorts_csv=None)
    lang = get_language("ar", digits="arabic")
    customers = a.overview_table().iloc[2, 0]
    assert customers == lang.number(a.overview["customers"]) and "٬" in customers
    summary = a.summary()
    assert re.search("[٠-٩]", summary)
    latin = re.sub(_ISOLATED, "", summary)
    assert not re.search("[0-9]", latin.replace("3:1", "").replace("k = 0", ""))


def test_a_bad_language_or_digits_or_currency_is_a_one_line_error(small_shop):
    frame, _ = small_shop
    for kwargs, found in [({"language": "fr"}, "language='fr'"),
                          ({"digits": "roman"}, "digits='roman'"),
                          ({"currency": "dollars"}, "currency='dollars'")]:
        with pytest.raises(GrowthkitError, match=re.escape(found)):
            analyze(frame.head(100), **kwargs)


def test_hostile_segment_names_stay_text_in_arabic(small_shop):
    frame, spend = small_shop
    frame = frame.head(5000).copy()
    names = {"paid_search": HOSTILE[0], "paid_social": HOSTILE[1], "organic": HOSTILE[2],
             "referral": HOSTILE[3], "email": HOSTILE[4]}
    frame["channel"] = frame["channel"].map(names)
    spend = spend.assign(channel=spend["channel"].map(names))
    a = analyze(frame, margin_col="margin", spend_data=spend, segment_col="channel",
                language="ar", cohorts_csv=None)
    for text in _markdowns(a).values():
        assert live_markup(mistune.html(text)) == []
    assert live_markup(a._repr_html_()) == []


def _charts(a):
    yield plots.plot_retention_heatmap(a.table, language=a.lang)
    yield plots.plot_cumulative_margin(a)
    if a.cac is not None:
        yield plots.plot_payback(a)
        if len(a.segments):
            yield plots.plot_payback_by_segment(a)
    yield plots.plot_projection(a.projection, a.currency, cac=a.overall["cac"], language=a.lang)
    if a.backtest is not None:
        yield plots.plot_backtest(a.backtest, a.period, language=a.lang)


@pytest.mark.parametrize("which", ["arabic", "arabic_plain"])
def test_charts_in_arabic_are_shaped_and_have_glyphs(which, request):
    a = request.getfixturevalue(which)
    for ax in _charts(a):
        assert glyph_problems(ax.figure) == [], ax.get_title()
        assert has_arabic(ax.figure), ax.get_title()
        plt.close(ax.figure)


def test_charts_in_english_have_no_bidi_controls(small):
    for ax in _charts(small):
        assert glyph_problems(ax.figure) == []
        assert not has_arabic(ax.figure)
        plt.close(ax.figure)


def test_the_cohorts_catalog_is_complete():
    assert [line for line in check() if "cohorts." in line] == []


_DUP = ("{n} day and channel of spend_data has more than one row ({examples}): the rows are "
        "summed into its CAC; remove them if they repeat one another.")
_DUPS = ("{n} days and channels of spend_data have more than one row (e.g. {examples}): the "
         "rows are summed into their CAC; remove them if they repeat one another.")


@pytest.mark.parametrize("singular, plural, n, word", [
    ("{n} month", "{n} months", 11, "شهرًا"),
    ("{n} month", "{n} months", 100, "شهر"),
    ("{n} month", "{n} months", 103, "أشهر"),
    (_DUP, _DUPS, 11, "يومًا"),
    (_DUP, _DUPS, 101, "يوم "),
])
def test_arabic_plural_forms_follow_the_header(singular, plural, n, word):
    # Form 5 (n % 100 in 11..99) takes the accusative singular, form 4 (100, 101, 102) the
    # genitive singular; they were swapped in two messages ("11 يوم", "101 يومًا").
    text = get_language("ar", domain="cohorts").ngettext(singular, plural, n)
    assert text != singular and word in text.split("{n}")[1][:12]
