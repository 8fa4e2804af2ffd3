"""Bidirectional text: Unicode isolates for data-derived strings, and shaping for charts."""

from __future__ import annotations

import functools
import re

__all__ = ["FSI", "PDI", "chart_text", "isolate", "matplotlib_shapes_text", "strip_isolates"]

#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (Unicode 6.3, UAX #9): the text between
#: them takes the direction of its first strong letter and cannot reorder what is around it.
FSI, PDI = "\u2068", "\u2069"

_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f\u061c]")
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def isolate(text: object) -> str:
    """``text`` between FSI and PDI, so a name or number keeps its own direction.

    Parameters
    ----------
    text : object
        ``str(text)`` is isolated; an already isolated string is returned unchanged.

    Returns
    -------
    str
    """
    text = str(text)
    if text.startswith(FSI) and text.endswith(PDI):
        return text
    return f"{FSI}{text}{PDI}"


def strip_isolates(text: str) -> str:
    """``text`` without bidi isolates and marks (for charts, file names and comparisons)."""
    return _CONTROLS.sub("", text)


def chart_text(text: object, *, rtl: bool | None = None) -> str:
    """Text as matplotlib must be given it to draw it right, ``$`` kept literal (no mathtext).

    matplotlib 3.11 and later lay text out with libraqm (HarfBuzz shaping, FriBidi ordering,
    isolates honoured), so text is passed in logical order, isolates included. An older
    matplotlib draws characters left to right, unjoined: there, text with Arabic (or other
    right-to-left) letters is reshaped into joined letter forms (arabic-reshaper) and put in
    visual order with the Unicode bidi algorithm (python-bidi), and the bidi controls are then
    removed, since fonts have no glyph for them.

    Parameters
    ----------
    text : object
        The logical-order text, e.g. a translated title with isolated names.
    rtl : bool, optional
        The paragraph direction; by default that of the first strong letter.

    Returns
    -------
    str
    """
    text = str(text).replace("$", r"\$")
    if matplotlib_shapes_text():
        return text
    if _RTL_LETTER.search(text):
        import arabic_reshaper  # only needed for right-to-left text
        from bidi import get_display

        base = None if rtl is None else ("R" if rtl else "L")
        text = "\n".join(
            get_display(arabic_reshaper.reshape(line), base_dir=base) for line in text.split("\n")
        )
    return strip_isolates(text)


@functools.cache
def matplotlib_shapes_text() -> bool:
    """Whether matplotlib lays text out with libraqm (shaping and bidi of its own)."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))
