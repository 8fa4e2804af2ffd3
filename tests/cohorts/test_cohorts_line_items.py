"""The cohort report on invoice lines (issue 16, item 1): ``order_col`` and ``quantity_col``,
lines without a customer, exact money sums, texts that count lines, and a query PostgreSQL
accepts (issue 21: no boolean cast to bigint)."""

from __future__ import annotations

import re

import ibis
import numpy as np
import pandas as pd
import pytest
from cohorts_support import invoices, line_items

from growthkit.cohorts import analyze, build_cohorts
from growthkit.cohorts.table import grid_query
from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates

LINES = {"customer_col": "CustomerID", "date_col": "InvoiceDate", "amount_col": "UnitPrice",
         "order_col": "InvoiceNo", "quantity_col": "Quantity"}


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return line_items()


@pytest.fixture(scope="module")
def on_lines(lines):
    return analyze(lines, **LINES, gross_margin=0.4, cac=15.0, models=("curve",),
                   data_starts_at_launch=True)


def test_lines_give_the_cohorts_of_their_invoices(lines, on_lines):
    # The same shop one row per invoice: the same customers, purchases, revenue in every cell.
    # Before: purchases counted lines (about 3.4 per invoice) and a line without a customer
    # was an error.
    whole = analyze(invoices(lines), gross_margin=0.4, cac=15.0, models=("curve",),
                    data_starts_at_launch=True)
    a, b = on_lines.table, whole.table
    np.testing.assert_array_equal(a.cohorts, b.cohorts)
    np.testing.assert_array_equal(a.customers, b.customers)
    np.testing.assert_array_equal(a.active, b.active)
    np.testing.assert_array_equal(a.purchases, b.purchases)
    np.testing.assert_allclose(a.revenue, b.revenue, rtol=0, atol=1e-9)
    known = lines[lines["CustomerID"].str.strip() != ""]
    buying = known[known["Quantity"] >= 0]
    assert on_lines.overview["orders"] == known["InvoiceNo"].nunique()
    assert on_lines.overview["lines"] == len(known)
    assert on_lines.overview["purchases"] == buying["InvoiceNo"].nunique()
    assert on_lines.overview["purchases"] < len(buying) / 2


def test_lines_without_a_customer_are_counted_and_named(lines, on_lines):
    q = on_lines.data_quality
    missing = int((lines["CustomerID"].str.strip() == "").sum())
    assert q.row_unit == "line" and q.rows_without_customer == missing > 0
    text = strip_isolates(on_lines.data_markdown())
    assert f"{missing:,} lines have no customer" in text
    assert "lines are returns or refunds" in text and "orders are refunds" not in text
    n = on_lines.overview["lines"]
    assert f"{on_lines.overview['orders']:,} orders in {n:,} lines" in text
    assert on_lines.metrics()["lines"] == n
    assert on_lines.parameters["order_col"] == "InvoiceNo"


def test_money_sums_do_not_depend_on_the_order_of_rows(lines):
    # Exact sums: shuffled lines give the same bits in every cell (a float sum need not).
    a = build_cohorts(lines, **LINES)
    b = build_cohorts(lines.sample(frac=1.0, random_state=3), **LINES)
    grid = ["cohort", "k"]
    x, y = a.grid.sort_values(grid), b.grid.sort_values(grid)
    assert x["revenue"].to_numpy().tobytes() == y["revenue"].to_numpy().tobytes()


def test_a_spend_error_names_spend_data(lines, tmp_path):
    empty = tmp_path / "spend.csv"
    empty.write_text("")
    with pytest.raises(GrowthkitError, match=r"^spend_data file .* expected spend rows"):
        analyze(lines, **LINES, gross_margin=0.4, spend_data=str(empty), models=("curve",))


def test_the_grid_casts_no_boolean_to_bigint_for_postgresql(lines):
    # PostgreSQL casts a boolean to integer but not to bigint: the query must sum booleans
    # or cast them to int32 (before: CAST(amount >= 0 AS BIGINT)).
    orders = validate_orders(lines.assign(m=1.0, ch="x"), **LINES, keep=["m", "ch"])
    for by_order in (False, True):
        sql = ibis.to_sql(grid_query(orders.table, "month", orders.last_day, orders.last_day,
                                     ("ch",), "m", by_order), dialect="postgres")
        casts = re.findall(r"CAST\(([^()]*)\s+AS BIGINT\)", sql)
        assert not [c for c in casts if re.search(r">=|>|<|IS (NOT )?NULL", c)], casts


def test_the_data_section_is_all_arabic_in_an_arabic_report(lines, on_lines):
    # Before: the "Data quality" heading and its bullets stayed in English.
    arabic = analyze(lines, **LINES, gross_margin=0.4, cac=15.0, models=("curve",),
                     data_starts_at_launch=True, language="ar")
    text = strip_isolates(arabic.data_markdown())
    assert "جودة البيانات" in text and "Data quality" not in text
    assert not re.search(r"\b(lines?|orders?|customer)\b", text.replace("InvoiceNo", ""))
