"""growthkit: growth analytics for e-commerce and subscription businesses, as notebook reports.

The package backs the notebooks in ``notebooks/``: data sources become Ibis tables
(:mod:`growthkit.data`), heavy aggregation runs in the engine (:func:`rfm_summary`), models and
statistics work on one row per customer (:mod:`growthkit.clv`, :mod:`growthkit.abtest`), and
:mod:`growthkit.report` turns an executed notebook into an offline HTML report and a JSON file.

``import growthkit as gk`` is cheap and has no side effects: every public module
(``gk.clv``, ``gk.abtest``, ``gk.plots``, ...) and function is imported on first use
(PEP 562), as scipy does.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("growthkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from growthkit import (
        abtest,
        clv,
        cohorts,
        data,
        errors,
        escaping,
        formatting,
        i18n,
        notes,
        numeric,
        plots,
        progress,
        report,
        result,
        rfm,
        samples,
        settings,
        subscriptions,
        units,
        validation,
    )
    from growthkit.data import describe_orders, load, orders, redact, validate_orders
    from growthkit.rfm import rfm_summary

__all__ = [  # noqa: RUF022 - modules first, then functions
    "__version__",
    "abtest",
    "clv",
    "cohorts",
    "data",
    "errors",
    "escaping",
    "formatting",
    "i18n",
    "notes",
    "numeric",
    "plots",
    "progress",
    "report",
    "result",
    "rfm",
    "samples",
    "settings",
    "subscriptions",
    "units",
    "validation",
    "describe_orders",
    "load",
    "orders",
    "redact",
    "validate_orders",
    "rfm_summary",
]
#: Public functions re-exported at the top level, and the module each lives in.
_FUNCTIONS = {
    "describe_orders": "data",
    "load": "data",
    "orders": "data",
    "redact": "data",
    "validate_orders": "data",
    "rfm_summary": "rfm",
}
#: Public subpackages and modules, reachable as ``gk.NAME``: the rest of ``__all__``.
_MODULES = frozenset(__all__) - set(_FUNCTIONS) - {"__version__"}


def __getattr__(name: str) -> Any:
    """Import a public module or function on first use (PEP 562)."""
    if name in _MODULES:
        return import_module(f"growthkit.{name}")
    if name in _FUNCTIONS:
        return getattr(import_module(f"growthkit.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'growthkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names only, for ``dir(gk)`` and tab completion."""
    return sorted(__all__)
