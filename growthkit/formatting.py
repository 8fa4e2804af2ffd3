"""Text for readers: escaping of data-derived strings, and numbers formatted for a report.

This is the one door every data-derived string passes through on its way into a report:
:func:`escape` for Markdown and HTML (a variant named ``<script>`` or ``[x](javascript:...)``
shows as text), :func:`plain_label` for matplotlib text. Reports format money, shares and
probabilities with the functions here, so every report says "USD 1.23M" the same way.
"""

from __future__ import annotations

import html
import math
import platform
import re
from importlib.metadata import PackageNotFoundError, version

__all__ = [
    "PACKAGES",
    "escape",
    "money",
    "package_versions",
    "percent",
    "plain_label",
    "probability",
    "small_share",
]

#: The packages whose versions every report records in its last cell.
PACKAGES = (
    "growthkit",
    "lifetimes",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "ibis-framework",
    "duckdb",
)

# Every character CommonMark gives a meaning to, and `$` (math in Jupyter and nbconvert).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")


def escape(value: object) -> str:
    """Make a data-derived value safe to put into Markdown or HTML: it shows as typed.

    Markdown's special characters are backslash-escaped (no emphasis, link, image or heading
    can start inside the value), then HTML's ``& < > " '`` become entities (no tag, attribute or
    script). Line breaks become spaces, so a value cannot start a new block.

    Parameters
    ----------
    value : object
        Any value; ``str(value)`` is escaped.

    Returns
    -------
    str
    """
    text = " ".join(str(value).splitlines())
    return html.escape(_MARKDOWN.sub(r"\\\1", text), quote=True)


def plain_label(value: object) -> str:
    """A data-derived value for matplotlib text: ``$`` cannot start mathtext."""
    return str(value).replace("$", r"\$")


def money(value: float, currency: str) -> str:
    """``USD 1.23M``, ``USD 45.6k``, ``USD 789`` or ``USD 5.53``; a dash when undefined.

    ``currency`` is shown as given. For Markdown, pass ``escape(currency)`` (escaping the whole
    result works too, but puts backslashes into text that is not rendered as Markdown).
    """
    if value is None or not math.isfinite(value):
        return "–"
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{currency} {value / size:,.3g}{suffix}"
    return f"{currency} {value:,.2f}" if abs(value) < 100 else f"{currency} {value:,.0f}"


def percent(value: float, digits: int = 1, *, signed: bool = False) -> str:
    """``12.3%`` (``+12.3%`` when ``signed``); ``n/a`` when undefined."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:{'+' if signed else ''}.{digits}%}"


def probability(value: float) -> str:
    """``97.3%``, with ``>99.9%`` and ``<0.1%`` at the ends so no chance reads as certain."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return ">99.9%" if value > 0.999 else "<0.1%" if value < 0.001 else f"{value:.1%}"


def small_share(value: float) -> str:
    """``0.42%``, or ``<0.01%`` for a positive share too small to show."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return "<0.01%" if 0 < value < 0.0001 else f"{value:.2%}"


def package_versions(*packages: str) -> dict[str, str]:
    """Python's version and each package's installed version, for a report's last cell.

    Parameters
    ----------
    *packages : str
        Distribution names; :data:`PACKAGES` when none are given.

    Returns
    -------
    dict
        ``{"python": "3.11.7", "growthkit": "0.1.0", ...}``; ``"not installed"`` when missing.
    """
    out = {"python": platform.python_version()}
    for name in packages or PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
