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


def retail_lines(
    n: int = 4300,
    *,
    seed: int = 0,
    anonymous: float = 0.25,
    cancelled: float = 0.02,
    **orders: float,
) -> pd.DataFrame:
    """The invoices of :func:`retail_orders` as a retailer's raw export: one row per line.

    Columns as the public "Online Retail" export has them: ``InvoiceNo``, ``StockCode``,
    ``Quantity``, ``UnitPrice``, ``InvoiceDate``, ``CustomerID``, ``Country``. Each invoice has
    1 to 8 lines; ``anonymous`` of the lines belong to invoices without a customer (an empty
    ``CustomerID``); ``cancelled`` of the invoices are cancelled later by an invoice ``C...``
    whose quantities are negative.

    Parameters
    ----------
    n, seed : int
        As in :func:`retail_orders` (its other keywords are passed on).
    anonymous : float
        Share of lines without a customer.
    cancelled : float
        Share of invoices cancelled a few days later.

    Returns
    -------
    pandas.DataFrame
        One row per line, in date order.
    """
    invoices = retail_orders(n, seed=seed, amounts=False, **orders)
    rng = np.random.default_rng(seed + 1)
    k = len(invoices)
    # Invoices without a customer, as many lines as ``anonymous`` asks for (in expectation).
    extra = round(k * anonymous / (1 - anonymous))
    dates = invoices["date"].to_numpy()
    anon = pd.DataFrame({"customer_id": pd.array([pd.NA] * extra, dtype="Int64"),
                         "date": np.sort(rng.choice(dates, extra))})
    invoices = pd.concat([invoices.astype({"customer_id": "Int64"}), anon], ignore_index=True)
    invoices = invoices.sort_values("date", kind="stable").reset_index(drop=True)
    invoices["InvoiceNo"] = (536365 + np.arange(len(invoices))).astype(str)
    lines = invoices.loc[invoices.index.repeat(rng.integers(1, 9, len(invoices)))]
    m = len(lines)
    # Customers differ in what they spend (the spend model's heterogeneity): a price level each.
    level = rng.gamma(3.0, 1.0 / 3.0, n + 1)[lines["customer_id"].fillna(n).to_numpy(int)]
    out = pd.DataFrame({
        "InvoiceNo": lines["InvoiceNo"].to_numpy(),
        "StockCode": rng.integers(10000, 10400, m).astype(str),
        "Quantity": rng.geometric(0.3, m),
        "UnitPrice": np.round(rng.gamma(2.0, 2.0, m) * level, 2),
        "InvoiceDate": lines["date"].to_numpy(),
        "CustomerID": lines["customer_id"].to_numpy(),
        "Country": rng.choice(["United Kingdom", "Germany", "France"], m, p=[0.9, 0.05, 0.05]),
    })
    # Cancellations: a later invoice C<number> with the lines' quantities negated.
    known = out["CustomerID"].notna().to_numpy()
    chosen = rng.random(len(invoices)) < cancelled
    picked = out["InvoiceNo"].isin(invoices.loc[chosen, "InvoiceNo"]).to_numpy() & known
    cancel = out[picked].assign(
        InvoiceNo=lambda d: "C" + d["InvoiceNo"],
        Quantity=lambda d: -d["Quantity"],
        InvoiceDate=lambda d: d["InvoiceDate"] + pd.Timedelta(days=3),
    )
    cancel = cancel[cancel["InvoiceDate"] <= out["InvoiceDate"].max()]
    out = pd.concat([out, cancel], ignore_index=True)
    out["InvoiceDate"] = out["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.iloc[np.argsort(pd.to_datetime(out["InvoiceDate"]).to_numpy(), kind="stable")
                    ].reset_index(drop=True)
