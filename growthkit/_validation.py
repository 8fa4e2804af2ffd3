"""Deprecated location of :mod:`growthkit.validation`, kept while modules move over."""

from growthkit.validation import check_option as _check_option
from growthkit.validation import require_columns as _require_columns

__all__ = ["_check_option", "_require_columns"]
