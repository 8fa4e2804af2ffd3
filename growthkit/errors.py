"""Exceptions that growthkit raises for problems a user can fix.

Every message names the column or parameter, what was found and what was expected, so the
report runner can print it as one line without a traceback.
"""

from __future__ import annotations

__all__ = ["ConvergenceError", "GrowthkitError", "NotFittedError"]


class GrowthkitError(ValueError):
    """A user mistake: bad input data, a bad parameter or an unknown option."""


class ConvergenceError(GrowthkitError, RuntimeError):
    """A model fit did not converge to a usable maximum of the likelihood."""


class NotFittedError(GrowthkitError, AttributeError):
    """A model was used before ``fit`` was called (as in scikit-learn)."""
