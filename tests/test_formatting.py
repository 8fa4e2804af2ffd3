"""growthkit.formatting: the one door for data-derived text, and numbers for readers."""

from __future__ import annotations

import math

import mistune
import pytest
from html_safety import HOSTILE, live_markup

from growthkit import formatting


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_values_render_as_the_text_typed(value):
    rendered = mistune.html(f"Arm **{formatting.escape(value)}** won.")
    assert live_markup(rendered) == []
    # what the reader sees is exactly the value
    from html import unescape
    from re import sub

    assert value in unescape(sub(r"<[^>]+>", "", rendered))


def test_escape_keeps_a_value_on_one_line():
    assert formatting.escape("a\n# heading\r\n- item") == r"a \# heading \- item"


def test_plain_label_stops_mathtext():
    assert formatting.plain_label("$x$ plan") == r"\$x\$ plan"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_234_567.0, "$1.23M"),
        (45_600.0, "$45.6K"),
        (789.4, "$789"),
        (5.531, "$5.53"),
        (-2_500.0, "-$2.5K"),
        (2.5e9, "$2.5B"),
        (math.nan, "–"),
        (math.inf, "–"),
    ],
)
def test_money(value, expected):
    with pytest.warns(FutureWarning, match="get_language"):
        assert formatting.money(value, "USD") == expected


@pytest.mark.filterwarnings("ignore:growthkit.formatting:FutureWarning")
def test_shares_and_probabilities():
    assert formatting.percent(0.1234) == "12.3%"
    assert formatting.percent(0.1234, signed=True) == "+12.3%"
    assert formatting.percent(math.nan) == "n/a"
    assert formatting.probability(0.9995) == ">99.9%"
    assert formatting.probability(0.0004) == "<0.1%"
    assert formatting.probability(0.973) == "97.3%"
    assert formatting.small_share(0.00005) == "<0.01%"
    assert formatting.small_share(0.0042) == "0.42%"
    assert formatting.small_share(0.0) == "0.00%"


def test_package_versions_default_to_the_one_list():
    versions = formatting.package_versions()
    assert list(versions) == ["python", *formatting.PACKAGES]
    assert formatting.package_versions("no-such-package")["no-such-package"] == "not installed"


def test_escape_keeps_dollar_amounts_from_starting_math() -> None:
    # Jupyter's and nbconvert's Markdown read "$5 and $6" as an inline formula.
    assert formatting.escape("$5 and $6") == r"\$5 and \$6"
