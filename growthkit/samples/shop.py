"""A seeded online shop with its marketing spend: ``"sample:shop"`` and ``"sample:shop-spend"``.

Two years of orders from about 20,000 customers, each acquired through one channel, some with a
discounted first order, and the monthly marketing spend per channel that acquired them. The
behaviour differs by channel and by first-order offer, so a cohort report has something real to
find. Nothing is stored: the same seed gives the same data.
"""

from __future__ import annotations

import datetime as _dt
import functools

import numpy as np
import pandas as pd

from growthkit.units import DAYS_PER_MONTH

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "DISCOUNT",
    "END",
    "START",
    "make_shop",
    "make_shop_spend",
    "shop_orders",
    "shop_spend",
]

#: First and last day of the orders (the data end in the middle of December on purpose: the
#: December cohort and every December cell are still open).
START, END = _dt.date(2023, 1, 1), _dt.date(2024, 12, 15)
#: Share of the first order taken off for customers acquired with a discount.
DISCOUNT = 0.20

#: Per channel: share of new customers, share with a discounted first order, mean purchases per
#: month while active, mean active lifetime in months, cost of acquiring one customer.
CHANNELS: dict[str, dict[str, float]] = {
    "paid_search": {"share": 0.30, "discounted": 0.25, "rate": 0.30, "life": 14.0, "cac": 60.0},
    "paid_social": {"share": 0.24, "discounted": 0.55, "rate": 0.22, "life": 8.0, "cac": 60.0},
    "organic": {"share": 0.22, "discounted": 0.10, "rate": 0.32, "life": 16.0, "cac": 0.0},
    "referral": {"share": 0.10, "discounted": 0.30, "rate": 0.45, "life": 22.0, "cac": 30.0},
    "email": {"share": 0.14, "discounted": 0.45, "rate": 0.28, "life": 12.0, "cac": 32.0},
}
#: Per product category: mean order value, gross margin rate, share of orders refunded.
CATEGORIES: dict[str, dict[str, float]] = {
    "apparel": {"price": 55.0, "margin": 0.50, "refunds": 0.10},
    "beauty": {"price": 30.0, "margin": 0.60, "refunds": 0.02},
    "home": {"price": 80.0, "margin": 0.40, "refunds": 0.04},
    "electronics": {"price": 210.0, "margin": 0.15, "refunds": 0.05},
    "books": {"price": 22.0, "margin": 0.30, "refunds": 0.01},
}
# The first order's category, by channel (order as in CATEGORIES).
_FIRST_CATEGORY = {
    "paid_search": [0.25, 0.15, 0.20, 0.30, 0.10],
    "paid_social": [0.40, 0.30, 0.15, 0.10, 0.05],
    "organic": [0.25, 0.20, 0.25, 0.15, 0.15],
    "referral": [0.25, 0.20, 0.25, 0.15, 0.15],
    "email": [0.30, 0.25, 0.20, 0.10, 0.15],
}
_REPEAT_DISCOUNTED = 0.55  # a discount-acquired customer buys this much less often ...
_LIFE_DISCOUNTED = 0.60  # ... and stays active this much shorter
_RATE_SHAPE, _LIFE_SHAPE = 0.9, 1.5  # gamma heterogeneity of purchase rates and lifetimes
_SAME_CATEGORY = 0.5  # chance that a repeat order is in the first order's category
_SIGMA_CUSTOMER, _SIGMA_ORDER = 0.35, 0.35  # lognormal spread of spend levels and orders
# Orders per month of the year, relative (gifts in November and December, a January lull).
_SEASON = np.array([0.85, 0.95, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 1.05, 1.30, 1.50])


def _months(dates: np.ndarray) -> np.ndarray:
    """Month of the year (0-11) of datetime64[D] values."""
    return dates.astype("datetime64[M]").astype("int64") % 12


