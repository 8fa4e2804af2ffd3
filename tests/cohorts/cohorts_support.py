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


# -- shapes of real shops' data (issue 16) --------------------------------------------------


def prelaunch_orders(seed: int = 16, customers: int = 3000) -> pd.DataFrame:
    """Orders of a shop running for three years, of which only the last two are in the data.

    Customers arrive evenly over 2021-2023 and buy monthly with a 10% chance of stopping each
    month; the export starts on 2022-01-01, so the first month's "cohort" holds every earlier
    customer still buying: a left-censored cohort several times the size of the others.
    """
    rng = np.random.default_rng(seed)
    start = np.datetime64("2021-01-01")
    first = rng.integers(0, 3 * 365, customers)
    rows = []
    for c in range(customers):
        day = int(first[c])
        while day < 3 * 365:
            rows.append((c + 1, day, float(np.round(rng.gamma(2.0, 15.0), 2))))
            if rng.random() < 0.10:
                break
            day += int(rng.integers(20, 40))
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame["date"] = (start + frame["day"].to_numpy().astype("timedelta64[D]")).astype(str)
    frame = frame[frame["date"] >= "2022-01-01"]
    return frame[["customer_id", "date", "amount"]].reset_index(drop=True)


def many_channels(seed: int = 15, channels: int = 15, customers: int = 3000,
                  months: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders acquired through ``channels`` channels numbered 1..n (an int column), and the
    monthly spend of each channel (channel as text, as a spend CSV has it).

    Channel i brings customers in proportion to 1/i at a cost of 10 + 2·i each.
    """
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, channels + 1)
    channel = rng.choice(np.arange(1, channels + 1), customers, p=weights / weights.sum())
    first = rng.integers(0, months * 30, customers)
    repeats = rng.poisson(2.0, customers)
    who = np.concatenate([np.arange(customers), np.repeat(np.arange(customers), repeats)])
    day = np.concatenate([first, first[np.repeat(np.arange(customers), repeats)]
                          + rng.integers(1, 300, repeats.sum())])
    keep = day < months * 30
    who, day = who[keep], day[keep]
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D")
    frame = pd.DataFrame({
        "customer_id": who + 1,
        "date": dates.strftime("%Y-%m-%d"),
        "amount": np.round(rng.gamma(2.0, 20.0, who.size), 2),
        "channel": channel[who],
    })
    acquired = pd.DataFrame({
        "period": (pd.Timestamp("2023-01-01") + pd.to_timedelta(first, unit="D")).strftime(
            "%Y-%m"),
        "channel": channel,
    })
    spend = acquired.value_counts().rename("n").reset_index()
    spend["spend"] = spend["n"] * (10.0 + 2.0 * spend["channel"])
    spend["channel"] = spend["channel"].astype(str)
    return frame, spend[["period", "channel", "spend"]]


def seasonal_upswing(seed: int = 12, customers: int = 1500) -> pd.DataFrame:
    """Ten months of a shop whose repeat purchases climb every month toward its season.

    Customers arrive from January to October; each month a customer buys again with a chance
    that rises from 10% in January to 60% in October (a season the data are too short to show
    as one), so the margin per period grows with age in every cohort.
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 300, customers)
    rows = []
    for c in range(customers):
        rows.append((c + 1, int(first[c])))
        for month in range(int(first[c]) // 30 + 1, 10):
            if rng.random() < 0.10 + 0.05 * month:
                rows.append((c + 1, month * 30 + int(rng.integers(0, 28))))
    frame = pd.DataFrame(rows, columns=["customer_id", "day"])
    frame["date"] = (pd.Timestamp("2023-01-01") + pd.to_timedelta(frame["day"], unit="D")
                     ).dt.strftime("%Y-%m-%d")
    frame["amount"] = np.round(rng.gamma(2.0, 20.0, len(frame)), 2)
    return frame[["customer_id", "date", "amount"]]


def line_items(seed: int = 16, customers: int = 600, months: int = 14) -> pd.DataFrame:
    """Invoice lines shaped like a retailer's raw export: invoices of 1-5 lines (quantity ×
    unit price), some lines entered twice, returns as their own "C" invoices with negative
    quantities, and a fifth of the invoices without a customer (an empty id).

    Columns: ``InvoiceNo``, ``StockCode``, ``Quantity``, ``UnitPrice``, ``InvoiceDate`` (a
    timestamp as text), ``CustomerID`` (text, empty when unknown).
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(0, months * 30, customers)
    visits = rng.poisson(2.5, customers)
    who = np.concatenate([np.arange(customers), np.repeat(np.arange(customers), visits)])
    day = np.concatenate([first, first[np.repeat(np.arange(customers), visits)]
                          + rng.integers(1, 250, visits.sum())])
    keep = day < months * 30
    who, day = who[keep], day[keep]
    rows = []
    for n, (c, d) in enumerate(zip(who, day, strict=True)):
        customer = "" if rng.random() < 0.2 else str(12000 + c)
        stamp = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(d))
                 + pd.Timedelta(minutes=int(rng.integers(480, 1200))))
        lines = [(f"S{rng.integers(0, 40):03d}", int(rng.integers(1, 13)),
                  float(rng.choice([0.42, 0.85, 1.25, 2.55, 3.39, 4.95, 12.75])))
                 for _ in range(int(rng.integers(1, 6)))]
        if rng.random() < 0.1:
            lines.append(lines[0])  # one product entered twice: a genuine repeat line
        rows += [(str(500000 + n), *line, stamp, customer) for line in lines]
        if rng.random() < 0.12:  # a return of the first line, days later
            code, qty, price = lines[0]
            back = stamp + pd.Timedelta(days=int(rng.integers(1, 20)))
            rows.append((f"C{500000 + n}", code, -int(rng.integers(1, qty + 1)), price, back,
                         customer))
    frame = pd.DataFrame(rows, columns=["InvoiceNo", "StockCode", "Quantity", "UnitPrice",
                                        "InvoiceDate", "CustomerID"])
    frame["InvoiceDate"] = frame["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")
    return frame


def invoices(lines: pd.DataFrame) -> pd.DataFrame:
    """The same data one row per invoice (amount = Σ quantity × unit price), customers known."""
    known = lines[lines["CustomerID"].str.strip() != ""]
    amount = known["Quantity"] * known["UnitPrice"]
    return (known.assign(amount=amount)
            .groupby(["InvoiceNo", "InvoiceDate", "CustomerID"], as_index=False)["amount"].sum()
            .rename(columns={"CustomerID": "customer_id", "InvoiceDate": "date"}))
