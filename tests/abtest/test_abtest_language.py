"""The A/B report in English and Arabic: words from the abtest catalog, Babel formats, data
names bidi-isolated in every language, charts shaped, a one-line error for a bad option."""

from __future__ import annotations

import functools
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from html_safety import render_markdown
from i18n_support import glyph_problems, has_arabic, isolated, outside_isolates

from growthkit.abtest import analyze
from growthkit.abtest.narrative import reason_text
from growthkit.errors import GrowthkitError
from growthkit.i18n import isolate, strip_isolates
from growthkit.i18n.bidi import FSI, PDI
from growthkit.plots.abtest import plot_forest, plot_power_curve

matplotlib.use("Agg")

#: Arabic data: the arms, the metrics and the segment column and values of a shop's test.
CONTROL, NEW = "الأصلية", "الجديدة"
BOUGHT, REVENUE, DEVICE = "اشترى", "الإيراد", "الجهاز"

#: Latin words an Arabic A/B report may show outside isolates: method and format names.
KEPT_IN_LATIN = {"CUPED", "CSV", "JSON", "HTML", "SAR", "USD"}


@functools.cache
def _arabic_data(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < 0.5, CONTROL, NEW)
    new = arm == NEW
    pre = rng.gamma(1.0, 20.0, n)
    bought = (rng.random(n) < np.where(new, 0.15, 0.10)).astype(int)
    return pd.DataFrame({
        "المجموعة": arm,
        BOUGHT: bought,
        REVENUE: bought * (0.5 * pre + rng.gamma(2.0, 10.0, n)),
        "قبل": pre,
        DEVICE: rng.choice(["جوال", "حاسوب"], n),
    })


@functools.cache
def _analysis(language: str, **kwargs):
    return analyze(
        _arabic_data(), variant_col="المجموعة", control=CONTROL, metrics=[BOUGHT, REVENUE],
        cuped={REVENUE: "قبل"}, segment_col=DEVICE, currency="SAR", language=language,
        correction="bonferroni", **dict(kwargs),
    )


def _sections(a) -> dict[str, str]:
    return {
        "summary": a.summary(), "decision": a.decision_markdown(), "srm": a.srm_markdown(),
        "results": a.results_markdown(), "segments": a.segments_markdown(),
        "power": a.power_markdown(), "power curve": a.power_curve_markdown(),
        "export": a.export_markdown(None),
    }



def _english_words(html: str) -> set[str]:
    """Latin words a reader sees outside isolates and code spans (parameter names)."""
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    text = outside_isolates(re.sub(r"<[^>]+>", " ", html))
    return {w for w in re.findall(r"[A-Za-z][A-Za-z'’]+", text)
            if len(w) > 2 and w not in KEPT_IN_LATIN}


def test_arabic_sections_are_arabic_with_no_english_left():
    a = _analysis("ar")
    for name, markdown in _sections(a).items():
        html, text = render_markdown(markdown)
        assert re.search("[\u0600-\u06ff]", outside_isolates(text)), name
        assert _english_words(html) == set(), name
    for title, table in a.tables().items():
        assert re.search("[\u0600-\u06ff]", title)
        html = table.to_html()
        assert _english_words(html) == set(), title
        assert "ztest" not in html and "e-" not in html  # test names in words, no 1.1e-09


def test_arabic_verdict_reasons_and_headline_are_arabic_but_the_json_keeps_english():
    a = _analysis("ar")
    m = a.metrics()
    assert a.decision.verdict == m["decision"] == "ship"
    assert a.decision.headline == f"اعتمد {isolate(NEW)}."
    reasons = [reason_text(r, a.lang) for r in a.decision.reasons]
    assert all(re.search("[\u0600-\u06ff]", outside_isolates(r)) for r in reasons)
    english = _analysis("en").metrics()
    assert m["decision_reasons"] == english["decision_reasons"]
    assert m["decision_reasons"][0].startswith(f"{NEW} improves {BOUGHT} by +")
    assert FSI not in " ".join(m["decision_reasons"])  # plain text in the JSON
    assert set(m["headline"]) == {"القرار",
                                  f"نسبة التغيّر النسبي في {isolate(BOUGHT)} ({isolate(NEW)})",
                                  "فحص نسبة العينة"}
    assert m["results"] == english["results"]  # raw numbers, English keys


