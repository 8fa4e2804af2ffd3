"""The subscriptions report in English and Arabic (issue 9): every reader-facing text through
the report's Language, data-derived names bidi-isolated in both languages, charts that draw
shaped Arabic, no English left in Arabic text, and parameters checked in one line."""

from __future__ import annotations

import functools
import re

import matplotlib
import pandas as pd
import pytest
from conftest import small_business
from html_safety import HOSTILE, live_markup, render_markdown
from i18n_support import glyph_problems, has_arabic, isolated

from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates
from growthkit.i18n.bidi import FSI, PDI
from growthkit.plots.subscriptions import (
    plot_churn_trends,
    plot_funnel,
    plot_migration,
    plot_mrr_waterfall,
    plot_nps,
    plot_retention_trends,
    plot_stickiness,
    plot_survival,
)
from growthkit.subscriptions import analyze

matplotlib.use("Agg")

# Plan and channel names of our choosing, one Arabic and one Latin of each.
PLANS = {"أساسي": (5.0, 0.15), "zeta": (12.0, 0.04)}
CHANNELS = {"إعلانات": 0.3, "friends": 0.7}

#: Latin words an Arabic reader may see: metric abbreviations, the method's author, parameter
#: and column names (code), and the currency code.
LATIN_ALLOWED = {
    "MRR", "NRR", "GRR", "ARPA", "LTV", "CAC", "NPS", "DAU", "MAU", "sBG", "AARRR", "Rocks",
    "SAR", "US", "include_reactivation", "True", "False", "JSON", "HTML",
}


@functools.cache
def _analysis(language: str, digits: str = "locale", **extra: object):
    b = small_business(plans=PLANS, channels=CHANNELS)
    return analyze(b["charges"], plan_col="plan", events_data=b["events"], nps_data=b["nps"],
                   cac=20.0, currency="SAR", language=language, digits=digits, **extra)


def _text(markdown: str) -> str:
    """What a reader sees of a Markdown section, isolates removed."""
    return strip_isolates(" ".join(render_markdown(markdown)[1].split()))


def _sections(a) -> dict[str, str]:
    return {
        "summary": a.summary(), "data": a.data_markdown(), "movements": a.movements_markdown(),
        "rates": a.rates_markdown(), "value": a.value_markdown(), "sbg": a.sbg_markdown(),
        "migration": a.migration_markdown(), "funnel": a.funnel_markdown(),
        "nps": a.nps_markdown(), "engagement": a.engagement_markdown(),
    }


def _tables(a) -> dict[str, pd.DataFrame]:
    return {
        "overview": a.overview_table(), "movements": a.movements_table(),
        "rates": a.rates_table(), "rates summary": a.rates_summary_table(),
        "value": a.value_table(), "sbg": a.sbg_plan_table(), "cohorts": a.sbg_cohorts_table(),
        "migration": a.migration_table(), "funnel": a.funnel_table(),
        "trial": a.trial_table(), "nps": a.nps_table(),
    }


def _table_text(table: pd.DataFrame) -> list[str]:
    """Every header, index label and cell of a table, as text."""
    out = [str(c) for c in table.columns] + [str(n) for n in table.columns.names if n]
    out += [str(n) for n in table.index.names if n]
    for label in table.index:
        out += [str(x) for x in (label if isinstance(label, tuple) else (label,))]
    out += [str(x) for x in table.to_numpy().ravel()]
    return out


def _latin_words(text: str) -> set[str]:
    """Latin words outside bidi isolates (isolated text is data: plan, channel, step names)."""
    outside = re.sub(f"{FSI}[^{PDI}]*{PDI}", " ", text)
    outside = re.sub(r"\\(.)", r"\1", outside)  # Markdown escapes
    return {w for w in re.findall(r"[A-Za-z_]{2,}", outside)
            if w not in LATIN_ALLOWED and "_" not in w}  # a_b: a parameter or column name


def test_the_arabic_report_has_no_english_left_outside_names_and_codes():
    a = _analysis("ar")
    for name, markdown in _sections(a).items():
        assert re.search("[\u0600-\u06ff]", markdown), name
        assert _latin_words(markdown) == set(), name
    for name, table in _tables(a).items():
        for text in _table_text(table):
            assert _latin_words(text) == set(), (name, text)
    for label in a.metrics()["headline"]:
        assert _latin_words(label) == set(), label
    assert all(_latin_words(t) == set() for t in a.tables())


