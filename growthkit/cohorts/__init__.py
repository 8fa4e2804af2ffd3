"""Cohort profitability: retention, margin, CAC payback, LTV:CAC and projections by cohort.

The report is one call, :func:`analyze`, returning a :class:`CohortsAnalysis` (summary, JSON
metrics, formatted tables, exports and one method per section); its parameters are declared
once in :class:`CohortsSettings`. The topics, each usable on its own:

- :func:`build_cohorts` (``table``): one engine aggregation of orders into cohorts × calendar
  periods × segments; :class:`CohortTable` for retention, revenue retention and cumulative
  margin per acquired customer, with the right edge masked;
- :func:`load_spend` and :func:`cac_table` (``cac``): CAC per cohort from spend or flat;
- :func:`payback_periods`, :func:`average_payback` and :func:`ltv_cac` (``payback``);
- :func:`project` and :func:`fit_curve` (``projection``): immature cohorts extended to 24
  periods by a margin curve or BG/NBD; :func:`backtest` (``backtest``) picks the model and
  sizes the interval;
- :func:`summarize` (``segments``); the report's notes as codes (``messages``), its sentences
  (``narrative``) and formatted tables (``tables``);
- ``periods``: months and ISO weeks as numbers and labels.
"""

from __future__ import annotations

import warnings
from typing import Any

from growthkit.cohorts import display, narrative, tables
from growthkit.cohorts.analysis import MAX_SEGMENT_VALUES, CohortsAnalysis, analyze
from growthkit.cohorts.backtest import Backtest, backtest, default_cutoff, weighted_quantile
from growthkit.cohorts.cac import CACTable, Spend, cac_table, load_spend
from growthkit.cohorts.payback import (
    HORIZONS,
    RULE_OF_THUMB,
    average_payback,
    ltv_cac,
    ltv_cac_by_cohort,
    payback_periods,
)
from growthkit.cohorts.periods import PERIODS, period_end, period_label, period_of
from growthkit.cohorts.projection import (
    HORIZON,
    MODELS,
    CurveFit,
    Histories,
    Projection,
    fit_curve,
    load_histories,
    project,
)
from growthkit.cohorts.segments import cohort_rows, summarize
from growthkit.cohorts.settings import CohortsSettings
from growthkit.cohorts.table import Cohorts, CohortTable, build_cohorts, parse_segments

__all__ = [
    "HORIZON",
    "HORIZONS",
    "MAX_SEGMENT_VALUES",
    "MODELS",
    "PERIODS",
    "RULE_OF_THUMB",
    "Backtest",
    "CACTable",
    "CohortTable",
    "Cohorts",
    "CohortsAnalysis",
    "CohortsSettings",
    "CurveFit",
    "Histories",
    "Projection",
    "Spend",
    "analyze",
    "average_payback",
    "backtest",
    "build_cohorts",
    "cac_table",
    "cohort_rows",
    "default_cutoff",
    "display",
    "fit_curve",
    "load_histories",
    "load_spend",
    "ltv_cac",
    "ltv_cac_by_cohort",
    "narrative",
    "parse_segments",
    "payback_periods",
    "period_end",
    "period_label",
    "period_of",
    "project",
    "summarize",
    "tables",
    "weighted_quantile",
]


def __getattr__(name: str) -> Any:
    if name == "CohortAnalysis":
        warnings.warn("CohortAnalysis is deprecated; use CohortsAnalysis", FutureWarning,
                      stacklevel=2)
        return CohortsAnalysis
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
