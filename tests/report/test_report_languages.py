"""Every report, run by papermill in Arabic: right-to-left, no English left, data isolated.

Also the catalog check: a message without an Arabic translation (or a stale compiled catalog)
fails here before it can reach a reader.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from html_safety import visible_text
from i18n_support import outside_isolates
from sample_reports import REPORTS

from growthkit.i18n import catalogs
from growthkit.report.html import notebook_to_html

#: Latin words an Arabic report may show outside isolates: names of methods, models, metrics
#: and the product, which Arabic growth-marketing writing keeps in Latin letters.
KEPT_IN_LATIN = {
    "growthkit", "BG", "NBD", "MBG", "Pareto", "Gamma", "CLV", "RFM", "MRR", "ARR", "NRR", "GRR",
    "NPS", "DAU", "MAU", "CAC", "CRC", "LTV", "ARPU", "UTC", "CUPED", "SRM", "sBG", "AIC", "SaaS",
    "Welch", "Bonferroni", "Holm", "Benjamini", "Hochberg", "Bayes", "Beta", "Fader", "Hardie",
    "Lee", "Kaplan", "Meier", "AARRR", "CSV", "JSON", "HTML", "Parquet", "USD", "EUR", "SAR",
    "AED", "EGP", "CDNOW", "mSPRT", "O'Brien", "Fleming", "Pocock", "Wald", "Wilson", "Newcombe",
    "python", "lifetimes", "pandas", "numpy", "scipy", "statsmodels", "ibis", "framework",
    "duckdb", "DuckDB", "Ibis", "Babel", "delta", "BFGS", "MLE", "GG", "MAPE", "PDF", "ARPA",
    "Rocks", "alpha", "gamma",  # a citation (Rocks 2016), model parameter names
}


@pytest.fixture(scope="module")
def arabic(sample_runs) -> dict[str, str]:
    """Each report's HTML, run on its built-in sample in Arabic (the session's shared run)."""
    run = sample_runs("ar")
    assert run.exit_code == 0, run.stderr[-3000:]
    return {name: run.html(name) for name in REPORTS}


def test_html_of_an_arabic_notebook_is_right_to_left() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# تقرير")])
    header = {"title": "تقرير", "line": "تقرير", "parameters_label": "المعاملات",
              "parameters": {}, "lang": "ar", "dir": "rtl"}
    page = notebook_to_html(nb, header)
    assert '<html lang="ar" dir="rtl">' in page
    assert "<title>تقرير</title>" in page


def test_every_message_has_an_arabic_translation_and_compiled_catalogs() -> None:
    assert catalogs.check() == []


@pytest.mark.notebooks
@pytest.mark.parametrize("name", REPORTS)
def test_arabic_report_is_right_to_left(arabic: dict[str, str], name: str) -> None:
    assert '<html lang="ar" dir="rtl">' in arabic[name]



def _latin_words(html: str) -> set[str]:
    body = re.sub(r"<code>.*?</code>|<details>.*?</details>", " ", html, flags=re.S)
    body = re.sub(r"<img [^>]*>", " ", body)
    text = outside_isolates(visible_text(body, sep=" "))
    words = set(re.findall(r"[A-Za-z][A-Za-z'’]+", text))
    return {w for w in words if w not in KEPT_IN_LATIN and len(w) > 2}


@pytest.mark.notebooks
@pytest.mark.parametrize("name", REPORTS)
def test_no_english_is_left_in_an_arabic_report(arabic: dict[str, str], name: str) -> None:
    # Words from the data (arm, channel, plan names) are isolated, so they do not count; any
    # other Latin word is text the catalog missed or a value shown without isolation.
    assert _latin_words(arabic[name]) == set()


@pytest.mark.notebooks
@pytest.mark.parametrize("name", REPORTS)
def test_arabic_report_has_arabic_words_in_every_section(arabic: dict[str, str], name: str) -> None:
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", arabic[name], flags=re.S)
    assert headings
    assert all(re.search("[\u0600-\u06ff]", visible_text(h)) for h in headings)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", REPORTS)
def test_markdown_renders_without_stray_markup_or_formulas(
    arabic: dict[str, str], name: str
) -> None:
    # An unescaped "$" between two amounts turns the text between them into a formula, and
    # then the "**" of bold text shows as is.
    text = visible_text(arabic[name])
    assert "**" not in text
    assert "\\(" not in text and "\\$" not in text
