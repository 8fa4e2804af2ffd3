"""Text for readers: escaping of data-derived strings, and numbers formatted for a report.

This is the one door every data-derived string passes through on its way into a report:
:func:`escape` for Markdown and HTML (a variant named ``<script>`` or ``[x](javascript:...)``
shows as text), :func:`plain_label` for matplotlib text. Numbers, shares and money are
formatted for the report's language by :class:`growthkit.i18n.Language`; the old English
helpers here (``money``, ``percent``, ...) delegate to it and are deprecated.
"""

from __future__ import annotations

import platform
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from growthkit.escaping import escape, plain_label

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

def money(value: float, currency: str) -> str:
    """English money, as :meth:`growthkit.i18n.Language.money` writes it (``$1.23M``).

    .. deprecated:: 0.1
        Use ``growthkit.i18n.get_language(language).money(value, currency)``: it formats for the
        report's language, and ``currency`` is an ISO 4217 code.
    """
    _deprecated("money")
    return _english().money(value, currency)


def percent(value: float, digits: int = 1, *, signed: bool = False) -> str:
    """``12.3%``; deprecated: use ``Language.percent``."""
    _deprecated("percent")
    return _english().percent(value, digits, signed=signed)


def probability(value: float) -> str:
    """``97.3%``, ``>99.9%``, ``<0.1%``; deprecated: use ``Language.probability``."""
    _deprecated("probability")
    return _english().probability(value)


def small_share(value: float) -> str:
    """``0.42%`` or ``<0.01%``; deprecated: use ``Language.small_share``."""
    _deprecated("small_share")
    return _english().small_share(value)


def _english() -> Any:
    from growthkit.i18n import get_language

    return get_language("en")


def _deprecated(name: str) -> None:
    warnings.warn(
        f"growthkit.formatting.{name} is deprecated; use growthkit.i18n.get_language(...)."
        f"{name}, which formats for the report's language",
        FutureWarning,
        stacklevel=3,
    )


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