def test_arabic_names_in_an_english_report_are_isolated():
    # "rose by +9.3% ... اشترى": without isolates the Arabic name reorders the English around it.
    a = _analysis("en")
    for name, markdown in _sections(a).items():
        text = render_markdown(markdown)[1]
        for value in (CONTROL, NEW, BOUGHT, REVENUE, DEVICE, "جوال", "حاسوب", "قبل"):
            if value in text:
                assert isolated(text, value), (name, value)
    summary = render_markdown(a.summary())[1]
    assert f"In {isolate(NEW)}, {isolate(BOUGHT)} rose by +" in summary
    for table in a.tables().values():
        for value in table.index.to_flat_index():
            for part in (value if isinstance(value, tuple) else (value,)):
                assert part.startswith(FSI) and part.endswith(PDI)
    reasons = [reason_text(r, a.lang) for r in a.decision.reasons]
    assert all(isolated(r, NEW) for r in reasons if NEW in r)


def test_arabic_digits_and_latin_digits():
    arabic = analyze(_arabic_data(), variant_col="المجموعة", control=CONTROL, metrics=BOUGHT,
                     segment_col="", language="ar", digits="arabic")
    latin = analyze(_arabic_data(), variant_col="المجموعة", control=CONTROL, metrics=BOUGHT,
                    segment_col="", language="ar", digits="latin")
    users = arabic.results_table().iloc[0, 0]
    assert re.search("[٠-٩]", users) and not re.search("[0-9]", users)
    assert strip_isolates(latin.results_table().iloc[0, 0]) == f"{int(latin.results['n'][0]):,}"


def test_money_is_formatted_for_the_language_and_the_currency_is_checked():
    en = _analysis("en").results_table()
    mean = en.loc[(isolate(REVENUE), isolate(NEW)), "Arm mean"]
    assert mean.startswith("SAR\u00a0") and re.fullmatch(r"SAR\u00a0\d+\.\d\d", mean)
    ar = _analysis("ar").results_table()
    assert "ر.س." in ar.iloc[1]["متوسط المجموعة"]
    with pytest.raises(GrowthkitError, match=r"currency='<script>' is not an ISO 4217"):
        analyze(_arabic_data(), variant_col="المجموعة", control=CONTROL, metrics=BOUGHT,
                currency="<script>")


@pytest.mark.parametrize(("option", "value"), [("language", "fr"), ("digits", "roman")])
def test_an_unknown_language_or_digits_stops_in_one_line(option, value):
    with pytest.raises(GrowthkitError) as info:
        analyze(_arabic_data(), variant_col="المجموعة", control=CONTROL, metrics=BOUGHT,
                **{option: value})
    assert "\n" not in str(info.value) and f"{option}={value!r}" in str(info.value)


def test_arabic_charts_are_shaped_and_every_glyph_renders():
    a = _analysis("ar")
    for ax in (plot_forest(a.segments, language=a.lang),
               plot_power_curve(a.results.iloc[0], language=a.lang)):
        figure = ax.figure
        assert has_arabic(figure)
        assert glyph_problems(figure) == []
        ticks = " ".join(t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels())
        assert "e+" not in ticks and "$" not in ticks  # no raw 1e+04 or mathtext ticks
        matplotlib.pyplot.close(figure)


