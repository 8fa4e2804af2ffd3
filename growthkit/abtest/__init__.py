"""A/B-test analysis: health checks, effects with honest intervals, power, Bayes and a decision.

The report is one call, :func:`analyze`, returning an :class:`ABTestAnalysis` (summary, JSON
metrics, formatted tables and one method per section). The topics, each usable on its own:

- :func:`aggregate` (``aggregates``): per-arm sufficient statistics, computed in the engine;
- :func:`compare` and :func:`analyze_summary` (``comparison``): every arm against the control
  on every metric, from unit-level data or from a dashboard's aggregates;
- ``frequentist``: the tests themselves, vectorised (z, Welch, CUPED, delta method, lift);
- :func:`srm` (``health``), :func:`sample_size`, :func:`mde`, :func:`power` (``planning``),
  :func:`confidence_sequence` (``sequential``), :func:`bayesian_view` (``bayesian``);
- :func:`decide` (``decision``), whose reasons, like every note, are codes with arguments
  (``reasons``); the report's words are in ``narrative`` and ``tables``;
- :class:`ABTestSettings` (``settings``): ``analyze``'s parameters and their bounds, declared
  once.

Every statistic works on per-arm sufficient statistics (counts, sums, sums of squares and
cross-products), so data of any size are reduced in the engine before reaching pandas.
"""

from __future__ import annotations

import warnings
from typing import Any

from growthkit.abtest.aggregates import aggregate
from growthkit.abtest.analysis import ABTestAnalysis, analyze
from growthkit.abtest.analysis import evaluate as evaluate  # deprecated: warns when called
from growthkit.abtest.bayesian import (
    bayesian_view,
    beta_binomial,
    normal_posterior,
    prob_beta_greater,
)
from growthkit.abtest.comparison import METHODS, RESULT_COLUMNS, analyze_summary, compare
from growthkit.abtest.decision import VERDICTS, Decision, decide
from growthkit.abtest.frequentist import (
    adjust_pvalues,
    cuped_moments,
    cuped_theta,
    moments,
    ratio_moments,
    relative_lift,
    two_proportion_test,
    welch_test,
    z_test,
)
from growthkit.abtest.health import srm, srm_table
from growthkit.abtest.planning import mde, power, power_table, sample_size
from growthkit.abtest.sequential import confidence_sequence, sequential_p_value, sequential_results
from growthkit.abtest.settings import ABTestSettings

__all__ = [
    "METHODS",
    "RESULT_COLUMNS",
    "VERDICTS",
    "ABTestAnalysis",
    "ABTestSettings",
    "Decision",
    "adjust_pvalues",
    "aggregate",
    "analyze",
    "analyze_summary",
    "bayesian_view",
    "beta_binomial",
    "compare",
    "confidence_sequence",
    "cuped_moments",
    "cuped_theta",
    "decide",
    "mde",
    "moments",
    "normal_posterior",
    "power",
    "power_table",
    "prob_beta_greater",
    "ratio_moments",
    "relative_lift",
    "sample_size",
    "sequential_p_value",
    "sequential_results",
    "srm",
    "srm_table",
    "two_proportion_test",
    "welch_test",
    "z_test",
]

#: Deprecated names (kept working with a FutureWarning until 0.2) and what replaced them.
_DEPRECATED = {"Evaluation": ("ABTestAnalysis", ABTestAnalysis)}


def __getattr__(name: str) -> Any:
    """Deprecated names (PEP 562): ``Evaluation`` is ``ABTestAnalysis``."""
    if name in _DEPRECATED:
        new, value = _DEPRECATED[name]
        warnings.warn(
            f"growthkit.abtest.{name} is deprecated; use growthkit.abtest.{new}",
            FutureWarning, stacklevel=2,
        )
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
