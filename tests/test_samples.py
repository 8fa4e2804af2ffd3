"""growthkit.samples: built-in data, and the parameters that describe each sample."""

from __future__ import annotations

import pandas as pd
import pytest

from growthkit import samples
from growthkit.errors import GrowthkitError


def test_sample_parameters_apply_to_the_sample_only():
    assert samples.sample_parameters("sample:experiment")["segment_col"] == "device"
    assert samples.sample_parameters("sample:cdnow") == {"calibration_end": "1997-09-30"}
    assert samples.sample_parameters("/data/orders.csv") == {}
    assert samples.sample_parameters(pd.DataFrame()) == {}
    assert samples.sample_parameters("sample:unknown") == {}


def test_sample_parameters_are_copies():
    samples.sample_parameters("sample:experiment")["segment_col"] = "changed"
    assert samples.sample_parameters("sample:experiment")["segment_col"] == "device"


def test_sample_parameters_name_real_columns():
    for name, params in samples.SAMPLE_PARAMETERS.items():
        columns = set(samples.load_sample(name).columns)
        for key in ("segment_col", "margin_col"):
            for column in str(params.get(key) or "").split(","):
                assert not column or column in columns, (name, key, column)


def test_unknown_sample_lists_the_samples():
    with pytest.raises(GrowthkitError, match=r"sample 'nope' does not exist.*sample:cdnow"):
        samples.load_sample("nope")
