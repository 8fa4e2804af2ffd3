"""A seeded subscription business: the ``sample:subscriptions`` data sets.

The business is the fitness-coaching service of the growth-marketing material behind
growthkit: a 30-day free trial, a **Light** plan (5.99 a month, with ads), a **Full** plan
(9.99 a month, or 99.99 a year, no ads) and a one-to-one **coaching add-on** (14.99 a month,
for Full subscribers). Four tables come from one simulated world:

- ``sample:subscriptions``: the charges, one row per charge: ``customer_id``, ``date``,
  ``amount``, ``plan`` (``trial``, ``light`` or ``full``), ``months_covered`` (12 for a yearly
  charge, else 1) and ``item`` (``trial``, ``subscription``, ``coaching add-on``,
  ``win-back offer``, ``refund``);
- ``sample:subscriptions-events``: ``customer_id``, ``timestamp``, ``event``, ``channel``:
  the funnel (``visit``, ``signup``, ``trial_start``, ``paid``, ``referral``) and daily
  ``workout`` events (activity, for DAU/MAU) over the last year of data;
- ``sample:subscriptions-nps``: ``customer_id``, ``timestamp``, ``score`` (0-10), one survey
  answer per respondent, asked in the third month of a subscription.

The process (every probability is a constant below):

- visitors arrive every day from 2023-01-01 to 2025-12-16 (the last day of data), more as the
  business grows (Poisson, 25 a day rising to 45), each from one acquisition channel;
- a visitor signs up with a channel-specific probability and starts the trial (90%); at the
  trial's end they pay with a channel-specific probability, choosing Full (45%, a quarter of
  them yearly) or Light;
- each subscriber has a monthly churn probability θ drawn from Beta(0.9, 7) on Light and
  Beta(1.2, 14) on Full (the sBG model's world); a monthly subscriber renews each month with
  probability 1 − θ, a yearly one renews each year with probability (1 − θ)^12;
- monthly subscribers upgrade from Light (2% a month) or downgrade from Full (1.5%); Full
  subscribers start the add-on (4% a month) and stop it (30%);
- 2% ask for their first payment back within a week (a refund) and leave;
- a quarter of those who leave come back after a few months (a win-back), half of them with a
  free first month;
- NPS: 35% of subscribers in their third month answer; Full subscribers are happier.

Acquisition costs per new paying customer are set per channel (:data:`CHANNELS`); the sample's
blended CAC is :func:`acquisition_costs`' total spend over new paying customers.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools

import numpy as np
import pandas as pd

__all__ = [
    "ADDON_PRICE",
    "CHANNELS",
    "CHURN",
    "END",
    "PRICES",
    "RETENTION_SPEND",
    "SNAPSHOT_CONTRACTS",
    "START",
    "acquisition_costs",
    "make_subscription_world",
    "subscription_charges",
    "subscription_events",
    "subscription_nps",
    "subscription_snapshot",
    "subscription_spend",
]

START = _dt.date(2023, 1, 1)
#: The last day of data: December 2025 is not over, so the report leaves it out.
END = _dt.date(2025, 12, 16)
SEED = 20261123

#: Monthly prices, and the yearly price of Full.
PRICES = {"light": 5.99, "full": 9.99}
FULL_YEARLY = 99.99
ADDON_PRICE = 14.99
#: channel: (share of visitors, P(signup), P(paid | trial), CAC per new paying customer)
CHANNELS = {
    "organic": (0.35, 0.22, 0.50, 12.0),
    "search": (0.25, 0.28, 0.45, 55.0),
    "paid_social": (0.30, 0.18, 0.30, 80.0),
    "referral": (0.10, 0.40, 0.60, 25.0),
}
#: Beta(α, β) of the monthly churn probability, by the plan a subscriber starts on.
CHURN = {"light": (0.9, 7.0), "full": (1.2, 14.0)}
_P_TRIAL = 0.9
_P_FULL, _P_YEARLY = 0.45, 0.25
_P_UPGRADE, _P_DOWNGRADE = 0.02, 0.015
_P_ADDON_START, _P_ADDON_STOP = 0.04, 0.30
_P_REFUND = 0.02
_P_WINBACK, _P_FREE_RETURN, _WINBACK_GAP = 0.25, 0.5, 0.25  # gap ~ 1 + Geometric(0.25) months
_P_REFERRAL = 0.15
_P_SURVEY = 0.35
#: P(promoter), P(passive) by plan; the rest are detractors.
_NPS = {"full": (0.55, 0.25), "light": (0.35, 0.30)}
_EVENT_NAMES = np.array(sorted(["paid", "referral", "signup", "trial_start", "visit", "workout"]))
_ACTIVITY_DAYS = 365  # workouts are logged for the last year of data
_MONTHS = 40  # decision slots per subscriber (the data span 36 months)


def _add_months(day: _dt.date, months: int, anniversary: int) -> _dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return _dt.date(year, month + 1, min(anniversary, calendar.monthrange(year, month + 1)[1]))


@functools.cache
def make_subscription_world(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Simulate the business once; the tables are cached (callers get copies).

    Returns
    -------
    dict
        ``charges``, ``events``, ``nps`` and ``people`` (one row per visitor: channel,
        signup, trial and paid flags, plan).
    """
    rng = np.random.default_rng(seed)
    days = (END - START).days + 1
    rate = 25 + 20 * np.arange(days) / days
    arrivals = rng.poisson(rate)
    n = int(arrivals.sum())
    visit_day = np.repeat(np.arange(days), arrivals)
    names = list(CHANNELS)
    shares = np.array([CHANNELS[c][0] for c in names])
    channel_i = rng.choice(len(names), size=n, p=shares / shares.sum())
    p_signup = np.array([CHANNELS[c][1] for c in names])[channel_i]
    p_paid = np.array([CHANNELS[c][2] for c in names])[channel_i]
    ids = np.arange(100_001, 100_001 + n, dtype="int64")
    signup = rng.random(n) < p_signup
    signup_day = visit_day + np.where(rng.random(n) < 0.7, 0, rng.geometric(0.3, n))
    trial_day = signup_day + np.where(rng.random(n) < 0.8, 0, rng.integers(1, 3, n))
    trial = signup & (rng.random(n) < _P_TRIAL) & (trial_day < days)
    paid = trial & (rng.random(n) < p_paid) & (trial_day + 30 < days)
    full = rng.random(n) < _P_FULL
    yearly = full & (rng.random(n) < _P_YEARLY)
    churn_a = np.where(full, CHURN["full"][0], CHURN["light"][0])
    churn_b = np.where(full, CHURN["full"][1], CHURN["light"][1])
    theta = rng.beta(churn_a, churn_b)
    activity = rng.beta(2.0, 3.5, n) + 0.05 * full
    slot = np.cumsum(paid) - 1  # each subscriber's block of monthly decisions
    draws = rng.random((int(paid.sum()), _MONTHS, 6))
    winback = rng.random(n) < _P_WINBACK
    gap = 1 + rng.geometric(_WINBACK_GAP, n)
    free_return = rng.random(n) < _P_FREE_RETURN
    refund_after = rng.integers(1, 8, n)

    charges: list[tuple] = []
    spans: list[tuple[int, int, int]] = []  # (person, first day, days) with activity
    surveys: list[tuple[int, _dt.date, str]] = []
    last = END
    for i in np.flatnonzero(trial):
        t0 = START + _dt.timedelta(days=int(trial_day[i]))
        charges.append((i, t0, 0.0, "trial", 1, "trial"))
        spans.append((i, int(trial_day[i]), 30))
        if not paid[i]:
            continue
        first = t0 + _dt.timedelta(days=30)
        anniversary = first.day
        plan = "full" if full[i] else "light"
        is_yearly = bool(yearly[i])
        addon = False
        month, active_from, returned = 0, first, False
        while True:
            when = _add_months(first, month, anniversary)
            if when > last:
                spans.append((i, (active_from - START).days, (last - active_from).days + 1))
                break
            u = draws[slot[i], month % _MONTHS]
            leaves = False
            if month > 0 and when != active_from:
                if is_yearly:
                    leaves = (month % 12 == 0) and u[0] > (1 - theta[i]) ** 12
                else:
                    leaves = u[0] < theta[i]
            if leaves:
                spans.append((i, (active_from - START).days, (when - active_from).days))
                if winback[i] and not returned:
                    returned, month = True, month + int(gap[i])
                    active_from = _add_months(first, month, anniversary)
                    if active_from > last:
                        break
                    if free_return[i]:
                        charges.append((i, active_from, 0.0, plan, 1, "win-back offer"))
                        month += 1
                    continue
                break
            if not is_yearly and month > 0:
                if plan == "light" and u[1] < _P_UPGRADE:
                    plan = "full"
                elif plan == "full" and u[1] < _P_DOWNGRADE:
                    plan, addon = "light", False
            if is_yearly:
                if month % 12 == 0:
                    charges.append((i, when, FULL_YEARLY, "full", 12, "subscription"))
            else:
                charges.append((i, when, PRICES[plan], plan, 1, "subscription"))
            if plan == "full":
                addon = (u[2] >= _P_ADDON_STOP) if addon else (u[2] < _P_ADDON_START)
                if addon:
                    charges.append((i, when, ADDON_PRICE, "full", 1, "coaching add-on"))
            if month == 0 and u[3] < _P_REFUND:
                back = when + _dt.timedelta(days=int(refund_after[i]))
                if back <= last:
                    price = FULL_YEARLY if is_yearly else PRICES[plan]
                    charges.append((i, back, -price, plan, 12 if is_yearly else 1, "refund"))
                    spans.append((i, (active_from - START).days, (back - active_from).days))
                    break
            if month == 2 and u[4] < _P_SURVEY:
                surveys.append((i, when + _dt.timedelta(days=int(u[5] * 10)), plan))
            month += 1

    people = pd.DataFrame({
        "customer_id": ids, "channel": np.array(names)[channel_i], "signup": signup,
        "trial": trial, "paid": paid, "plan": np.where(full, "full", "light"),
        "yearly": yearly,
    })
    charge_frame = pd.DataFrame(
        charges, columns=["person", "date", "amount", "plan", "months_covered", "item"]
    )
    charge_frame.insert(0, "customer_id", ids[charge_frame.pop("person").to_numpy()])
    charge_frame["date"] = pd.to_datetime(charge_frame["date"])
    charge_frame = charge_frame.sort_values(["date", "customer_id"], kind="stable")
    return {
        "charges": charge_frame.reset_index(drop=True),
        "events": _events(rng, ids, names, channel_i, visit_day, signup, signup_day, trial,
                          trial_day, paid, spans, activity),
        "nps": _survey(rng, ids, surveys),
        "people": people,
    }


