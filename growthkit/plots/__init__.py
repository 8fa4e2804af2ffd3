"""Charts for the reports: seaborn/matplotlib, each taking ``ax=None`` and returning the Axes.

One module per report (:mod:`growthkit.plots.clv`, :mod:`growthkit.plots.abtest`), reachable as
``gk.plots.clv`` and imported on first use (PEP 562), so ``import growthkit.plots`` loads no
plotting library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from growthkit.plots import abtest, clv

#: The report chart modules, reachable as ``growthkit.plots.NAME``.
_MODULES = ("abtest", "clv")

__all__ = ["abtest", "clv"]


def __getattr__(name: str) -> Any:
    """Import a report's chart module on first use (PEP 562)."""
    if name in _MODULES:
        return import_module(f"growthkit.plots.{name}")
    raise AttributeError(f"module 'growthkit.plots' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, for ``dir(gk.plots)`` and tab completion."""
    return sorted({*globals(), *__all__})