def test_raw_numbers_never_reach_a_table_cell():
    for language in ("en", "ar"):
        a = _analysis(language)
        for name, table in _tables(a).items():
            for cell in table.to_numpy().ravel():
                assert isinstance(cell, str), (language, name, cell)
                # No float with three or more decimals, no unseparated thousands.
                text = strip_isolates(cell)
                assert not re.search(r"\d\.\d{4,}", text), (language, name, text)
                assert not re.search(r"(?<![\d.,])\d{5,}", text), (language, name, text)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_plan_channel_and_step_names_are_isolated_in_every_language(language):
    a = _analysis(language)
    summary = a.summary()
    # The plans part in their 90% intervals or not; either way both are named, isolated.
    for plan in PLANS:
        assert isolated(summary + a.sbg_markdown(), plan), plan
    for channel in CHANNELS:
        assert isolated(summary, channel), channel
    assert isolated(a.funnel_markdown(), "visit")
    for table in (a.sbg_plan_table(), a.migration_table()):
        for plan in PLANS:
            assert isolated(" ".join(_table_text(table)), plan)
    for channel in CHANNELS:
        assert isolated(" ".join(_table_text(a.trial_table())), channel)
    assert isolated(" ".join(_table_text(a.funnel_table())), "trial_start")


def test_english_and_arabic_say_the_same_numbers():
    en, ar = _analysis("en"), _analysis("ar")
    assert en.metrics()["mrr"] == ar.metrics()["mrr"]
    mrr = strip_isolates(ar.metrics()["headline"][next(iter(ar.metrics()["headline"]))])
    assert "ر.س" in mrr  # the riyal sign of the Arabic locale
    assert strip_isolates(next(iter(en.metrics()["headline"].values()))).startswith("SAR")
    assert ar.parameters["language"] == "ar" and en.parameters["language"] == "en"
    # JSON notes stay plain English text whatever the language.
    assert en.metrics()["notes"] == ar.metrics()["notes"]
    assert not any(FSI in n for n in ar.metrics()["notes"])


def test_arabic_digits_when_asked():
    a = _analysis("ar", "arabic")
    assert re.search("[٠-٩]", a.summary()) and not re.search("[0-9]", strip_isolates(
        a.movements_table().iloc[0, 0]))
    assert a.parameters["digits"] == "arabic"


def test_bad_language_digits_and_currency_are_one_line_errors():
    b = small_business(customers=40)
    for kwargs, word in (({"language": "fr"}, "language="), ({"digits": "roman"}, "digits="),
                         ({"currency": "dollars"}, "currency=")):
        with pytest.raises(GrowthkitError, match=word) as info:
            analyze(b["charges"], **kwargs)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_stay_text_in_arabic(h):
    b = small_business(plans={h: (5.0, 0.15), "pro": (12.0, 0.04)}, channels={h: 0.3, "x": 0.7},
                       customers=120)
    a = analyze(b["charges"], plan_col="plan", events_data=b["events"], nps_data=b["nps"],
                language="ar")
    for name, markdown in _sections(a).items():
        assert live_markup(render_markdown(markdown)[0]) == [], name
    assert live_markup(a._repr_html_()) == []
    for table in _tables(a).values():
        assert live_markup(table.to_html()) == []


# ----------------------------------------------------------------------------- charts


def _charts(a):
    lang = a.lang
    yield plot_mrr_waterfall(a.movements, currency=a.currency, language=lang)
    yield plot_churn_trends(a.rates, language=lang)
    yield plot_retention_trends(a.rates, language=lang)
    yield plot_survival(a.sbg_fits, language=lang)
    yield plot_migration(a.migration, language=lang)
    yield plot_funnel(a.funnel, language=lang)
    yield plot_nps(a.nps, language=lang)
    yield plot_stickiness(a.activity, language=lang)


def test_every_chart_draws_shaped_arabic_with_glyphs():
    for ax in _charts(_analysis("ar")):
        assert has_arabic(ax.figure), ax.get_title()
        assert glyph_problems(ax.figure) == [], ax.get_title()
        matplotlib.pyplot.close(ax.figure)


def test_english_charts_have_separators_and_no_arabic_words_of_ours():
    for ax in _charts(_analysis("en")):
        assert glyph_problems(ax.figure) == [], ax.get_title()
        title = ax.get_title()
        assert title and not re.search("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]", title)
        matplotlib.pyplot.close(ax.figure)
    ax = plot_funnel(_analysis("en").funnel)
    assert ax.xaxis.get_major_formatter()(3630, 0) == "3,630"
    matplotlib.pyplot.close("all")


