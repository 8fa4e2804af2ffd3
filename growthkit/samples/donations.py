"""The donations data of Fader, Hardie & Shang (2010), which lifetimes ships, as orders.

lifetimes' ``datasets/donations.csv`` holds the 11,104 first-time supporters of 1995 as
patterns (frequency, recency, periods = 6, weights): how many of the years 1996-2001 each gave
in, and the last of them. :func:`donation_orders` spells each supporter out as one row per
donation, on 15 October of the year (the annual campaign): 1995, the years that make up the
frequency (the last one the recency, the others drawn at random from the years before it: the
data do not say which, and while a supporter is alive BG/BB makes every such set equally
likely), so ``rfm_summary(..., time_unit="years", discrete=True)`` gives the patterns back
and BG/BB fits the paper's estimates. The amounts are not in the data: they are drawn
(seeded) from a Gamma-Gamma model, each supporter's mean gift Gamma-distributed around $50.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["donation_orders", "donation_patterns"]

#: The first-time supporters' year and the day of each year's campaign.
FIRST_YEAR = 1995
CAMPAIGN_DAY = "10-15"


def donation_patterns() -> pd.DataFrame:
    """lifetimes' ``donations.csv``: ``frequency``, ``recency``, ``periods``, ``weights``."""
    spec = find_spec("lifetimes")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "donations.csv"
    return pd.read_csv(path)


def donation_orders(seed: int = 0) -> pd.DataFrame:
    """One row per donation: ``customer_id``, ``date``, ``amount`` (simulated, seeded).

    Parameters
    ----------
    seed : int
        Seed of the amounts.

    Returns
    -------
    pandas.DataFrame
    """
    patterns = donation_patterns()
    weights = patterns["weights"].to_numpy()
    x = np.repeat(patterns["frequency"].to_numpy(), weights)
    tx = np.repeat(patterns["recency"].to_numpy(), weights)
    rng = np.random.default_rng(seed)
    # The other x - 1 years: a uniform draw from 1..t_x - 1, the model's own conditional law
    # (while alive, each year is a purchase with the same chance p).
    years = np.arange(1, 6)
    keys = np.where(years[None, :] < tx[:, None], rng.random((x.size, years.size)), np.inf)
    order = np.argsort(keys, axis=1) + 1
    rows = [(np.arange(x.size), np.zeros(x.size, dtype=int))]  # the first donation: year 0
    for k in range(1, int(x.max()) + 1):
        has = x >= k
        # The last repeat year is the recency; the others the first x - 1 of the draw.
        year = np.where(x == k, tx, order[:, min(k - 1, years.size - 1)])
        rows.append((np.flatnonzero(has), year[has]))
    customer = np.concatenate([r[0] for r in rows])
    offset = np.concatenate([r[1] for r in rows])
    mean_gift = rng.gamma(4.0, 50.0 / 4.0, size=x.size)
    amount = np.round(rng.gamma(8.0, mean_gift[customer] / 8.0), 2)
    dates = pd.to_datetime([f"{FIRST_YEAR + k}-{CAMPAIGN_DAY}" for k in range(7)])
    out = pd.DataFrame({"customer_id": customer, "date": dates[offset], "amount": amount})
    return out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
