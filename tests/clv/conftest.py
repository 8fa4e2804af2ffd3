"""The CDNOW sample summary and the models fitted on it, made once per session.

The summary follows the paper's conventions (docs/REFERENCES.md): the 2,357-customer sample of
Fader, Hardie & Lee (2005), calibration through 1997-09-30, holdout through 1998-06-30, time in
weeks, repeat purchases counted on distinct days.
"""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit import rfm_summary
from growthkit.clv import (
    BetaGeoModel,
    CLVAnalysis,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    analyze,
    fit,
    fit_spend,
)


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return rfm_summary(
        "sample:cdnow-2357", amount_col="amount", time_unit="weeks",
        calibration_end="1997-09-30", observation_end="1998-06-30",
    )


@pytest.fixture(scope="session")
def bgnbd(cdnow: pd.DataFrame) -> BetaGeoModel:
    return fit(cdnow, "bgnbd", time_unit="weeks")


@pytest.fixture(scope="session")
def mbgnbd(cdnow: pd.DataFrame) -> ModifiedBetaGeoModel:
    return fit(cdnow, "mbgnbd", time_unit="weeks")


@pytest.fixture(scope="session")
def paretonbd(cdnow: pd.DataFrame) -> ParetoNBDModel:
    return fit(cdnow, "paretonbd", time_unit="weeks")


@pytest.fixture(scope="session")
def gamma_gamma(cdnow: pd.DataFrame) -> GammaGammaModel:
    return fit_spend(cdnow)


@pytest.fixture(scope="session")
def analysis() -> CLVAnalysis:
    """The CLV report's analysis of the 2,357-customer sample, with the paper's calibration."""
    return analyze("sample:cdnow-2357", calibration_end="1997-09-30", gross_margin=0.3,
                   n_draws=100, seed=1)
