"""Shared helpers of the cohort tests: small order tables and a plain pandas reference."""

from __future__ import annotations

import numpy as np
import pandas as pd


def orders(rows: list[tuple], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Orders from ``(customer, date, amount, *extra)`` tuples; dates as text."""
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", *extra])


def random_orders(seed: int, customers: int = 400, start: str = "2023-01-01",
                  days: int = 420) -> pd.DataFrame:
    """Generated orders with refunds, margins and segments, in no particular order.

    Each customer has a first day, a channel, and 0-8 later orders; about 6% of rows are
    refunds (negative amounts, negative margins), some on days without a purchase.
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(0, days - 30, customers)
    repeats = rng.integers(0, 9, customers)
    who = np.concatenate([np.arange(customers), np.repeat(np.arange(customers), repeats)])
    day = np.concatenate([first, first[np.repeat(np.arange(customers), repeats)]
                          + rng.integers(0, 200, repeats.sum())])
    keep = day < days
    who, day = who[keep], day[keep]
    amount = np.round(rng.gamma(2.0, 20.0, who.size), 2)
    refund = rng.random(who.size) < 0.06
    amount = np.where(refund, -np.round(amount * 0.5, 2), amount)
    margin = np.round(amount * rng.uniform(0.2, 0.6, who.size), 2)
    channel = np.array(["ads", "seo", "mail"])[rng.integers(0, 3, customers)]
    category = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, who.size)]
    dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    hours = pd.to_timedelta(rng.integers(0, 24 * 3600, who.size), unit="s")
    frame = pd.DataFrame({
        "customer_id": who + 1,
        "date": dates + hours,
        "amount": amount,
        "margin": margin,
        "channel": channel[who],
        "category": category,
    })
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def pandas_cohorts(frame: pd.DataFrame, period: str, observation_end: str,
                   segment: str | None = None, margin: str | None = None) -> dict:
    """The cohort definitions of the issue, computed with plain pandas, for comparison.

    Returns a dict of (cohort, k[, segment]) -> active, revenue, margin, and cohort sizes.
    """
    df = frame.copy()
    df["day"] = pd.to_datetime(df["date"]).dt.normalize()
    df = df[df["day"] <= pd.Timestamp(observation_end)]
    if period == "month":
        df["p"] = df["day"].dt.year * 12 + df["day"].dt.month - 1
    else:
        df["p"] = (df["day"] - pd.Timestamp("1970-01-05")).dt.days // 7
    buys = df[df["amount"] >= 0]
    first_p = buys.groupby("customer_id")["p"].min()
    df["cohort"] = df["customer_id"].map(first_p)
    df = df[df["cohort"].notna() & (df["p"] >= df["cohort"])].copy()
    df["k"] = (df["p"] - df["cohort"]).astype(int)
    df["cohort"] = df["cohort"].astype(int)
    keys = ["cohort", "k"]
    if segment is not None:
        # The segment of the first purchase day; on a tie, the smallest value.
        first_day = buys.groupby("customer_id")["day"].min()
        on_first = buys[buys["day"] == buys["customer_id"].map(first_day)]
        seg = on_first.groupby("customer_id")[segment].min()
        df["seg"] = df["customer_id"].map(seg)
        keys.append("seg")
    active = df[df["amount"] >= 0].groupby(keys)["customer_id"].nunique()
    revenue = df.groupby(keys)["amount"].sum()
    out = {"active": active, "revenue": revenue}
    if margin is not None:
        out["margin"] = df.groupby(keys)[margin].sum()
    size_keys = ["cohort", *(["seg"] if segment else [])]
    out["size"] = df[df["k"] == 0].drop_duplicates("customer_id").groupby(size_keys).size()
    return out