def test_english_charts_use_words_and_separators():
    a = _analysis("en")
    ax = plot_power_curve(a.results.iloc[0], language=a.lang)
    ax.figure.canvas.draw()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    control_n = int(a.results["control_n"][0])
    assert f"now: {control_n:,} users in the control" in legend
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t.get_text()) for t in ax.get_xticklabels())
    matplotlib.pyplot.close(ax.figure)
    ax = plot_forest(a.results, language=a.lang)
    assert ax.get_xlabel() == "Relative lift against the control, 95% CI"
    assert glyph_problems(ax.figure) == []
    matplotlib.pyplot.close(ax.figure)


def _json_without_language(metrics: dict) -> dict:
    """The JSON minus what may differ by language: headline labels, language and digits."""
    out = {k: v for k, v in metrics.items() if k not in ("headline", "versions")}
    out["parameters"] = {k: v for k, v in metrics["parameters"].items()
                         if k not in ("language", "digits")}
    return out


def test_the_json_is_the_same_in_every_language():
    # Reasons and notes are codes rendered once: the JSON carries the same English text, codes
    # and arguments in an Arabic report as in an English one.
    en, ar = _analysis("en").metrics(), _analysis("ar").metrics()
    assert _json_without_language(ar) == _json_without_language(en)
    assert len(ar["headline"]) == len(en["headline"]) == 3


def test_notes_are_arabic_in_an_arabic_report():
    a = analyze(_arabic_data().assign(**{BOUGHT: 0}), variant_col="المجموعة", control=CONTROL,
                metrics=[REVENUE, BOUGHT], segment_col="", language="ar")
    assert [n.code for n in a.notes] == ["cuped_off", "segments_skipped", "no_test"]
    for note in a.notes:
        assert _english_words(render_markdown(note.text(a.lang, markdown=True))[0]) == set()
    assert a.metrics()["notes"][2].startswith(f"No test is possible for {BOUGHT} ({NEW})")


def test_the_arabic_summary_says_the_lift_is_relative_and_gives_both_rates():
    # issue 19: "ارتفع ... بنسبة +25.9%" did not say the lift was relative nor give the rates.
    a = _analysis("ar")
    r = a.results.iloc[0]
    text = strip_isolates(render_markdown(a.summary())[1])
    control, arm = (strip_isolates(a.lang.percent(x, 2)) for x in (r["control_mean"],
                                                                   r["mean"]))
    lift = strip_isolates(a.lang.percent(r["rel_lift"], signed=True))
    assert f"ارتفاعًا نسبيًّا قدره {lift}" in text
    assert f"من {control} إلى {arm}" in text
    value = strip_isolates(a.metrics()["headline"][f"نسبة التغيّر النسبي في {isolate(BOUGHT)} "
                                                   f"({isolate(NEW)})"])
    assert value.endswith(f"(من {control} إلى {arm})")


def _plural_entries() -> list[tuple[str, tuple[str, ...]]]:
    from babel.messages.pofile import read_po

    from growthkit.i18n.language import LOCALE_DIR

    with (LOCALE_DIR / "ar" / "LC_MESSAGES" / "abtest.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar", domain="abtest")
    return [(m.id[0], tuple(m.string)) for m in catalog if m.pluralizable and m.id]


def test_arabic_plural_forms_are_in_the_order_the_header_counts_them():
    # The header's Plural-Forms: form 3 is n%100 in 3..10 (a plural: "مستخدمين"), form 4 is
    # n%100 in 0..2 above 100 (a singular: "100 مستخدم"), form 5 is n%100 in 11..99 (a singular
    # with tanween: "11 مستخدمًا"). Forms 4 and 5 swapped would write "11 مستخدم".
    a = _analysis("ar")
    lang = a.lang
    assert [lang.ngettext("now: {n} user in the control", "now: {n} users in the control", n)
            .format(n=n) for n in (3, 11, 100)] == [
        "الآن: 3 مستخدمين في المجموعة الضابطة", "الآن: 11 مستخدمًا في المجموعة الضابطة",
        "الآن: 100 مستخدم في المجموعة الضابطة"]
    entries = _plural_entries()
    assert len(entries) >= 9
    tanween = "\u064b"  # fathatan: the counted word's accusative after 11 to 99
    for message, forms in entries:
        assert len(forms) == 6, message
        if forms[4] != forms[5]:
            assert forms[5].count(tanween) == forms[4].count(tanween) + 1, message