def _stamp(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    seconds = rng.integers(6 * 3600, 23 * 3600, len(day))
    base = np.datetime64(START.isoformat(), "s")
    return base + day.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")


def _events(
    rng: np.random.Generator,
    ids: np.ndarray,
    names: list[str],
    channel_i: np.ndarray,
    visit_day: np.ndarray,
    signup: np.ndarray,
    signup_day: np.ndarray,
    trial: np.ndarray,
    trial_day: np.ndarray,
    paid: np.ndarray,
    spans: list[tuple[int, int, int]],
    activity: np.ndarray,
) -> pd.DataFrame:
    days = (END - START).days + 1
    parts = []
    extra = rng.poisson(0.3, len(ids))  # some visitors come back before signing up
    who = np.r_[np.arange(len(ids)), np.repeat(np.arange(len(ids)), extra)]
    when = np.r_[visit_day, np.repeat(visit_day, extra) + rng.integers(0, 4, extra.sum())]
    parts.append((who, when, "visit"))
    parts.append((np.flatnonzero(signup), signup_day[signup], "signup"))
    parts.append((np.flatnonzero(trial), trial_day[trial], "trial_start"))
    parts.append((np.flatnonzero(paid), trial_day[paid] + 30, "paid"))
    refer = paid & (rng.random(len(ids)) < _P_REFERRAL)
    parts.append((np.flatnonzero(refer), trial_day[refer] + 30 + rng.geometric(1 / 20, refer.sum()),
                  "referral"))
    span = np.array(spans, dtype="int64").reshape(-1, 3)
    span = span[span[:, 2] > 0]
    person = np.repeat(span[:, 0], span[:, 2])
    offset = np.arange(len(person)) - np.repeat(np.cumsum(span[:, 2]) - span[:, 2], span[:, 2])
    day = np.repeat(span[:, 1], span[:, 2]) + offset
    active = (rng.random(len(person)) < activity[person]) & (day >= days - _ACTIVITY_DAYS)
    parts.append((person[active], day[active], "workout"))
    who = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    event = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    keep = day < days
    who, day, event = who[keep], day[keep], event[keep]
    out = pd.DataFrame({
        "customer_id": ids[who],
        "timestamp": _stamp(day, rng),
        "event": pd.Categorical.from_codes(
            np.searchsorted(_EVENT_NAMES, event), categories=list(_EVENT_NAMES)
        ),
        "channel": pd.Categorical.from_codes(channel_i[who], categories=names),
    })
    return out.sort_values("timestamp", kind="stable").reset_index(drop=True)


def _survey(
    rng: np.random.Generator, ids: np.ndarray, surveys: list[tuple[int, _dt.date, str]]
) -> pd.DataFrame:
    who = np.array([s[0] for s in surveys], dtype="int64")
    plan = np.array([s[2] for s in surveys])
    u = rng.random(len(who))
    promoter = np.array([_NPS[p][0] for p in plan])
    passive = np.array([_NPS[p][1] for p in plan])
    score = np.where(u < promoter, rng.integers(9, 11, len(who)),
                     np.where(u < promoter + passive, rng.integers(7, 9, len(who)),
                              rng.integers(0, 7, len(who))))
    out = pd.DataFrame({
        "customer_id": ids[who],
        "timestamp": pd.to_datetime([s[1] for s in surveys]),
        "score": score.astype("int64"),
    })
    return out[out["timestamp"].dt.date <= END].reset_index(drop=True)


def subscription_charges() -> pd.DataFrame:
    """The charges of ``sample:subscriptions`` (see the module docstring)."""
    return make_subscription_world()["charges"].copy()


def subscription_events() -> pd.DataFrame:
    """The funnel and activity events of ``sample:subscriptions-events``."""
    return make_subscription_world()["events"].copy()


def subscription_nps() -> pd.DataFrame:
    """The NPS answers of ``sample:subscriptions-nps``."""
    return make_subscription_world()["nps"].copy()


def acquisition_costs() -> pd.DataFrame:
    """New paying customers, CAC and acquisition spend per channel, and the blended total.

    Returns
    -------
    pandas.DataFrame
        Index ``channel`` (and ``"all"``): ``new_paying``, ``cac``, ``spend``.
    """
    people = make_subscription_world()["people"]
    paying = people[people["paid"]].groupby("channel").size()
    out = pd.DataFrame({"new_paying": paying})
    out["cac"] = [CHANNELS[c][3] for c in out.index]
    out["spend"] = out["new_paying"] * out["cac"]
    total = out[["new_paying", "spend"]].sum()
    out.loc["all"] = [total["new_paying"], total["spend"] / total["new_paying"], total["spend"]]
    out.index.name = "channel"
    return out


#: Retention spend of the sample per month: a fixed part and a part per customer paying the
#: month before, split between its two programmes (the names are not acquisition channels).
RETENTION_SPEND = {"lifecycle_email": (250.0, 0.35), "loyalty_rewards": (150.0, 0.55)}


def subscription_spend() -> pd.DataFrame:
    """The marketing spend of ``sample:subscriptions-spend``: one row per month and channel.

    Acquisition rows (``type`` ``acquisition``): each channel's new paying customers of the
    month (first paid charge) times its cost per customer (:data:`CHANNELS`). Retention rows
    (``type`` ``retention``): :data:`RETENTION_SPEND` per programme, a fixed part plus a part
    per customer who paid in the month before.

    Returns
    -------
    pandas.DataFrame
        ``period`` (``YYYY-MM``), ``channel``, ``type``, ``spend``.
    """
    world = make_subscription_world()
    charges, people = world["charges"], world["people"]
    paid = charges[charges["amount"] > 0]
    month = pd.to_datetime(paid["date"]).dt.to_period("M")
    first = month.groupby(paid["customer_id"]).min()
    channel = people.set_index("customer_id")["channel"].reindex(first.index)
    won = pd.DataFrame({"month": first.to_numpy(), "channel": channel.to_numpy()})
    won = won.groupby(["month", "channel"]).size().rename("n").reset_index()
    won["spend"] = won["n"] * won["channel"].map({c: v[3] for c, v in CHANNELS.items()})
    rows = [(str(m), c, "acquisition", round(float(v), 2))
            for m, c, v in won[["month", "channel", "spend"]].itertuples(index=False)]
    payers = paid.assign(m=month).groupby("m")["customer_id"].nunique()
    for m in pd.period_range(month.min(), month.max(), freq="M"):
        before = int(payers.get(m - 1, 0))
        for name, (fixed, each) in RETENTION_SPEND.items():
            rows.append((str(m), name, "retention", round(fixed + each * before, 2)))
    return pd.DataFrame(rows, columns=["period", "channel", "type", "spend"])


#: The contracts of :func:`subscription_snapshot`: share of customers, sBG (α, β) of monthly
#: churn, and the typical monthly charge.
SNAPSHOT_CONTRACTS = {
    "Month-to-month": (0.55, (0.9, 8.0), 66.0),
    "One year": (0.21, (0.6, 18.0), 62.0),
    "Two year": (0.24, (0.5, 60.0), 60.0),
}


def subscription_snapshot(customers: int = 7000, seed: int = SEED) -> pd.DataFrame:
    """A telecom-churn-like customer snapshot: one row per customer, no charge history.

    Customers joined at a uniform time in the last 72 months; each churns each month with a
    probability of their own drawn from their contract's Beta(α, β) (the sBG model, so a fit
    on these data should recover it). Columns as the widely used telecom churn export:
    ``customer_id``, ``tenure`` (months paid, 0-72), ``churn`` (``"Yes"``/``"No"``),
    ``contract`` and ``monthly_charges``.
    """
    rng = np.random.default_rng(seed)
    names = list(SNAPSHOT_CONTRACTS)
    shares = np.array([v[0] for v in SNAPSHOT_CONTRACTS.values()])
    contract = rng.choice(len(names), size=customers, p=shares / shares.sum())
    a = np.array([SNAPSHOT_CONTRACTS[n][1][0] for n in names])[contract]
    b = np.array([SNAPSHOT_CONTRACTS[n][1][1] for n in names])[contract]
    theta = rng.beta(a, b)
    age = rng.integers(0, 73, customers)  # months since joining, 0-72
    life = rng.geometric(theta)  # months paid before leaving (1, 2, ...)
    churned = life <= age
    tenure = np.where(churned, life, age)
    price = np.array([SNAPSHOT_CONTRACTS[n][2] for n in names])[contract]
    charges = np.round(np.clip(price + rng.normal(0, 25, customers), 18.25, 118.75), 2)
    return pd.DataFrame({
        "customer_id": [f"{i:04d}-SNAP" for i in range(customers)],
        "tenure": tenure.astype("int64"),
        "churn": np.where(churned, "Yes", "No"),
        "contract": np.array(names)[contract],
        "monthly_charges": charges,
    })
