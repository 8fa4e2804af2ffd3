"""Settings: parameters declared once, each value checked against its declared bound."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from growthkit.errors import GrowthkitError
from growthkit.settings import Columns, Flag, Interval, Options, Settings, Text, setting


@dataclasses.dataclass(frozen=True)
class DemoSettings(Settings):
    report: ClassVar[str] = "demo"
    gross_margin: float | None = setting(None, Interval(0, 1, closed="right", optional=True))
    horizon_months: int = setting(12, Interval(1, 120, integer=True))
    model: str = setting("bgnbd", Options(("bgnbd", "pnbd")))
    include_reactivation: bool = setting(True, Flag())
    channel_col: str | None = setting(None, Text(optional=True, what="a column name"))
    covariates: tuple[str, ...] | None = setting(None, Columns(optional=True))


def test_defaults_and_json() -> None:
    s = DemoSettings()
    assert s.to_json() == {
        "gross_margin": None, "horizon_months": 12, "model": "bgnbd",
        "include_reactivation": True, "channel_col": None, "covariates": None,
    }


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("gross_margin", 0, "gross_margin=0.0 is out of range; expected a number in (0, 1]"),
        ("gross_margin", 1.5, "out of range"),
        ("horizon_months", 600, "expected a whole number in [1, 120]"),
        ("horizon_months", 2.5, "not a whole number"),
        ("horizon_months", True, "not a number"),
        ("model", "x", "expected one of 'bgnbd', 'pnbd'"),
        ("include_reactivation", "maybe", "not a flag"),
        ("channel_col", "", "expected a column name"),
        ("horizon_months", float("nan"), "not finite"),
    ],
)
def test_a_value_outside_its_bound_is_one_line_naming_it(name, value, fragment) -> None:
    with pytest.raises(GrowthkitError) as info:
        DemoSettings.from_parameters(**{name: value})
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{name}=")
    assert "\n" not in str(info.value)


def test_flag_strings_are_typed_like_the_cli_never_false_as_true() -> None:
    assert DemoSettings(include_reactivation="False").include_reactivation is False
    assert DemoSettings(include_reactivation="true").include_reactivation is True


def test_columns_from_a_comma_list_and_numbers_from_text() -> None:
    s = DemoSettings(covariates="gender, channel", horizon_months="24")
    assert s.covariates == ("gender", "channel") and s.horizon_months == 24


def test_unknown_parameter_names_the_valid_ones() -> None:
    with pytest.raises(GrowthkitError, match="unknown parameter 'horizon' for the demo report"):
        DemoSettings.from_parameters(horizon=3)


def test_check_validates_only_the_given_names() -> None:
    DemoSettings.check({"model": "pnbd", "data": object()})
    with pytest.raises(GrowthkitError, match="model="):
        DemoSettings.check({"model": "nope"})
