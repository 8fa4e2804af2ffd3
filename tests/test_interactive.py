"""Interactive tables: offline, escaped, sorted by the numbers behind the text, in Arabic too."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from growthkit.interactive import InteractiveTable, interactive_table

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def table() -> InteractiveTable:
    shown = pd.DataFrame({"segment": [HOSTILE, "b", "c"], "value": ["$1.2K", "$900", "$15"]})
    order = pd.DataFrame({"value": [1200.0, 900.0, 15.0]})
    return interactive_table(shown, order=order, language="en")


def test_each_number_column_sorts_by_its_hidden_value(table: InteractiveTable) -> None:
    frame, defs = table.frame()
    assert list(frame.iloc[:, 2]) == [1200.0, 900.0, 15.0]
    assert {"targets": 1, "orderData": [2]} in defs
    assert {"targets": [2], "visible": False, "searchable": False} in defs


def test_the_page_needs_no_network_and_holds_no_live_markup(table: InteractiveTable) -> None:
    html = table.html(with_bundle=True)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|from\s+['\"]https?:", html)
    assert HOSTILE not in html
    assert "&lt;img src=x" in html


def test_no_english_from_itables_and_no_sort_columns_without_javascript(
    table: InteractiveTable,
) -> None:
    html = table.html(with_bundle=True)
    assert not re.search(r'ITables|Loading|need help|id="[^"]*_fallback"', html)
    static = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    assert "$1.2K" in static and "1200" not in static and "\u2195" not in static


def test_datatables_is_embedded_once_per_kernel(table: InteractiveTable) -> None:
    first, second = table._repr_html_(), table._repr_html_()
    assert len(first) > 500_000 > len(second)  # the JavaScript bundle, then the table alone


def test_arabic_words_and_direction() -> None:
    shown = pd.DataFrame({"القناة": ["a"]})
    html = interactive_table(shown, language="ar").html(with_bundle=False)
    assert 'dir="rtl"' in html
    assert interactive_table(shown, language="ar").words()["search"] != "Search:"


def test_order_rows_must_match() -> None:
    with pytest.raises(ValueError, match="order has 1 rows; shown has 3"):
        interactive_table(pd.DataFrame({"a": [1, 2, 3]}), order=pd.DataFrame({"a": [1]}))
