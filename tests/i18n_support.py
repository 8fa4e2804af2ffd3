"""Checks shared by the language tests: chart text that renders, and bidi-isolated data."""

from __future__ import annotations

import re

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.text import Text

from growthkit.i18n.bidi import FSI, PDI, matplotlib_shapes_text

#: Arabic letters in logical (unshaped) form (letters only, not the punctuation ، ؛ ؟).
UNSHAPED_ARABIC = re.compile("[\u0621-\u064a\u0671-\u06d3]")
ARABIC_WORD = re.compile("[\u0621-\u064a]{2,}")
#: Letters that join the letter after them (all but alef, dal, thal, ra, zain, waw, hamza, ta
#: marbuta and their variants, which join only the letter before).
JOINS_NEXT = re.compile("[\u0626\u0628\u062a-\u062e\u0633-\u063a\u0640-\u0647\u0649\u064a]")
#: Arabic presentation forms: text shaped before matplotlib, which would reverse it again.
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")
BIDI_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f\u061c]")
ARABIC_LETTER = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")


def drawn_texts(figure: Figure) -> list[Text]:
    """Every visible, non-empty text the figure draws (titles, labels, ticks, legends)."""
    figure.canvas.draw()  # tick labels exist only once drawn
    return [
        t for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]


def _layout(font: FT2Font, text: str) -> list[tuple[str, int]]:
    """``(character, glyph index)`` as matplotlib lays the text out (libraqm: shaped, visual
    order). ``FT2Font._layout`` is matplotlib's provisional API (3.11); without it, the glyph of
    each character as given."""
    if matplotlib_shapes_text():
        return [(item.char, item.glyph_index)
                for item in font._layout(text, LoadFlags.NO_HINTING)]
    return [(c, font.get_char_index(ord(c))) for c in text]


def glyph_problems(figure: Figure) -> list[str]:
    """Why some drawn text would not render right, from the glyphs matplotlib lays out: a box
    (no glyph in the font it picked), Arabic drawn unjoined (every letter in its isolated form
    although a word has letters that join), or Arabic shaped twice. Empty when all is well."""
    problems = []
    for text in drawn_texts(figure):
        s = text.get_text()
        font = FT2Font(font_manager.findfont(text.get_fontproperties()))
        laid = [item for line in s.split("\n") for item in _layout(font, line)]
        missing = sorted({c for c, glyph in laid if glyph == 0 and not c.isspace()})
        if missing:
            problems.append(f"no glyph for {missing!r} in {s!r}")
        if matplotlib_shapes_text() and PRESENTATION_FORMS.search(s):
            problems.append(f"pre-shaped Arabic (drawn reversed and unjoined) in {s!r}")
        if not matplotlib_shapes_text():
            if UNSHAPED_ARABIC.search(s):
                problems.append(f"unshaped Arabic in {s!r}")
            if BIDI_CONTROLS.search(s):
                problems.append(f"bidi control in {s!r}")
            continue
        letters = [(c, g) for c, g in laid if UNSHAPED_ARABIC.fullmatch(c)]
        joinable = any(JOINS_NEXT.search(word[:-1]) for word in ARABIC_WORD.findall(s))
        if joinable and all(g == font.get_char_index(ord(c)) for c, g in letters):
            problems.append(f"Arabic drawn unjoined in {s!r}")
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


def outside_isolates(text: str) -> str:
    """``text`` without what sits between FSI and PDI (data-derived strings and numbers)."""
    depth, kept = 0, []
    for char in text:
        if char == FSI:
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)
