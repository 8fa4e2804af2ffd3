"""Bidi: isolates keep the order of mixed text; chart text is shaped and reordered."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from i18n_support import glyph_problems, has_arabic

from growthkit.i18n import chart_text, isolate, strip_isolates


def test_chart_text_shapes_arabic_and_keeps_a_signed_number_whole() -> None:
    text = chart_text(f"التغير في {isolate('اشترى')}: {isolate('+9.3%')}", rtl=True)
    assert "+9.3%" in text  # without isolates the bidi algorithm gives "%9.3+"
    assert not any("\u0600" <= c <= "\u06ff" for c in text)  # joined presentation forms only
    assert strip_isolates(text) == text


def test_latin_text_is_unchanged_but_dollar_signs_stay_literal() -> None:
    assert chart_text("Revenue ($)") == r"Revenue (\$)"


def test_arabic_chart_text_renders_with_the_bundled_font() -> None:
    fig, ax = plt.subplots()
    ax.set_title(chart_text("الإيراد حسب الشريحة", rtl=True))
    ax.set_xlabel(chart_text(f"العملاء في {isolate('Widget A')}", rtl=True))
    assert has_arabic(fig)
    assert glyph_problems(fig) == []
    ax.set_ylabel("الإيراد")  # unshaped: the check must catch it
    assert glyph_problems(fig) == ["unshaped Arabic in 'الإيراد'"]
    plt.close(fig)
