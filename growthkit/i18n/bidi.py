"""Bidirectional text: Unicode isolates for data-derived strings, and shaping for charts."""

from __future__ import annotations

import re

__all__ = ["FSI", "PDI", "chart_text", "isolate", "strip_isolates"]

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
    """Text as matplotlib must draw it: Arabic letters shaped, right-to-left runs reordered.

    matplotlib draws characters left to right as given, unjoined. Text with Arabic (or other
    right-to-left) letters is reshaped into joined letter forms (arabic-reshaper) and put in
    visual order with the Unicode bidi algorithm (python-bidi), isolates respected; the bidi
    controls are then removed, since fonts have no glyph for them. Other text is only stripped
    of controls. A ``$`` is escaped so it cannot start mathtext.

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
    text = str(text)
    if _RTL_LETTER.search(text):
        import arabic_reshaper  # only needed for right-to-left text
        from bidi import get_display

        base = None if rtl is None else ("R" if rtl else "L")
        lines = [
            get_display(arabic_reshaper.reshape(line), base_dir=base) if base else
            get_display(arabic_reshaper.reshape(line))
            for line in text.split("\n")
        ]
        text = "\n".join(lines)
    return strip_isolates(text).replace("$", r"\$")
