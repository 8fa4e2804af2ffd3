"""Orders simulated from a known BG/NBD + Gamma-Gamma world, for benchmarks and recovery tests.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BTYDWorld", "simulate_btyd_orders"]


@dataclass(frozen=True)
class BTYDWorld:
    """Parameters of the simulated population; time is in weeks.

    Transaction rates λ ~ Gamma(r, rate α); drop-out probabilities after each repeat purchase
    p ~ Beta(a, b); spend per purchase z ~ Gamma(shape p_spend, rate ν) with ν ~ Gamma(q, rate γ).
    """

    r: float = 0.45
    alpha: float = 10.0
    a: float = 0.8
    b: float = 2.6
    p_spend: float = 6.25
    q: float = 3.74
    gamma: float = 15.44
    acquisition_weeks: float = 26.0
    observed_weeks: float = 78.0


def simulate_btyd_orders(
    n_customers: int,
    world: BTYDWorld | None = None,
    seed: int = 0,
    start: str = "2024-01-01",
) -> pd.DataFrame:
    """Simulate one row per order for ``n_customers`` customers.

    Each customer makes a first purchase at a uniform time in the acquisition window, then buys
    as a Poisson process with rate λ and, after each repeat purchase, drops out with probability
    p (BG/NBD). Each purchase's spend is Gamma-Gamma. The simulation is vectorised over
    customers: one loop step per purchase number.

    Parameters
    ----------
    n_customers : int
        Number of customers; about 2.7 orders each with the default world.
    world : BTYDWorld, optional
        The population parameters. Defaults to :class:`BTYDWorld`.
    seed : int
        Seed of ``numpy.random.default_rng``.
    start : str
        Calendar day of week 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int64), ``date`` (timestamp with a time of day) and ``amount``.
    """
    w = world or BTYDWorld()
    rng = np.random.default_rng(seed)
    lam = rng.gamma(w.r, 1.0 / w.alpha, n_customers)
    p_drop = rng.beta(w.a, w.b, n_customers)
    nu = rng.gamma(w.q, 1.0 / w.gamma, n_customers)
    first = rng.uniform(0.0, w.acquisition_weeks, n_customers)

    ids, times = [np.arange(n_customers)], [first]
    alive = np.arange(n_customers)
    clock = first.copy()
    while alive.size:
        clock[alive] += rng.exponential(1.0 / np.maximum(lam[alive], 1e-12))
        alive = alive[clock[alive] < w.observed_weeks]
        ids.append(alive)
        times.append(clock[alive].copy())
        alive = alive[rng.random(alive.size) >= p_drop[alive]]
    customer = np.concatenate(ids)
    weeks = np.concatenate(times)
    amount = rng.gamma(w.p_spend, 1.0 / nu[customer])
    order = np.lexsort((weeks, customer))
    seconds = np.round(weeks[order] * 7 * 86_400).astype("int64")
    return pd.DataFrame(
        {
            "customer_id": customer[order].astype("int64"),
            "date": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s"),
            "amount": np.round(amount[order], 2),
        }
    )
