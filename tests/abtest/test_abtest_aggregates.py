"""Per-arm sufficient statistics in the engine (growthkit.abtest.aggregates)."""

from __future__ import annotations

import logging
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from growthkit.abtest import aggregate, analyze_summary, compare
from growthkit.abtest.aggregates import overall, within_arm_correlation
from growthkit.errors import GrowthkitError
from growthkit.progress import LOGGER

SPEC = {
    "variant_col": "variant", "control": "control",
    "metrics": ["converted", "revenue"], "cuped": {"revenue": "pre_revenue"},
    "ratio_metrics": {"rps": ("revenue", "sessions")},
}
AGG = {"metrics": ["converted", "revenue"], "cuped": {"revenue": "pre_revenue"},
       "ratio_metrics": {"rps": ("revenue", "sessions")}}


def test_engine_aggregate_round_trips_through_analyze_summary(users):
    agg = aggregate(users, "variant", ["converted", "revenue"], cuped={"revenue": "pre_revenue"},
                    ratio_metrics={"rps": ("revenue", "sessions")})
    pd.testing.assert_frame_equal(compare(users, **SPEC), analyze_summary(agg, "control"))


def test_parquet_duckdb_and_sqlite_sources_equal_the_dataframe(users, tmp_path):
    path = tmp_path / "exp.parquet"
    users.to_parquet(path)
    db = tmp_path / "exp.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", users)
    con.execute("CREATE TABLE users AS SELECT * FROM frame")
    con.close()
    lite = tmp_path / "exp.db"
    with sqlite3.connect(lite) as sq:
        users.to_sql("users", sq, index=False)
    expected = compare(users, **SPEC)
    pd.testing.assert_frame_equal(compare(str(path), **SPEC), expected, rtol=1e-12)
    pd.testing.assert_frame_equal(compare(f"duckdb:///{db}?table=users", **SPEC), expected,
                                  rtol=1e-12)
    pd.testing.assert_frame_equal(compare(f"sqlite:///{lite}?table=users", **SPEC), expected,
                                  rtol=1e-9)


def test_nan_in_a_parquet_file_is_caught_in_the_engine(users, tmp_path):
    revenue = users["revenue"].to_numpy().copy()
    revenue[7] = np.nan
    table = pa.Table.from_pandas(users, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("revenue"), "revenue",
                             pa.array(revenue, from_pandas=False))  # a NaN, not a null
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    with pytest.raises(GrowthkitError, match=r"'revenue' has 1 missing"):
        compare(str(path), "variant", "control", ["revenue"])


def test_a_segmented_aggregate_sums_to_the_overall_one(users):
    whole = aggregate(users, "variant", **AGG)
    summed = overall(aggregate(users, "variant", **AGG, segment_col="device"))
    pd.testing.assert_frame_equal(summed, whole, rtol=1e-12)


def test_the_aggregation_is_one_progress_step_with_the_row_count(users, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        aggregate(users, "variant", ["converted"])
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER.name]
    assert len(lines) == 1
    assert lines[0].startswith(f"aggregated users per arm ({len(users):,} rows) in ")


def test_a_cuped_covariate_that_is_the_metric_is_refused(users):
    # issue 18: cuped=revenue:revenue reported "+0.0% (95% CI +0.0% to +0.0%)", hiding the lift.
    with pytest.raises(GrowthkitError, match=r"the covariate of 'revenue' is 'revenue' itself"):
        compare(users, "variant", "control", "revenue", cuped="revenue:revenue")
    # A copy under another name (here in cents, plus a fee): refused by its correlation.
    copy = users.assign(revenue_cents=users["revenue"] * 100 + 3)
    with pytest.raises(GrowthkitError, match=r"covariate 'revenue_cents' moves with metric "
                                             r"'revenue' \(correlation 1\.000000 within arms\)"):
        compare(copy, "variant", "control", "revenue", cuped="revenue:revenue_cents",
                segment_col="variant")


def test_the_covariate_check_reads_the_correlation_within_arms(users):
    # A covariate equal to the metric in the control and shifted by a constant in arm b
    # (as a post-assignment copy of an affected metric would be): within each arm the two move
    # together exactly, though pooled over the arms they do not.
    shifted = users["revenue"] + np.where(users["variant"] == "b", 1e3, 0.0)
    assert abs(np.corrcoef(shifted, users["revenue"])[0, 1]) < 0.9999
    with pytest.raises(GrowthkitError, match="moves with metric 'revenue'"):
        aggregate(users.assign(after=shifted), "variant", "revenue", cuped="revenue:after")
    agg = aggregate(users, "variant", "revenue", cuped="revenue:pre_revenue")
    assert abs(within_arm_correlation(agg)) < 0.5  # the real pre-period column passes


def test_a_real_segment_named_missing_is_not_merged_with_missing_values(users):
    # issue 18: NULLs were filled with "(missing)" in the engine, so a device really called
    # "(missing)" and the users with no device became one segment.
    device = users["device"].astype(object).copy()
    device[:100] = None
    device[100:400] = "(missing)"
    agg = aggregate(users.assign(device=device), "variant", "converted", segment_col="device")
    sizes = agg.groupby("segment")["n"].sum().to_dict()
    assert sizes == {"((missing))": 100, "(missing)": 300,
                     **users["device"][400:].value_counts().to_dict()}
    plain = aggregate(users.assign(device=device.where(device != "(missing)", "phone")),
                      "variant", "converted", segment_col="device")
    assert plain.groupby("segment")["n"].sum()["(missing)"] == 100  # the usual label
