"""Fixtures shared by the data tests."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def small_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cust": ["a", "a", "b", "c", "a"],
            "when": ["2024-01-05", "2024-01-05", "2024-02-01", "2024-03-10", "2024-03-01"],
            "value": [10.0, 5.0, 7.5, 0.0, 20.0],
        }
    )
