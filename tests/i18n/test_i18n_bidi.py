"""Bidi: isolates keep the order of mixed text; chart text is shaped and reordered."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from i18n_support import glyph_problems, has_arabic

from growthkit.i18n import chart_text, isolate, strip_isolates
from growthkit.i18n.bidi import matplotlib_shapes_text


def test_chart_text_is_what_matplotlib_needs_to_draw_it_right() -> None:
    text = f"التغير في {isolate('اشترى')}: {isolate('+9.3%')}"
    if matplotlib_shapes_text():  # libraqm shapes and orders; isolates are honoured
        assert chart_text(text, rtl=True) == text
    else:  # shaped and reordered here: "+9.3%" stays whole (without isolates: "%9.3+")
        shaped = chart_text(text, rtl=True)
        assert "+9.3%" in shaped
        assert not any("\u0621" <= c <= "\u064a" for c in shaped)
        assert strip_isolates(shaped) == shaped


def test_latin_text_is_unchanged_but_dollar_signs_stay_literal() -> None:
    assert chart_text("Revenue ($)") == r"Revenue (\$)"


def test_arabic_chart_text_renders_joined_with_the_bundled_font() -> None:
    fig, ax = plt.subplots()
    ax.set_title(chart_text("الإيراد حسب الشريحة", rtl=True))
    ax.set_xlabel(chart_text(f"العملاء في {isolate('Widget A')}، {isolate('+9.3%')}", rtl=True))
    assert has_arabic(fig)
    assert glyph_problems(fig) == []
    plt.close(fig)


def test_the_glyph_check_catches_unjoined_arabic_and_boxes() -> None:
    fig, ax = plt.subplots()
    # Isolated presentation forms: each letter alone, as a renderer without shaping draws them.
    ax.set_title("\ufe8e\ufeb7\ufe97\ufead\ufeef")
    ax.set_xlabel("\U0001f9ea")  # a character DejaVu Sans has no glyph for
    with pytest.warns(UserWarning, match="missing from font"):
        problems = glyph_problems(fig)
    assert any("unjoined" in p or "unshaped" in p for p in problems)
    assert any("no glyph" in p for p in problems)
    plt.close(fig)


def test_arabic_pages_align_paragraphs_to_the_start_and_isolate_inline_code() -> None:
    """JupyterLab's ``p { text-align: left }`` is overridden for right-to-left pages, and
    ``-p gross_margin 0.3`` in inline code keeps its order ("p gross_margin 0.3-" without)."""
    import re

    import nbformat

    from growthkit.report.html import notebook_to_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("`-p gross_margin 0.3`")])
    header = {"title": "تقرير", "line": "تقرير", "parameters_label": "المعاملات",
              "parameters": {}, "lang": "ar", "dir": "rtl"}
    page = notebook_to_html(nb, header)
    rule = re.search(r'html\[dir="rtl"\] \.jp-RenderedHTMLCommon :is\(([^)]*)\) \{\s*'
                     r"text-align: start; \}", page)
    assert rule and "p" in [s.strip() for s in rule.group(1).split(",")]
    assert re.search(r":is\(code[^)]*\) \{ unicode-bidi: isolate; direction: ltr; \}", page)