# ----------------------------------------------------------------------------- facts


def test_the_waterfall_title_states_the_months_it_spans():
    a = _analysis("en")
    ax = plot_mrr_waterfall(a.movements.tail(4), currency=a.currency)
    assert ax.get_title() == "MRR movements over the last 4 months"
    ax = plot_mrr_waterfall(a.movements.tail(1), currency=a.currency)
    assert ax.get_title() == "MRR movements over the last month"
    matplotlib.pyplot.close("all")


def test_the_value_section_says_revenue_only_when_no_margin_was_given():
    b = small_business(customers=120)
    given = analyze(b["charges"], gross_margin=0.7, cac=15.0)
    text = _text(given.value_markdown())
    assert "at 70% gross margin" in text and "not margin" not in text
    assert "no cac was given" not in text
    default = analyze(b["charges"])
    text = _text(default.value_markdown())
    assert "(LTV in revenue)" in text and "LTV is in revenue, not margin" in text
    assert "no cac was given" in text


def test_the_funnel_section_says_when_there_is_no_channel():
    b = small_business(customers=120)
    with_channel = analyze(b["charges"], events_data=b["events"])
    assert "no channel column" not in _text(with_channel.funnel_markdown())
    without = analyze(b["charges"], events_data=b["events"].drop(columns="channel"))
    assert "no channel column" in _text(without.funnel_markdown())


def test_the_data_section_says_when_charges_are_not_spread():
    b = small_business(customers=120)
    plain = analyze(b["charges"])
    assert "billing interval was inferred" in _text(plain.data_markdown())
    assert "monthly: " in _text(plain.data_markdown())
    spread = analyze(b["charges"].assign(months=1), months_covered_col="months")
    assert "billing interval was inferred" not in _text(spread.data_markdown())
    assert "months covered as given: 60" in _text(spread.data_markdown())


def test_month_notes_name_the_months_in_the_report_language():
    a = _analysis("ar")
    text = strip_isolates(a.movements_markdown())
    assert "يناير 2024" in text  # the first month of the data, by name


@pytest.mark.parametrize(("n", "word"), [(15, "استردادًا"), (100, "استرداد أو"), (5, "استردادات")])
def test_arabic_plural_forms_follow_the_catalog_header(n, word):
    # Plural-Forms: index 3 for n % 100 in 3..10, 4 for n % 100 in 0..2 (100, 101, ...), 5 for
    # 11..99; the counted noun is accusative singular only in the 11..99 form.
    from growthkit.i18n import as_language

    lang = as_language("ar", domain="subscriptions")
    refunds = lang.ngettext(
        "{n} refund or credit ({amount}): with a period of its own it lowers MRR over that "
        "period; without one it reduces its customer's latest paid period from its date to "
        "that period's end, pro rata, and a refund of the unused part cancels the period "
        "that day (churn in that month; nothing comes back).",
        "{n} refunds or credits ({amount}): one with a period of its own lowers MRR over "
        "that period; one without reduces its customer's latest paid period from its date "
        "to that period's end, pro rata, and a refund of the unused part cancels the period "
        "that day (churn in that month; nothing comes back).", n)
    assert refunds.startswith("{n} " + word)
    customers = lang.ngettext(
        "{n} customer in the snapshot, {churned} of them churned; monthly churn is {churn} "
        "(churned customers over the months customers were observed).",
        "{n} customers in the snapshot, {churned} of them churned; monthly churn is {churn} "
        "(churned customers over the months customers were observed).", n)
    assert customers.startswith({15: "{n} عميلًا", 100: "{n} عميل في", 5: "{n} عملاء"}[n])


def test_the_arabic_crc_section_and_table_are_arabic():
    b = small_business(plans=PLANS, channels=CHANNELS)
    spend = pd.DataFrame({"period": ["2024-07", "2024-08", "2024-07"],
                          "channel": ["إعلانات", "friends", "email"],
                          "type": ["acquisition", "acquisition", "retention"],
                          "spend": [300.0, 100.0, 50.0]})
    a = analyze(b["charges"], plan_col="plan", events_data=b["events"], spend_data=spend,
                currency="SAR", language="ar")
    text = a.crc_markdown()
    assert re.search("[\u0600-\u06ff]", text)
    assert _latin_words(text) - {"CRC", "retention"} == set()
    for cell in _table_text(a.crc_table()):
        assert _latin_words(cell) - {"CRC"} == set(), cell
