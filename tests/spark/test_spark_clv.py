"""The whole CLV analysis on a Spark table: the same numbers as on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest
from spark_support import assert_same

from growthkit.clv import analyze

COLUMNS = {"customer_col": "customer", "date_col": "day", "amount_col": "amount"}


def test_clv_analysis_on_spark_equals_duckdb(tables):
    duck, spark = tables
    expected, got = analyze(duck, **COLUMNS, n_draws=20), analyze(spark, **COLUMNS, n_draws=20)
    assert got.parameters["data"] == "Ibis table"
    # Sums in another order differ in the last bits, and so may a total rounded to cents in
    # the warnings' text (-2,618.915 against -2,618.91499...).
    quality, want_quality = got.data_quality.to_dict(), expected.data_quality.to_dict()
    assert quality.pop("refund_total") == pytest.approx(want_quality.pop("refund_total"),
                                                         rel=1e-12)
    assert len(quality.pop("warnings")) == len(want_quality.pop("warnings")) == 2
    assert quality == want_quality
    assert_same(got.rfm, expected.rfm)
    # The fits start from summaries equal to the last bits, and stop at the optimiser's
    # tolerance: what is computed from fitted parameters agrees to 1e-6, as in `make bench`.
    assert got.model.params == pytest.approx(expected.model.params, rel=1e-6)
    pd.testing.assert_frame_equal(got.predictions, expected.predictions, rtol=1e-6,
                                  check_dtype=False)
    pd.testing.assert_frame_equal(got.tracking, expected.tracking, rtol=1e-6)
    want, have = expected.metrics(), got.metrics()
    assert have["clv"]["total"] == pytest.approx(want["clv"]["total"], rel=1e-6)
    assert have["holdout"]["actual_purchases"] == want["holdout"]["actual_purchases"] > 100
    assert have["holdout"]["predicted_purchases"] == pytest.approx(
        want["holdout"]["predicted_purchases"], rel=1e-6)
