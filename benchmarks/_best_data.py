"""The data of ``benchmarks/best.py``: seeded, written once to Parquet in ``benchmarks/data/``.

- :func:`rfm_orders`: ``run.py``'s simulated BTYD orders (1M customers give 2.7M orders, dates,
  in date order), and :func:`rfm_timestamps`, the same orders with a time of day: each order
  gets a seeded wall-clock time in :data:`TIMEZONE` and is stored as a UTC instant
  (``timestamp[us, tz=UTC]``), so its calendar day in :data:`TIMEZONE` is the day of the date
  file and both files have the same RFM summary.
- :func:`cohort_orders`: ``cohorts.py``'s orders with 3% refunds a week later (dates).
- :func:`mrr_charges`: subscription charges with a time of day (UTC instants, months taken in
  :data:`TIMEZONE`), monthly and annual plans (``months`` = 1 or 12), add-ons, plan changes,
  churn, reactivation and refunds, over 36 months of which the last is cut mid-month (35
  complete months).

Standard library at import; numpy, pandas and pyarrow are imported by the functions.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

DATA = HERE / "data"
#: The time zone whose calendar the timestamped data are read in.
TIMEZONE = "America/New_York"
SEED = 20261208


def _write(table, path: Path) -> Path:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial, row_group_size=1 << 20)
    partial.replace(path)
    return path


def rfm_orders(n_customers: int, folder: Path = DATA) -> Path:
    """The simulated orders of ``n_customers`` customers with dates (``run.py``'s file)."""
    if folder == DATA:
        import run

        return run.orders_file(n_customers)
    path = folder / f"orders_{n_customers}_seed{SEED}_by_date.parquet"
    if path.exists():
        return path
    from growthkit.samples.simulate import simulate_btyd_orders

    orders = simulate_btyd_orders(n_customers, seed=SEED)
    orders = orders.sort_values("date", kind="stable", ignore_index=True)
    import pyarrow as pa

    return _write(pa.Table.from_pandas(orders, preserve_index=False), path)


def rfm_timestamps(n_customers: int, folder: Path = DATA) -> Path:
    """The orders of :func:`rfm_orders` with a seeded time of day in :data:`TIMEZONE`, stored
    as UTC instants in time order (same customers, amounts and local days)."""
    path = folder / f"orders_{n_customers}_seed{SEED}_timestamps.parquet"
    if path.exists():
        return path
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    orders = pd.read_parquet(rfm_orders(n_customers, folder))
    rng = np.random.default_rng(SEED)
    seconds = rng.integers(0, 86_400, len(orders))
    wall = pd.to_datetime(orders["date"]).dt.normalize() + pd.to_timedelta(seconds, unit="s")
    # A wall-clock time skipped by the spring change moves forward (same day); one repeated in
    # the autumn is taken as standard time: either way its local day is the date's.
    local = wall.dt.tz_localize(TIMEZONE, ambiguous=np.zeros(len(wall), bool),
                                nonexistent="shift_forward")
    orders["date"] = local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    orders = orders.sort_values("date", kind="stable", ignore_index=True)
    return _write(pa.Table.from_pandas(orders, preserve_index=False), path)


def cohort_orders(n_orders: int, folder: Path = DATA) -> Path:
    """About ``n_orders`` orders with 3% refunds (``cohorts.py``'s file)."""
    import cohorts

    if folder == DATA:
        return cohorts.orders_file(n_orders)
    old = cohorts.DATA
    cohorts.DATA = folder
    try:
        return cohorts.orders_file(n_orders)
    finally:
        cohorts.DATA = old


#: Monthly list prices of the plans; an annual plan costs 10 months' price for 12 months.
PRICES = (9.0, 19.0, 49.0, 99.0)
ADDON = 4.99
#: In the file name: raise it whenever :func:`mrr_charges` changes, so no stale file is reused.
MRR_VERSION = 2
MONTHS = 36
FIRST_MONTH = (2023, 1)


def mrr_charges(subscribers: int, seed: int = SEED, folder: Path = DATA) -> Path:
    """Simulated subscription charges of ``subscribers`` subscribers over :data:`MONTHS` months.

    Each month: 3% of paying subscribers churn, 10% of lapsed ones come back, 10% of those not
    yet started join (60% start in the first month); 2% change plan; 15% are on an annual plan
    (charged once a year, ``months`` = 12); add-ons (4.99) start at 4% and stop at 20% a month;
    no refunds (growthkit's MRR applies a refund to the service period it refunds, pro rata from
    its date, a rule the other sides do not implement yet). Charges fall on each
    subscriber's billing day (1-28) at a seeded time of day in :data:`TIMEZONE`, stored as UTC
    instants; the last month stops on its 15th.
    """
    path = folder / f"mrr_charges_{subscribers}_seed{seed}_v{MRR_VERSION}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n = subscribers
    ids = rng.permutation(np.arange(1, n + 1, dtype="int64")) * 7 + 1000  # not 0..n-1
    prices = np.asarray(PRICES)
    day = rng.integers(1, 29, n)
    second = rng.integers(0, 86_400, n)
    annual = rng.random(n) < 0.15
    level = rng.integers(0, len(prices), n)
    active = rng.random(n) < 0.6
    started = active.copy()
    since = np.zeros(n, dtype="int64")  # month the current annual term started
    addon = np.zeros(n, dtype=bool)
    parts: dict[str, list] = {"customer_id": [], "day": [], "second": [], "amount": [],
                              "months": []}
    for k in range(MONTHS):
        if k:
            u = rng.random((5, n))
            due = ~annual | ((k - since) % 12 == 0)  # annual subscribers leave at renewal
            leaving = active & due & (u[0] < np.where(annual, 0.25, 0.03))
            back = started & ~active & (u[1] < 0.10)
            joining = ~started & (u[1] < 0.10)
            since = np.where(back | joining, k, since)
            active = (active & ~leaving) | back | joining
            started |= joining
            level = np.where(u[2] < 0.02, rng.integers(0, len(prices), n), level)
            addon = active & np.where(addon, u[3] >= 0.20, u[3] < 0.04)
        year, month = divmod(FIRST_MONTH[1] - 1 + k, 12)
        base = np.datetime64(f"{FIRST_MONTH[0] + year:04d}-{month + 1:02d}-01")
        billed = active & (~annual | ((k - since) % 12 == 0))
        if k == MONTHS - 1:
            billed &= day <= 15
        who = np.flatnonzero(billed)
        extra = np.flatnonzero(addon & (day <= 15 if k == MONTHS - 1 else True))
        amount = np.where(annual[who], prices[level[who]] * 10, prices[level[who]])
        parts["customer_id"] += [ids[who], ids[extra]]
        parts["day"] += [base + (day[who] - 1), base + (day[extra] - 1)]
        parts["second"] += [second[who], (second[extra] + 600) % 86_400]
        parts["amount"] += [amount, np.full(extra.size, ADDON)]
        parts["months"] += [np.where(annual[who], 12, 1), np.ones(extra.size, dtype="int64")]
    cols = {name: np.concatenate(v) for name, v in parts.items()}
    wall = pd.Series(cols["day"].astype("datetime64[s]") + cols["second"].astype("timedelta64[s]"))
    local = wall.dt.tz_localize(TIMEZONE, ambiguous=np.zeros(len(wall), bool),
                                nonexistent="shift_forward")
    frame = pd.DataFrame({
        "customer_id": cols["customer_id"],
        "ts": local.dt.tz_convert("UTC").astype("datetime64[us, UTC]"),
        "amount": cols["amount"],
        "months": cols["months"].astype("int64"),
    }).sort_values("ts", kind="stable", ignore_index=True)
    return _write(pa.Table.from_pandas(frame, preserve_index=False), path)
