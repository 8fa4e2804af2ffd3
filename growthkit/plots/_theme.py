"""The one seaborn theme every growthkit chart uses, applied per figure, never at import."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes

from growthkit.formatting import plain_label

__all__ = ["PALETTE", "currency_formatter", "new_ax"]

PALETTE = sns.color_palette("colorblind")


def new_ax(ax: Axes | None, figsize: tuple[float, float] = (7.5, 4.2)) -> Axes:
    """Return ``ax`` or a fresh Axes styled with the growthkit theme."""
    if ax is not None:
        return ax
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.95):
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def currency_formatter(currency: str) -> plt.FuncFormatter:
    """A tick formatter such as ``USD 1,234`` for money axes (``$`` shown as typed)."""
    label = plain_label(currency)
    return plt.FuncFormatter(lambda v, _pos: f"{label} {v:,.0f}")
