"""Analyses shared by the cohort tests (each takes a second or more to build)."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit.cohorts import CohortsAnalysis, analyze
from growthkit.samples.shop import make_shop


@pytest.fixture(scope="session")
def small_shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 2,500-customer shop (orders, spend) from the sample's generator."""
    return make_shop(seed=8, n_customers=2500)


@pytest.fixture(scope="session")
def small(small_shop) -> CohortsAnalysis:
    """The report on the small shop, with spend, margins and two segment columns."""
    frame, spend = small_shop
    return analyze(frame, margin_col="margin", spend_data=spend, data_starts_at_launch=True,
                   segment_col="channel,first_order")


@pytest.fixture(scope="session")
def sample() -> CohortsAnalysis:
    """The report on sample:shop with the sample's defaults."""
    return analyze("sample:shop")
