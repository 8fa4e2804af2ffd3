"""Retailer-shaped orders for tests: 12 months of a shop's invoices, seeded.

Built to look like a public online retailer's export (12 months, ~4,300 customers, a first
month crowded with customers who bought before the data start, many one-time buyers) on which
buy-till-you-die fits run to a boundary: repeat buyers keep buying at their own Poisson rate
for the whole window (nobody is seen to stop), so BG/NBD's dropout parameter ``a`` runs to 0
(or ``b`` to infinity). A share ``gone`` of the customers never buy again after their first
purchase, which MBG/NBD (dropout allowed at the first purchase) can explain and BG/NBD cannot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def retail_orders(
    n: int = 4300,
    *,
    seed: int = 0,
    start: str = "2023-01-01",
    days: int = 365,
    censored: float = 0.2,
    shape: float = 0.5,
    mean_rate: float = 0.012,
    gone: float = 0.0,
    amounts: bool = True,
) -> pd.DataFrame:
    """Invoices (``customer_id``, ``date``, ``amount``) of ``n`` customers over ``days`` days.

    Parameters
    ----------
    n : int
        Customers.
    seed : int
        Seed of ``numpy.random.default_rng``.
    start : str
        The first day of the window.
    days : int
        The window's length.
    censored : float
        Share of customers whose first purchase in the data falls in its first 30 days (they
        bought before the data start).
    shape, mean_rate : float
        Purchase rates per day are Gamma(shape, mean_rate / shape) across customers.
    gone : float
        Share of customers who never buy again after their first purchase.
    amounts : bool
        Include the ``amount`` column (False: a purchase log without amounts).

    Returns
    -------
    pandas.DataFrame
        One row per invoice, timestamps to the minute.
    """
    rng = np.random.default_rng(seed)
    first = np.where(rng.random(n) < censored, rng.uniform(0, 30, n), rng.uniform(0, days, n))
    rate = rng.gamma(shape, mean_rate / shape, n) * (rng.random(n) >= gone)
    repeats = rng.poisson(rate * (days - first))
    customer = np.concatenate([np.arange(n), np.repeat(np.arange(n), repeats)])
    span = np.repeat(days - first, repeats)
    t = np.concatenate([first, np.repeat(first, repeats) + rng.random(span.size) * span])
    date = (pd.Timestamp(start) + pd.to_timedelta(t, unit="D")).floor("min")
    out = pd.DataFrame({"customer_id": customer, "date": date})
    if amounts:
        out["amount"] = np.round(rng.gamma(2.0, 10.0, customer.size), 2)
    return out.sort_values("date", kind="stable").reset_index(drop=True)
