"""-p text typed by the parameter's default; dates normalised; one-line errors that say why."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest

from growthkit.errors import GrowthkitError
from growthkit.report.parameters import check_names, from_text, is_date_parameter, normalised


@pytest.mark.parametrize(
    ("default", "text", "expected"),
    [
        # bool default: the words people type, in any case; papermill would keep 'false' as text
        ("False", "false", False),
        ("False", "FALSE", False),
        ("True", "no", False),
        ("False", "0", False),
        ("False", "true", True),
        ("False", "Yes", True),
        ("False", "1", True),
        # int and float defaults
        ("0", "42", 42),
        ("0", "-7", -7),
        ("0.05", "0.01", 0.01),
        ("0.05", "1", 1.0),
        ("1.0", "2e-3", 0.002),
        # str default: kept as typed, so a column called "123" stays text; None is None
        ('"customer_id"', "123", "123"),
        ('"USD"', "None", None),
        ('"USD"', "none", None),
        ('"hello"', "true", "true"),
        # None default: papermill's own typing
        ("None", "5", 5),
        ("None", "0.5", 0.5),
        ("None", "True", True),
        ("None", "None", None),
        ("None", "a,b", "a,b"),
        # list default: a literal of the same type
        ("[1, 2]", "[3]", [3]),
    ],
)
def test_text_is_typed_by_the_default(default: str, text: str, expected: Any) -> None:
    value = from_text("r", "x", text, default)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "default", "text", "message"),
    [
        ("sequential", "False", "maybe", "expected true or false (also yes/no or 1/0)"),
        ("alpha", "0.05", "five", "expected a number such as 0.05"),
        ("alpha", "0.05", "nan", "expected a number such as 0.05"),
        ("alpha", "0.05", "inf", "expected a number such as 0.05"),
        ("seed", "0", "abc", "expected a whole number such as 0"),
        ("seed", "0", "2.5", "expected a whole number such as 0"),
        ("horizon_months", "12", "None", "expected a whole number such as 12"),
        ("xs", "[1, 2]", "{1: 2}", "expected a list such as [1, 2]"),
    ],
)
def test_text_that_does_not_fit_names_the_parameter_value_and_type(
    name: str, default: str, text: str, message: str
) -> None:
    expected = f"abtest: -p {name} {text}: {message}"
    with pytest.raises(GrowthkitError, match=f"^{re.escape(expected)}$"):
        from_text("abtest", name, text, default)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-03-31", "2025-03-31"), ("20250331", "2025-03-31"), ("None", None), ("none", None)],
)
@pytest.mark.parametrize("default", ['"1997-09-30"', "None"])
def test_date_parameters_take_iso_or_compact_days(default: str, text: str, expected: Any) -> None:
    # papermill would make 20250331 an int, which pandas reads as nanoseconds after 1970.
    assert from_text("clv", "calibration_end", text, default) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2025-02-30", ": not a calendar day; "),
        ("20251301", ": not a calendar day; "),
        ("31/03/2025", " is not ISO (it reads as 2025-03-31 day first): "),
        ("2025-3-31", " is not ISO: "),
        ("2025-03", " is not ISO: "),
        ("yesterday", " is not ISO: "),
    ],
)
def test_anything_else_in_a_date_parameter_says_what_was_expected(text: str, why: str) -> None:
    expected = (
        f"clv: -p observation_end {text}{why}expected a date as YYYY-MM-DD or YYYYMMDD "
        "(such as 2025-03-31), 'auto' where the report chooses it, or None"
    )
    with pytest.raises(GrowthkitError, match=f"^{re.escape(expected)}$"):
        from_text("clv", "observation_end", text, "None")


def test_date_parameters_are_named_so() -> None:
    assert is_date_parameter("calibration_end")
    assert is_date_parameter("start_date")
    assert not is_date_parameter("date_col")
    assert not is_date_parameter("end")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-31", "2025-03-31"),
        ("20250331", "2025-03-31"),
        (20250331, "2025-03-31"),
        (date(2025, 3, 31), "2025-03-31"),
        (datetime(2025, 3, 31), "2025-03-31"),
        (None, None),
    ],
)
def test_python_dates_are_normalised(value: Any, expected: str | None) -> None:
    assert normalised("clv", "calibration_end", value) == expected


@pytest.mark.parametrize("value", [datetime(2025, 3, 31, 12, 30), 2025.5, "March", True, 2025033])
def test_python_values_that_are_no_date_are_refused(value: Any) -> None:
    with pytest.raises(GrowthkitError, match=r"^clv: parameter calibration_end=.*: .*expected a"):
        normalised("clv", "calibration_end", value)


@pytest.mark.parametrize(("value"), [True, "false", 0, 0.05, "20250331", None, [1]])
def test_other_python_values_are_kept_as_given(value: Any) -> None:
    assert normalised("abtest", "sequential", value) is value


def test_unknown_names_list_the_parameters_the_report_takes() -> None:
    declared = {"data": {}, "alpha": {}}
    check_names("abtest", declared, ["alpha"])
    with pytest.raises(
        GrowthkitError, match=r"^abtest: unknown parameter 'beta'; abtest takes: data, alpha$"
    ):
        check_names("abtest", declared, ["alpha", "beta"])


def test_an_ambiguous_date_parameter_stops_with_both_readings() -> None:
    from growthkit.report.parameters import from_text

    with pytest.raises(GrowthkitError) as caught:
        from_text("clv", "calibration_end", "01/06/2024", "None")
    assert "2024-01-06 month first or 2024-06-01 day first" in str(caught.value)


def test_auto_lets_the_report_choose_a_date() -> None:
    from growthkit.report.parameters import from_text, normalised

    assert from_text("clv", "calibration_end", "auto", "'auto'") == "auto"
    assert from_text("clv", "calibration_end", "AUTO", "None") == "auto"
    assert normalised("clv", "calibration_end", "auto") == "auto"
