"""Customer lifetime value: buy-till-you-die transaction models, spend, CLV and its uncertainty.

The flow of the CLV report, one module per step:

- :func:`fit` fits BG/NBD, MBG/NBD or Pareto/NBD to an RFM summary (or picks one, ``"auto"``);
- :func:`fit_spend` fits the Gamma-Gamma spend model;
- :func:`predict` gives P(alive), expected purchases and spend, revenue and profit CLV;
- :func:`clv_intervals` puts intervals on total and per-segment CLV;
- :func:`validate_holdout` and :func:`tracking_data` check the model on held-out purchases;
- :func:`segment_customers` and :func:`summarize_segments` turn predictions into actions;
- :func:`analyze` does all of it from raw orders, for the notebook, with its parameters declared
  in :class:`CLVSettings`; :mod:`.narrative` holds the report's words, :mod:`.tables` its
  formatted tables and :mod:`.display` the presentation of a fitted model
  (:func:`model_html`).
"""

from __future__ import annotations

from growthkit.clv import narrative
from growthkit.clv.analysis import CLVAnalysis, analyze
from growthkit.clv.base import TransactionModel
from growthkit.clv.bgbb import BetaGeoBetaBinomModel
from growthkit.clv.bgnbd import BetaGeoModel
from growthkit.clv.covariate_models import (
    BetaGeoCovariateModel,
    CovariateTransactionModel,
    LikelihoodRatioTest,
    ModifiedBetaGeoCovariateModel,
    ParetoNBDCovariateModel,
    fit_covariates,
)
from growthkit.clv.display import fit_table, model_html
from growthkit.clv.fitting import MODELS, fit
from growthkit.clv.holdout import HoldoutValidation, has_holdout, validate_holdout
from growthkit.clv.mbgnbd import ModifiedBetaGeoModel
from growthkit.clv.paretonbd import ParetoNBDModel
from growthkit.clv.segments import (
    AT_RISK,
    BOUGHT_ONCE,
    SEGMENT_LABELS,
    SEGMENTS,
    segment_customers,
    summarize_segments,
)
from growthkit.clv.settings import CLVSettings
from growthkit.clv.spend import GammaGammaModel, SpendCorrelationWarning, fit_spend
from growthkit.clv.tracking import tracking_data
from growthkit.clv.uncertainty import CLVIntervals, clv_intervals
from growthkit.clv.value import ValueSettings, predict

__all__ = [
    "AT_RISK",
    "BOUGHT_ONCE",
    "MODELS",
    "SEGMENTS",
    "SEGMENT_LABELS",
    "BetaGeoBetaBinomModel",
    "BetaGeoCovariateModel",
    "BetaGeoModel",
    "CLVAnalysis",
    "CLVIntervals",
    "CLVSettings",
    "CovariateTransactionModel",
    "GammaGammaModel",
    "HoldoutValidation",
    "LikelihoodRatioTest",
    "ModifiedBetaGeoCovariateModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDCovariateModel",
    "ParetoNBDModel",
    "SpendCorrelationWarning",
    "TransactionModel",
    "ValueSettings",
    "analyze",
    "clv_intervals",
    "fit",
    "fit_covariates",
    "fit_spend",
    "fit_table",
    "has_holdout",
    "model_html",
    "narrative",
    "predict",
    "segment_customers",
    "summarize_segments",
    "tracking_data",
    "validate_holdout",
]