def test_the_summary_as_plain_text_has_no_markdown_and_isolates_only_in_arabic():
    # issue 19: a.summary() is Markdown ("\$", "paid\_search", "**Ship**", isolates), which
    # looks broken pasted into a chat; format="text" gives plain text.
    data = _arabic_data().rename(columns={"المجموعة": "test_arm", BOUGHT: "paid_search*"})
    data["test_arm"] = data["test_arm"].map({CONTROL: "old $5 [page]", NEW: "new_page"})
    kwargs = {"variant_col": "test_arm", "control": "old $5 [page]",
              "metrics": ["paid_search*", REVENUE], "segment_col": "", "currency": "USD"}
    en = analyze(data, **kwargs)
    markdown, text = en.summary(), en.summary(format="text")
    assert "\\_" in markdown and "**" in markdown and FSI in markdown
    assert text.startswith("Ship new_page. In new_page, paid_search* rose by +")
    assert "relative to old $5 [page] (95% CI +" in text
    assert "\\" not in text and "**" not in text and "&" not in text
    assert FSI not in text and PDI not in text
    assert en.summary(format="markdown") == markdown
    ar = analyze(data, **kwargs, language="ar").summary(format="text")
    assert f"{isolate('new_page')}" in ar and "\\" not in ar and "**" not in ar
    with pytest.raises(GrowthkitError, match=r"^format='html' is not valid"):
        en.summary(format="html")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_charts_have_no_overlap_and_ticks_that_say_their_value(language):
    # issue 19: the automated check (growthkit.plots.checks) on the A/B charts, by segment too.
    from growthkit.plots.checks import figure_problems

    a = _analysis(language)
    charts = {
        "forest": plot_forest(a.results, language=a.lang),
        "forest by segment": plot_forest(a.segments, language=a.lang),
        "power curve": plot_power_curve(a.results.iloc[0], language=a.lang),
        "power curve of a guardrail": plot_power_curve(a.results.iloc[1], language=a.lang),
    }
    for name, ax in charts.items():
        assert figure_problems(ax.figure) == [], name
        matplotlib.pyplot.close(ax.figure)


def _wide_money(n: int = 4000, seed: int = 5) -> pd.DataFrame:
    """Order values in thousands on desktop and in single units on mobile, so one money column
    spans units ($2.49K beside $5.12) unless the column decides."""
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < 0.5, "control", "treatment")
    device = rng.choice(["desktop", "mobile"], n)
    scale = np.where(device == "desktop", 2000.0, 4.0)
    bought = (rng.random(n) < np.where(arm == "treatment", 0.15, 0.10)).astype(int)
    value = bought * rng.gamma(2.0, scale / 2) * np.where(arm == "treatment", 1.2, 1.0)
    return pd.DataFrame({"variant": arm, "bought": bought, "value": value,
                         "pre_value": value * 0.3 + rng.gamma(1.0, scale / 4),
                         "sessions": rng.integers(1, 6, n), "device": device})


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_money_and_percent_column_keeps_one_precision(language):
    # issue 19: one column, one precision ("$1K" beside "$1.03K" beside "$527" is refused).
    from layout_checks import table_problems

    for metrics in ("bought,value,value/sessions", "value,value/sessions"):
        a = analyze(_wide_money(), metrics=metrics, cuped="value:pre_value",
                    segment_col="device", currency="USD", language=language)
        tables = {**a.tables(), "segments": a.segments_table()}
        for name, table in tables.items():
            assert table_problems(table.to_html()) == [], (metrics, name)
    means = [strip_isolates(x) for x in a.segments_table().iloc[:, 2]]
    assert len(means) == 4 and all(re.search(r"\d[.٫]\d\d\b", x) for x in means), means
