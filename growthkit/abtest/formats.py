"""Deprecated: :mod:`growthkit.abtest.display` (the name every report's shared formats have).

Any name read from here is :mod:`growthkit.abtest.display`'s, with a FutureWarning; this module
goes in the release after next.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    from growthkit.abtest import display

    warnings.warn(
        f"growthkit.abtest.formats.{name} is deprecated; use growthkit.abtest.display.{name}",
        FutureWarning,
        stacklevel=2,
    )
    return getattr(display, name)
