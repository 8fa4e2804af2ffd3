"""Helpers of the Spark tests: seeded orders, and results compared across engines."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_orders(seed: int = 11, customers: int = 300) -> pd.DataFrame:
    """Seeded BG/NBD-like orders over 2023-2024: several orders on some customer-days,
    refunds (one customer with refunds only), zero amounts, a segment, a margin, months
    covered, and each order's instant as text with a UTC offset (some near midnight)."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2024-12-31")
    rows = []
    for i in range(customers):
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))
        rate, drop = rng.gamma(1.5, 1 / 40), rng.beta(1.0, 4.0)
        while day <= end:
            for _ in range(1 + int(rng.random() < 0.05)):  # a second order on the day
                amount = float(np.round(rng.gamma(2.0, 25.0), 2))
                kind = rng.random()
                amount = -amount / 2 if kind < 0.05 else (0.0 if kind < 0.08 else amount)
                rows.append((f"c{i:03d}", day, amount))
            if rng.random() < drop:
                break
            day += pd.Timedelta(days=1 + int(rng.exponential(1 / rate)))
    rows.append(("refunder", pd.Timestamp("2024-03-05"), -20.0))
    frame = pd.DataFrame(rows, columns=["customer", "day", "amount"])
    hours = rng.integers(0, 24, len(frame))
    offsets = rng.choice(["+00:00", "-05:00", "+03:00"], len(frame))
    stamps = frame["day"] + pd.to_timedelta(hours, unit="h")
    frame["stamp"] = [f"{s:%Y-%m-%dT%H:%M:%S}{o}" for s, o in zip(stamps, offsets, strict=True)]
    frame["channel"] = rng.choice(["ads", "search", "friends"], len(frame))
    frame["margin"] = np.round(frame["amount"] * 0.4, 2)
    frame["months"] = rng.choice([1, 1, 1, 3, 12], len(frame))
    frame["day"] = frame["day"].dt.strftime("%Y-%m-%d")
    return frame


def assert_same(spark_result: pd.DataFrame, duckdb_result: pd.DataFrame) -> None:
    """Equal to 1e-9 (sums in another order differ in the last bits), dtypes aside."""
    pd.testing.assert_frame_equal(
        spark_result, duckdb_result, check_exact=False, rtol=1e-9, atol=1e-9, check_dtype=False
    )
