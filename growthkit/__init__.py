"""growthkit: growth analytics for e-commerce and subscription businesses, as notebook reports.

The package backs the notebooks in ``notebooks/``: data sources become Ibis tables
(:mod:`growthkit.data`), heavy aggregation runs in the engine (:func:`rfm_summary`), models and
statistics work on one row per customer (:mod:`growthkit.clv`, :mod:`growthkit.abtest`), and
:mod:`growthkit.report` turns an executed notebook into an offline HTML report and a JSON file.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from growthkit.data import describe_orders, load, orders, redact
from growthkit.rfm import rfm_summary

try:
    __version__ = version("growthkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "describe_orders", "load", "orders", "redact", "rfm_summary"]
