"""Line items: rows that are lines of orders (``order_col``) with quantities (``quantity_col``),
and rows without a customer, through validate_orders, describe_orders and rfm_summary.

The small frame is shaped like the public "Online Retail" export (InvoiceNo, StockCode,
Quantity, UnitPrice, InvoiceDate, CustomerID; a cancellation's invoice starts with "C" and has
a negative quantity); every expected number below is worked out by hand from it.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from growthkit import data, rfm_summary
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates

TODAY = dt.date(2025, 1, 1)
COLUMNS = {"customer_col": "CustomerID", "date_col": "InvoiceDate", "amount_col": "UnitPrice",
           "order_col": "InvoiceNo", "quantity_col": "Quantity"}


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # 17850: three lines of one invoice, and a second invoice whose one line was
            # entered twice (a duplicate within an order), all on March 1
            ("536365", "A", 6, 2.55, "2024-03-01 08:26", "17850"),  # 15.30
            ("536365", "B", 6, 3.39, "2024-03-01 08:26", "17850"),  # 20.34
            ("536365", "C", 8, 2.75, "2024-03-01 08:26", "17850"),  # 22.00
            ("536366", "D", 6, 1.85, "2024-03-01 08:28", "17850"),  # 11.10
            ("536366", "D", 6, 1.85, "2024-03-01 08:28", "17850"),  # 11.10
            # 13047: the same line in two invoices (not a duplicate), then a purchase and a
            # return on March 5, which net
            ("536367", "A", 6, 2.55, "2024-03-01 08:34", "13047"),  # 15.30
            ("536369", "A", 6, 2.55, "2024-03-01 08:34", "13047"),  # 15.30
            ("536370", "E", 2, 4.95, "2024-03-05 10:00", "13047"),  # 9.90
            ("C536371", "A", -2, 2.55, "2024-03-05 11:00", "13047"),  # -5.10
            # 17850 again: a purchase on March 8, a return alone on March 9
            ("536372", "B", 12, 3.39, "2024-03-08 09:00", "17850"),  # 40.68
            ("C536373", "B", -1, 3.39, "2024-03-09 09:00", "17850"),  # -3.39
            # no customer: NULL, empty and blank ids (left out)
            ("536374", "A", 10, 2.55, "2024-03-02 12:00", None),  # 25.50
            ("536375", "B", 3, 3.39, "2024-03-02 12:05", ""),  # 10.17
            ("536376", "C", 1, 2.75, "2024-03-02 12:06", "  "),  # 2.75
        ],
        columns=["InvoiceNo", "StockCode", "Quantity", "UnitPrice", "InvoiceDate", "CustomerID"],
    )


def _validate(frame: pd.DataFrame, **kwargs) -> data.Orders:
    return data.validate_orders(frame, **{**COLUMNS, "today": TODAY, **kwargs})


def test_lines_sharing_an_invoice_are_one_order():
    found = _validate(_lines())
    # 8 invoices with a customer, 11 of their lines, 2 customers; 14 rows read
    assert (found.orders, found.lines, found.customers) == (8, 11, 2)
    assert (found.order_col, found.quantity_col) == ("InvoiceNo", "Quantity")
    assert found.quality.rows == 14 and found.quality.row_unit == "line"
    # Σ quantity × unit price over the kept lines, returns netted
    assert found.revenue == pytest.approx(152.53, abs=1e-9)
    assert found.describe() == {
        "customers": 2, "orders": 8, "lines": 11, "first_date": "2024-03-01",
        "last_date": "2024-03-09", "revenue": found.revenue, "zero_amount_orders": 0,
    }
    assert data.describe_orders(found.table) == found.describe()
    assert repr(found).startswith("Orders(8 orders in 11 lines of 2 customers, 2024-03-01 to")


def test_the_table_holds_each_line_amount_under_amount():
    table = _validate(_lines(), keep=["StockCode"]).table
    assert table.columns == ("customer_id", "order_date", "amount", "order_id", "StockCode")
    got = table.execute()
    expected = [15.30, 20.34, 22.00, 11.10, 11.10, 15.30, 15.30, 9.90, -5.10, 40.68, -3.39]
    assert sorted(got["amount"]) == pytest.approx(sorted(expected), abs=1e-12)
    assert sorted(got["order_id"].unique()) == ["536365", "536366", "536367", "536369", "536370",
                                                "536372", "C536371", "C536373"]


def test_duplicates_are_judged_within_an_order():
    # The D line entered twice in invoice 536366 repeats a line of its order; invoices 536367
    # and 536369 hold the same line, which is one product bought twice: not a duplicate.
    assert _validate(_lines()).quality.duplicate_rows == 1
    # Without the invoice column the two orders' lines are indistinguishable rows.
    rows = data.validate_orders(_lines().drop(columns="InvoiceNo"), "CustomerID", "InvoiceDate",
                                "UnitPrice", today=TODAY)
    assert rows.quality.duplicate_rows == 2 and rows.quality.row_unit == "order"


def test_lines_without_a_customer_are_left_out_and_counted():
    q = _validate(_lines()).quality
    assert q.rows_without_customer == 3  # NULL, "" and "  "
    assert q.amount_without_customer == pytest.approx(25.50 + 10.17 + 2.75, abs=1e-9)
    assert q.amount_share_without_customer == pytest.approx(38.42 / (152.53 + 38.42), abs=1e-12)
    assert (q.refunds, q.zero_amount_orders) == (2, 0)
    assert q.refund_total == pytest.approx(-8.49, abs=1e-9)
    as_json = q.to_dict()
    assert as_json["rows_without_customer"] == 3 and as_json["row_unit"] == "line"
    assert as_json["amount_share_without_customer"] == q.amount_share_without_customer
    assert as_json["warnings"] == q.warnings()


def test_data_quality_speaks_of_lines_in_english_and_arabic():
    q = _validate(_lines()).quality
    english = [strip_isolates(w) for w in q.warnings()]
    assert english == [
        "3 lines have no customer (21.4% of lines, 20.1% of the amount); they were left out.",
        "1 line repeats another line of the same order exactly (7.1% of lines); it was kept. "
        "One product entered twice in an order can be genuine; if the order was loaded twice, "
        "remove the copy.",
        "2 lines have a negative amount (returns, -8.49 in total); each nets against the "
        "purchases of its customer's day, and a day of returns only is not counted as a "
        "purchase.",
    ]
    arabic = [strip_isolates(w) for w in q.warnings("ar")]
    assert arabic[0] == "3 أسطر بلا عميل (21.4% من الأسطر، 20.1% من المبالغ)؛ وقد استُبعدت."
    assert arabic[2].startswith("سطران بمبلغ سالب (مرتجعات، -8.49 إجمالًا)")
    assert not any(re.search("[A-Za-z]{3,}", w) for w in arabic)


def test_orders_without_a_customer_are_left_out_too():
    # One row per order (no order_col): an empty customer was an error; now it is counted.
    frame = pd.DataFrame({"customer_id": ["a", None, "b", "", "a"],
                          "date": ["2024-01-05", "2024-01-06", "2024-02-01", "2024-02-02",
                                   "2024-03-01"],
                          "amount": [10.0, 30.0, 5.0, 14.0, 20.0]})
    found = data.validate_orders(frame, amount_col="amount", today=TODAY)
    assert (found.orders, found.lines, found.customers) == (3, 3, 2)
    assert found.revenue == 35.0 and found.quality.rows_without_customer == 2
    assert found.quality.amount_share_without_customer == pytest.approx(44.0 / 79.0)
    assert strip_isolates(found.quality.warnings()[0]) == (
        "2 orders have no customer (40.0% of orders, 55.7% of the amount); they were left out."
    )
    counts = data.validate_orders(frame, today=TODAY).quality  # without amounts
    assert strip_isolates(counts.warnings()[0]) == (
        "2 orders have no customer (40.0% of orders); they were left out."
    )
    assert counts.amount_without_customer is None
    summary = rfm_summary(frame, amount_col="amount")
    assert list(summary.index) == ["a", "b"]


def test_future_lines_of_a_customer_are_counted_apart_from_lines_without_one():
    frame = _lines()
    frame.loc[len(frame)] = ["536390", "A", 1, 2.55, "2030-01-01 10:00", "13047"]
    frame.loc[len(frame)] = ["536391", "A", 1, 2.55, "2030-01-02 10:00", None]
    q = _validate(frame).quality
    assert (q.future_orders, q.rows_without_customer, q.excluded_example) == (1, 4, "2030-01-01")
    assert strip_isolates(q.warnings()[0]).startswith(
        "1 line is dated after today (January 1, 2025), e.g. 2030-01-01; it was left out."
    )
    assert _validate(frame).orders == 8


def test_rfm_summary_sums_quantity_times_price_per_customer_day_net_of_returns():
    # 13047: March 1 is 15.30 + 15.30; March 5 is 9.90 - 5.10 = 4.80 (the return nets).
    # 17850: March 1 is 79.84, March 8 is 40.68; March 9 holds a return only: no purchase.
    # Observation ends on the last day, March 9, so T = 8 days for both.
    expected = pd.DataFrame(
        {"frequency": [1.0, 1.0], "recency": [4.0, 7.0], "T": [8.0, 8.0],
         "monetary_value": [4.80, 40.68]},
        index=pd.Index(["13047", "17850"], name="CustomerID"),
    )
    summary = rfm_summary(_lines(), **COLUMNS)
    pd.testing.assert_frame_equal(summary, expected, check_exact=True)
    pd.testing.assert_frame_equal(rfm_summary(_validate(_lines())), expected, check_exact=True)


def test_rfm_summary_holdout_spend_of_line_items():
    summary = rfm_summary(_lines(), **COLUMNS, calibration_end="2024-03-04")
    # 17850's holdout: March 8 (40.68); March 9 is returns only. 13047's: March 5 (4.80).
    assert summary["frequency_holdout"].tolist() == [1.0, 1.0]
    assert summary["monetary_value_holdout"].tolist() == [4.80, 40.68]


def test_validated_lines_carry_their_columns_and_refuse_others():
    found = _validate(_lines())
    assert data.validate_orders(found, order_col="InvoiceNo") is found
    plain = data.validate_orders(_lines(), "CustomerID", "InvoiceDate", "UnitPrice", today=TODAY)
    with pytest.raises(GrowthkitError, match=r"quantity_col='Quantity' does not match these "
                                             r"orders, validated with quantity_col=None"):
        rfm_summary(plain, quantity_col="Quantity")


@pytest.mark.parametrize(
    ("change", "kwargs", "words"),
    [
        ("text_quantity", {}, r"quantity column 'Quantity' has 1 non-numeric value\(s\), e.g. "
                              r"'two'; expected numbers such as 3, or -1 for a return"),
        ("inf_quantity", {}, r"quantity column 'Quantity' has 1 value\(s\) that are not finite"),
        ("huge_line", {}, r"quantity column 'Quantity' × amount column 'UnitPrice' is beyond "
                          r"±1e\+15 on 1 line\(s\), e.g. 1000000000.0 × 2000000.0"),
        ("empty_invoice", {}, r"column 'InvoiceNo' has 1 empty value\(s\); expected a value on "
                              r"every line"),
        ("none", {"amount_col": None}, r"quantity_col='Quantity' is given without amount_col"),
        ("none", {"order_col": "Invoice"}, r"Required column 'Invoice' missing"),
        ("order_id_column", {"keep": ["order_id"]},
         r"'order_id' is a name growthkit gives a mapped column"),
    ],
)
def test_bad_line_items_are_named_in_one_line(change, kwargs, words):
    frame = _lines()
    if change == "text_quantity":
        frame["Quantity"] = frame["Quantity"].astype(str)
        frame.loc[3, "Quantity"] = "two"
    elif change == "inf_quantity":
        frame["Quantity"] = frame["Quantity"].astype(float)
        frame.loc[3, "Quantity"] = np.inf
    elif change == "huge_line":
        frame["Quantity"] = frame["Quantity"].astype(float)
        frame.loc[3, ["Quantity", "UnitPrice"]] = [1e9, 2e6]
    elif change == "empty_invoice":
        frame.loc[3, "InvoiceNo"] = None
    elif change == "order_id_column":
        frame["order_id"] = "x"
    with pytest.raises(GrowthkitError, match=words) as caught:
        _validate(frame, **kwargs)
    assert "\n" not in str(caught.value)


def _generated_lines(seed: int = 20261208, invoices: int = 400) -> pd.DataFrame:
    """Seeded invoice lines: 1-5 lines per invoice, 5% cancellations (negative quantities),
    15% of invoices without a customer (NULL or empty), some lines entered twice in an invoice,
    and some invoices repeating the previous one's lines at the same minute (identical lines of
    two orders)."""
    rng = np.random.default_rng(seed)
    prices = np.array([0.42, 0.85, 1.25, 2.55, 4.95, 12.75])
    rows: list[list] = []
    previous: list[list] = []
    for i in range(invoices):
        invoice = str(540000 + i)
        if previous and rng.random() < 0.1:  # the previous invoice's lines again
            lines = [[invoice, *line[1:]] for line in previous]
        else:
            customer = f"{12000 + int(rng.integers(0, 60))}"
            kind = rng.random()
            customer = None if kind < 0.10 else ("" if kind < 0.15 else customer)
            sign = -1 if rng.random() < 0.05 else 1
            invoice = ("C" if sign < 0 else "") + invoice
            stamp = pd.Timestamp("2024-01-01") + pd.Timedelta(
                minutes=int(rng.integers(0, 300 * 1440)))
            lines = [[invoice, sign * int(rng.integers(1, 25)), float(rng.choice(prices)), stamp,
                      customer] for _ in range(int(rng.integers(1, 6)))]
            if rng.random() < 0.05:  # a line entered twice
                lines.append(list(lines[0]))
        rows.extend(lines)
        previous = lines
    return pd.DataFrame(rows, columns=["InvoiceNo", "Quantity", "UnitPrice", "InvoiceDate",
                                       "CustomerID"])


def test_counts_of_generated_lines_match_pandas():
    frame = _generated_lines()
    found = _validate(frame)
    has = frame["CustomerID"].fillna("").str.strip() != ""
    kept = frame[has]
    amounts = kept["Quantity"] * kept["UnitPrice"]
    assert found.quality.rows == len(frame)
    assert found.quality.rows_without_customer == int((~has).sum())
    assert (found.orders, found.lines) == (kept["InvoiceNo"].nunique(), len(kept))
    assert found.customers == kept["CustomerID"].nunique()
    assert found.quality.duplicate_rows == int(frame.duplicated().sum()) > 0
    twins = frame.drop(columns="InvoiceNo").duplicated().sum()
    assert twins > 2 * found.quality.duplicate_rows  # identical lines of two orders: kept apart
    assert found.quality.refunds == int((amounts < 0).sum())
    assert found.revenue == pytest.approx(amounts.sum(), rel=1e-12)
    summary = rfm_summary(found)
    day = kept.assign(amount=amounts, day=kept["InvoiceDate"].dt.normalize())
    daily = day.groupby(["CustomerID", "day"]).agg(amount=("amount", "sum"),
                                                   buys=("Quantity", lambda q: (q > 0).sum()))
    daily = daily[daily["buys"] > 0]
    per = daily.groupby(level=0)["amount"]
    repeat_spend = per.sum() - per.first()
    frequency = per.size() - 1
    expected = (repeat_spend / frequency.where(frequency > 0)).fillna(0.0)
    np.testing.assert_allclose(summary["monetary_value"], expected.loc[summary.index],
                               rtol=1e-12, atol=1e-9)
    assert (summary["frequency"] == frequency.loc[summary.index]).all()


def test_an_invoice_column_whose_cancellations_come_late_is_read_as_text(tmp_path):
    """DuckDB types a CSV column from its first 20,480 rows: digits there, 'C542898' later."""
    import growthkit as gk

    n = 30_000
    lines = ["InvoiceNo,Quantity,UnitPrice,InvoiceDate,CustomerID"]
    lines += [f"{536365 + i // 3},2,1.5,2023-01-{1 + i * 27 // n:02d},{12346 + i % 50}"
              for i in range(n)]
    lines.append("C542898,-2,1.5,2023-01-28,12346")
    path = tmp_path / "online_retail.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    orders = gk.validate_orders(str(path), customer_col="CustomerID", date_col="InvoiceDate",
                                amount_col="UnitPrice", order_col="InvoiceNo",
                                quantity_col="Quantity")
    assert (orders.lines, orders.orders) == (n + 1, n // 3 + 1)


def test_a_table_typed_from_its_first_rows_is_one_line_naming_the_column(tmp_path):
    import growthkit as gk

    lines = ["order,amount,date,customer"]
    lines += [f"{i},1.5,2023-01-02,{i % 7}" for i in range(30_000)] + ["X9,1.5,2023-01-02,1"]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = gk.load(str(path))  # an Ibis table: growthkit cannot read it again
    with pytest.raises(GrowthkitError, match=r"^column 'order' reads as numbers or dates in the "
                       r"first rows of the data, but line \d+ holds 'X9'"):
        gk.validate_orders(table, customer_col="customer", date_col="date",
                           amount_col="amount", order_col="order")
