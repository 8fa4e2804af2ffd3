"""Validation and ``rfm_summary`` on a real PostgreSQL server, through a ``postgresql://`` URL:
equal to DuckDB's on the same orders (a DataFrame)."""

from __future__ import annotations

import dataclasses

import ibis
import pytest
from postgres_support import PASSWORD, TIMEZONE, TODAY, assert_same

import growthkit as gk

COLUMNS = {"customer_col": "customer", "date_col": "ordered_at", "amount_col": "amount",
           "timezone": TIMEZONE}
#: DataQuality's sums; its other fields are counts, days and an example, compared exactly.
SUMS = ("refund_total",)


def _types(schema: ibis.Schema) -> dict[str, ibis.DataType]:
    """The columns' types; PostgreSQL's NOT NULL columns are non-nullable, DuckDB's are not."""
    return {name: dtype.copy(nullable=True) for name, dtype in schema.items()}


def test_validate_orders_equal_duckdb(orders_url, orders_frame):
    expected = gk.validate_orders(orders_frame, **COLUMNS, today=TODAY, keep=["channel"])
    got = gk.validate_orders(orders_url, **COLUMNS, today=TODAY, keep=["channel"])
    q = expected.quality
    assert q.duplicate_rows == 5 and q.future_orders > 0 and q.refunds > 0  # all to compare
    assert q.zero_amount_orders > 0
    assert got.source == orders_url.replace(f":{PASSWORD}@", ":***@")
    assert _types(got.table.schema()) == _types(expected.table.schema())
    facts = ("orders", "customers", "first_day", "last_day", "customer_col", "date_col",
             "amount_col", "timezone")
    assert {f: getattr(got, f) for f in facts} == {f: getattr(expected, f) for f in facts}
    assert got.revenue == pytest.approx(expected.revenue, rel=1e-9, abs=0)
    got_q, expected_q = dataclasses.asdict(got.quality), dataclasses.asdict(q)
    for key in SUMS:
        assert got_q.pop(key) == pytest.approx(expected_q.pop(key), rel=1e-9, abs=0)
    assert got_q == expected_q


@pytest.mark.parametrize(
    "options",
    [{}, {"time_unit": "weeks", "calibration_end": "2024-06-30", "observation_end": "2024-12-15"}],
    ids=["whole-period", "calibration-holdout"],
)
def test_rfm_summary_equal_duckdb(orders_url, orders_frame, options):
    expected = gk.rfm_summary(orders_frame, **COLUMNS, **options).sort_index()
    got = gk.rfm_summary(orders_url, **COLUMNS, **options).sort_index()
    assert len(expected) > 500 and (expected["frequency"] > 0).mean() > 0.5
    assert_same(got, expected)


def test_rfm_summary_of_validated_postgres_orders_equal_duckdb(orders_url, orders_frame):
    expected = gk.rfm_summary(gk.validate_orders(orders_frame, **COLUMNS, today=TODAY))
    got = gk.rfm_summary(gk.validate_orders(orders_url, **COLUMNS, today=TODAY))
    assert_same(got.sort_index(), expected.sort_index())
