"""Small numeric predicates every layer shares (defined once)."""

from __future__ import annotations

import math

__all__ = ["finite"]


def finite(x: object) -> bool:
    """Whether ``x`` is a finite number (NaN, infinities, None and text are not).

    Parameters
    ----------
    x : object

    Returns
    -------
    bool
    """
    if isinstance(x, bool):
        return True
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
