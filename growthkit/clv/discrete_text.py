"""The words the CLV report adds for BG/BB (``model="bgbb"``, whole periods)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from growthkit.clv.display import unit_word

if TYPE_CHECKING:
    from growthkit.clv.analysis import CLVAnalysis

__all__ = ["discrete_markdown"]


def discrete_markdown(a: CLVAnalysis) -> str:
    """Why the report shows no purchase-history matrices or P(alive) history with BG/BB
    (empty for the other models)."""
    if a.settings.model != "bgbb":
        return ""
    _ = a.lang.gettext
    return _("With BG/BB customers buy at whole periods ({unit}): a history is how many of the "
             "periods after the first purchase had a purchase, the last of them, and how many "
             "periods there were. The charts by purchase history and the P(alive) history "
             "below are drawn for the continuous-time models only; P(alive) here is the chance "
             "of being active at the next period.").format(unit=unit_word(a))
