"""ABTestSettings (growthkit.abtest.settings): analyze's parameters and bounds, declared once."""

from __future__ import annotations

import inspect

import pytest

from growthkit.abtest import ABTestSettings, analyze
from growthkit.errors import GrowthkitError
from growthkit.samples.experiment import make_experiment


def test_the_settings_are_analyzes_keyword_parameters_with_the_same_defaults():
    signature = inspect.signature(analyze)
    keyword = {n: p.default for n, p in signature.parameters.items()
               if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert tuple(keyword) == ABTestSettings.names()
    defaults = ABTestSettings()
    assert keyword == {n: getattr(defaults, n) for n in ABTestSettings.names()}
    assert signature.parameters["data"].kind is inspect.Parameter.POSITIONAL_ONLY


@pytest.mark.parametrize(("name", "value", "words"), [
    ("alpha", 1.5, "alpha=1.5 is out of range"),
    ("alpha", 0, "alpha=0.0 is out of range"),
    ("correction", "sidak", "correction='sidak' is not a valid option"),
    ("min_lift", 0, "min_lift=0.0 is out of range"),
    ("tau", -1, "tau=-1.0 is out of range"),
    ("digits", "roman", "digits='roman' is not a valid option"),
    ("sequential", "maybe", "sequential='maybe' is not a flag"),
])
def test_a_value_out_of_bounds_is_one_line_naming_the_parameter(name, value, words):
    with pytest.raises(GrowthkitError, match=words) as info:
        ABTestSettings(**{name: value})
    assert "\n" not in str(info.value)


def test_the_cli_false_is_false():
    assert ABTestSettings(sequential="False").sequential is False
    assert ABTestSettings(sequential="true").sequential is True


def test_json_parameters_are_the_settings_as_resolved():
    a = analyze(make_experiment(n_users=2000), metrics="converted", segment_col="",
                sequential="false", language="ar-SA")
    p = a.parameters
    assert a.settings.sequential is False and p["sequential"] is False
    assert p["language"] == "ar_SA" and p["tau"] == 5000.0 and p["ratio_metrics"] is None
    assert set(p) == {"data", *ABTestSettings.names()}


def test_parameters_by_position_warn_and_may_not_be_given_twice():
    df = make_experiment(n_users=2000)
    with pytest.warns(FutureWarning, match="by position is deprecated"):
        a = analyze(df, "variant", "control", "converted", segment_col="")
    assert a.parameters["metrics"] == ["converted"]
    with pytest.warns(FutureWarning), pytest.raises(GrowthkitError, match="given by position"):
        analyze(df, "variant", metrics="converted", variant_col="arm")
