"""A/B-test analysis: health checks, effects with honest intervals, power, Bayes and a decision.

Every statistic works on per-arm sufficient statistics (counts, sums, sums of squares and
cross-products), so unit-level data are aggregated in the engine (:func:`aggregate`) and
dashboard numbers can be analysed directly (:func:`analyze_summary`).
"""

from growthkit.abtest.aggregates import aggregate
from growthkit.abtest.analysis import METHODS, RESULT_COLUMNS, analyze, analyze_summary
from growthkit.abtest.bayesian import (
    bayesian_view,
    beta_binomial,
    normal_posterior,
    prob_beta_greater,
)
from growthkit.abtest.decision import VERDICTS, Decision, decide
from growthkit.abtest.evaluation import Evaluation, evaluate
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

__all__ = [
    "METHODS",
    "RESULT_COLUMNS",
    "VERDICTS",
    "Decision",
    "Evaluation",
    "adjust_pvalues",
    "aggregate",
    "analyze",
    "analyze_summary",
    "bayesian_view",
    "beta_binomial",
    "confidence_sequence",
    "cuped_moments",
    "cuped_theta",
    "decide",
    "evaluate",
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
