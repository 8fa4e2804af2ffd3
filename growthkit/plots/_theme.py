"""The one seaborn theme every growthkit chart uses, applied per figure, never at import.

Chart text goes through :func:`label` (the report's words shaped for matplotlib, which does no
Arabic shaping or bidi itself) and axes through the formatters here, so tick labels use the
report language's digits, separators and currency format.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes

from growthkit.i18n import Language, chart_text, get_language

__all__ = [
    "PALETTE",
    "currency_formatter",
    "label",
    "new_ax",
    "number_formatter",
    "percent_formatter",
]

PALETTE = sns.color_palette("colorblind")


def new_ax(ax: Axes | None, figsize: tuple[float, float] = (7.5, 4.2)) -> Axes:
    """Return ``ax`` or a fresh Axes styled with the growthkit theme."""
    if ax is not None:
        return ax
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.95):
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def label(text: object, language: Language | str | None = None) -> str:
    """Chart text: shaped and reordered for a right-to-left language, ``$`` kept literal.

    Parameters
    ----------
    text : object
        The translated text, data-derived parts isolated (``Language.isolate``).
    language : Language or str, optional
        The report language; English when omitted.

    Returns
    -------
    str
    """
    rtl = get_language(language).rtl if language is not None else False
    return chart_text(text, rtl=rtl)


def currency_formatter(currency: str, language: Language | str | None = None) -> plt.FuncFormatter:
    """Money tick labels in the report language, e.g. ``$1.2K``, ``١٫٢ ألف ر.س.``."""
    lang = get_language(language or "en")
    return plt.FuncFormatter(lambda v, _pos: chart_text(lang.money(v, currency)))


def number_formatter(
    language: Language | str | None = None, decimals: int = 0
) -> plt.FuncFormatter:
    """Tick labels with thousands separators and the report language's digits."""
    lang = get_language(language or "en")
    return plt.FuncFormatter(lambda v, _pos: chart_text(lang.number(v, decimals)))


def percent_formatter(
    language: Language | str | None = None, decimals: int = 0
) -> plt.FuncFormatter:
    """Tick labels for shares (0.25 -> ``25%``) in the report language."""
    lang = get_language(language or "en")
    return plt.FuncFormatter(lambda v, _pos: chart_text(lang.percent(v, decimals)))
