"""Shared helpers of the subscriptions tests: charges from compact rows, a small seeded
business (charges, events, NPS) with names of our choosing, and the sample's analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def charges(*rows: tuple, covered: bool = False) -> pd.DataFrame:
    """Charges from ``(customer, "YYYY-MM-DD", amount[, months_covered])`` rows."""
    columns = ["customer_id", "date", "amount", *(["months"] if covered else [])]
    frame = pd.DataFrame([r if covered else r[:3] for r in rows], columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def small_business(
    plans: dict[str, tuple[float, float]] | None = None,
    channels: dict[str, float] | None = None,
    customers: int = 300,
    seed: int = 3,
) -> dict[str, pd.DataFrame]:
    """A seeded subscription business over 2024 (complete through 2024-12-31).

    Parameters
    ----------
    plans : dict
        Plan name -> (monthly price, monthly churn probability).
    channels : dict
        Channel name -> trial-to-paid probability.

    Returns
    -------
    dict
        ``charges`` (customer_id, date, amount, plan), ``events`` (customer_id, timestamp,
        event, channel) and ``nps`` (score).
    """
    plans = plans or {"basic": (5.0, 0.12), "pro": (12.0, 0.05)}
    channels = channels or {"ads": 0.3, "friends": 0.7}
    rng = np.random.default_rng(seed)
    names, chans = list(plans), list(channels)
    rows, events = [], []
    for i in range(customers):
        who = f"c{i:04d}"
        channel = chans[i % len(chans)]
        start = pd.Timestamp(2024, int(rng.integers(1, 7)), int(rng.integers(1, 28)))
        events += [(who, start - pd.Timedelta(days=3), "visit", channel),
                   (who, start - pd.Timedelta(days=2), "signup", channel),
                   (who, start, "trial_start", channel)]
        if rng.random() > channels[channel]:
            continue
        plan = names[int(rng.integers(0, len(names)))]
        price, churn = plans[plan]
        first = start + pd.Timedelta(days=30)
        events.append((who, first, "paid", channel))
        day = min(first.day, 28)
        for k in range(0, 12):
            when = pd.Timestamp(first.year, first.month, day) + pd.DateOffset(months=k)
            if when.year > 2024 or (k and rng.random() < churn):
                break
            rows.append((who, when, price, plan))
            for d in rng.choice(28, size=int(rng.integers(2, 15)), replace=False):
                events.append((who, when + pd.Timedelta(days=int(d), hours=9), "workout",
                               channel))
    rows.append(("closer", pd.Timestamp(2024, 1, 31), 1.0, names[0]))
    rows.append(("closer", pd.Timestamp(2024, 12, 31), 1.0, names[0]))
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "plan"])
    ev = pd.DataFrame(events, columns=["customer_id", "timestamp", "event", "channel"])
    ev = ev[ev["timestamp"] <= pd.Timestamp(2024, 12, 31, 23)]
    nps = pd.DataFrame({"score": rng.integers(0, 11, 150)})
    return {"charges": frame, "events": ev.reset_index(drop=True), "nps": nps}


@pytest.fixture(scope="session")
def sample_analysis():
    from growthkit.subscriptions import analyze

    return analyze("sample:subscriptions")