def make_shop(seed: int = 20261122, n_customers: int = 20_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the shop: its orders and its monthly marketing spend per channel.

    **Customers** arrive from :data:`START` to :data:`END`, 50% more per day at the end than at
    the start, with more in November and December; ``paid_social`` grows from 2024-03 on (a
    campaign push). Each has a channel (:data:`CHANNELS`) and, with a channel-dependent chance,
    a first order at 20% off.

    **Purchases** follow a Pareto/NBD-like process: while active, a customer buys at a rate
    λ ~ Gamma(0.9) with the channel's mean, seasonally modulated (:data:`_SEASON`); the active
    lifetime is exponential with a Gamma(1.5)-distributed rate around the channel's mean
    lifetime. Discount-acquired customers buy 45% less often and stay 40% shorter. Referral
    customers buy most often and stay longest, and they are cheap to acquire, so they pay back
    fastest; paid social customers cost most and churn fastest.

    **Orders** have a category (the first one's by channel; repeat orders stay in it half of the
    time), an amount (category price × the customer's lognormal spend level × a lognormal
    factor; the first order 20% lower when discounted) and a gross margin in currency (the
    category's margin rate of the full price, less the discount). Some orders are refunded
    (by category, 1–10%), fully or half, 2–30 days later: a row with a negative amount and the
    margin reversed in proportion.

    **Spend** is what each paid channel cost per month: its new customers × its cost per
    customer (:data:`CHANNELS`) × a lognormal factor (σ = 0.1). Organic customers cost nothing,
    so ``organic`` has no spend rows.

    Parameters
    ----------
    seed : int, default 20261122
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.
    n_customers : int, default 20,000
        Number of customers.

    Returns
    -------
    orders : pandas.DataFrame
        One row per order or refund, in date order: ``customer_id`` (int), ``date``
        (timestamp, local time), ``amount`` (negative for refunds), ``category``, ``margin``
        (gross margin in currency), ``channel`` and ``first_order`` (``"discounted"`` or
        ``"full price"``; the last two describe the customer, repeated on every order).
    spend : pandas.DataFrame
        ``period`` (``"YYYY-MM"``), ``channel`` and ``spend`` (currency), one row per paid
        channel and month.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are
    they and what will they do next? Management Science 33(1), 1–24 (the Pareto/NBD process).
    """
    rng = np.random.default_rng(seed)
    names = list(CHANNELS)
    cats = list(CATEGORIES)
    start = np.datetime64(START.isoformat(), "D")
    n_days = (END - START).days + 1
    days = start + np.arange(n_days)
    weight = (1 + 0.5 * np.arange(n_days) / n_days) * np.where(_months(days) >= 10, 1.3, 1.0)
    day = rng.choice(n_days, size=n_customers, p=weight / weight.sum())
    day.sort()
    acquired = start + day

    share = np.array([[CHANNELS[c]["share"] for c in names]] * n_days)
    push = days >= np.datetime64("2024-03-01")
    share[push, names.index("paid_social")] *= 1.6
    share /= share.sum(axis=1, keepdims=True)
    cum = share[day].cumsum(axis=1)
    channel_ix = (rng.random(n_customers)[:, None] > cum).sum(axis=1)
    channel = np.array(names)[channel_ix]
    param = {k: np.array([CHANNELS[c][k] for c in names])[channel_ix] for k in CHANNELS[names[0]]}
    discounted = rng.random(n_customers) < param["discounted"]

    rate = rng.gamma(_RATE_SHAPE, 1 / _RATE_SHAPE, n_customers) * param["rate"]
    life = param["life"] * rng.gamma(_LIFE_SHAPE, 1 / _LIFE_SHAPE, n_customers)
    rate = np.where(discounted, rate * _REPEAT_DISCOUNTED, rate) / DAYS_PER_MONTH
    life = np.where(discounted, life * _LIFE_DISCOUNTED, life) * DAYS_PER_MONTH
    active_days = np.minimum(rng.exponential(life), n_days - day)

    first_p = np.array([_FIRST_CATEGORY[c] for c in names])[channel_ix].cumsum(axis=1)
    first_cat = (rng.random(n_customers)[:, None] > first_p).sum(axis=1)
    level = np.exp(_SIGMA_CUSTOMER * rng.standard_normal(n_customers) - _SIGMA_CUSTOMER**2 / 2)

    # Repeat purchases: a Poisson process at the peak seasonal rate, thinned by the season.
    peak = _SEASON.max()
    candidates = rng.poisson(rate * peak * active_days)
    who = np.repeat(np.arange(n_customers), candidates)
    offset = rng.random(who.size) * active_days[who]
    when = acquired[who] + np.ceil(offset).astype("int64").clip(1)
    keep = (rng.random(who.size) < _SEASON[_months(when)] / peak) & (when <= days[-1])
    who, when = who[keep], when[keep]

    customer = np.concatenate([np.arange(n_customers), who])
    date = np.concatenate([acquired, when])
    first = np.concatenate([np.ones(n_customers, bool), np.zeros(who.size, bool)])
    mix = np.array([1 / len(cats)] * len(cats)).cumsum()
    other = (rng.random(who.size)[:, None] > mix).sum(axis=1)
    stay = rng.random(who.size) < _SAME_CATEGORY
    category = np.concatenate([first_cat, np.where(stay, first_cat[who], other)])
    price = np.array([CATEGORIES[c]["price"] for c in cats])[category]
    margin_rate = np.array([CATEGORIES[c]["margin"] for c in cats])[category]
    full = price * level[customer] * np.exp(
        _SIGMA_ORDER * rng.standard_normal(customer.size) - _SIGMA_ORDER**2 / 2
    )
    off = np.where(first & discounted[customer], DISCOUNT, 0.0)
    amount = np.round(full * (1 - off), 2)
    margin = np.round(full * (margin_rate - off), 2)

    # Refunds: a later row with the amount (all or half) negative and the margin reversed.
    refunded = rng.random(customer.size) < np.array(
        [CATEGORIES[c]["refunds"] for c in cats]
    )[category]
    part = np.where(rng.random(customer.size) < 0.7, 1.0, 0.5)[refunded]
    refund_date = date[refunded] + rng.integers(2, 31, refunded.sum())
    ok = refund_date <= days[-1]
    r = np.flatnonzero(refunded)[ok]
    part = part[ok]

    seconds = rng.integers(8 * 3600, 23 * 3600, customer.size + r.size).astype("timedelta64[s]")
    frame = pd.DataFrame(
        {
            "customer_id": np.concatenate([customer, customer[r]]) + 100_001,
            "date": np.concatenate([date, refund_date[ok]]).astype("datetime64[s]") + seconds,
            "amount": np.concatenate([amount, -np.round(amount[r] * part, 2)]),
            "category": np.array(cats)[np.concatenate([category, category[r]])],
            "margin": np.concatenate([margin, -np.round(margin[r] * part, 2)]),
        }
    )
    ids = frame["customer_id"].to_numpy() - 100_001
    frame["channel"] = channel[ids]
    frame["first_order"] = np.where(discounted[ids], "discounted", "full price")
    frame = frame.sort_values(["date", "customer_id"], kind="stable", ignore_index=True)
    frame["date"] = frame["date"].astype("datetime64[ns]")

    new = pd.crosstab(acquired.astype("datetime64[M]"), channel)
    rows = []
    for month, counts in new.iterrows():
        for name in names:
            cost = CHANNELS[name]["cac"]
            if cost > 0:
                spend = counts.get(name, 0) * cost * np.exp(0.1 * rng.standard_normal() - 0.005)
                rows.append((pd.Timestamp(month).strftime("%Y-%m"), name, round(float(spend), 2)))
    spend = pd.DataFrame(rows, columns=["period", "channel", "spend"])
    return frame, spend


@functools.cache
def _cached(seed: int, n_customers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_shop(seed, n_customers)


def shop_orders() -> pd.DataFrame:
    """The orders of ``sample:shop`` (see :func:`make_shop`); a copy, so it can be changed."""
    return _cached(20261122, 20_000)[0].copy()


def shop_spend() -> pd.DataFrame:
    """The monthly spend of ``sample:shop-spend`` (see :func:`make_shop`); a copy."""
    return _cached(20261122, 20_000)[1].copy()


def make_shop_spend(seed: int = 20261122, n_customers: int = 20_000) -> pd.DataFrame:
    """The spend table of :func:`make_shop` alone."""
    return make_shop(seed, n_customers)[1]
