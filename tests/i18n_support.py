"""Checks shared by the language tests: chart text that renders, and bidi-isolated data."""

from __future__ import annotations

import re

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from growthkit.i18n.bidi import FSI, PDI

#: Arabic letters in logical (unshaped) form: drawn by matplotlib they come out unjoined.
UNSHAPED_ARABIC = re.compile("[\u0600-\u06ff]")
BIDI_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f\u061c]")
ARABIC_LETTER = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")


def drawn_texts(figure: Figure) -> list[Text]:
    """Every visible, non-empty text the figure draws (titles, labels, ticks, legends)."""
    figure.canvas.draw()  # tick labels exist only once drawn
    return [
        t for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]


def glyph_problems(figure: Figure) -> list[str]:
    """Why some drawn text would not render right: unshaped Arabic, bidi controls (boxes) or
    a character without a glyph in the font matplotlib picked for it. Empty when all is well."""
    problems = []
    for text in drawn_texts(figure):
        s = text.get_text()
        font = FT2Font(font_manager.findfont(text.get_fontproperties()))
        if UNSHAPED_ARABIC.search(s):
            problems.append(f"unshaped Arabic in {s!r}")
        if BIDI_CONTROLS.search(s):
            problems.append(f"bidi control in {s!r}")
        missing = {c for c in s if not c.isspace() and font.get_char_index(ord(c)) == 0}
        if missing:
            problems.append(f"no glyph for {sorted(missing)!r} in {s!r}")
    return problems


def has_arabic(figure: Figure) -> bool:
    """Whether any drawn text holds Arabic letters (shaped or not)."""
    return any(ARABIC_LETTER.search(t.get_text()) for t in drawn_texts(figure))


def isolated(text: str, value: str) -> bool:
    """Whether every occurrence of ``value`` in ``text`` sits between FSI and PDI."""
    starts = [m.start() for m in re.finditer(re.escape(value), text)]
    return bool(starts) and all(
        text.rfind(FSI, 0, i) > text.rfind(PDI, 0, i) and PDI in text[i + len(value):]
        for i in starts
    )
