"""Segments for action: predicted value crossed with the chance a customer is still active."""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthkit.clv.uncertainty import CLVIntervals
from growthkit.errors import GrowthkitError
from growthkit.i18n import N_
from growthkit.notes import Note
from growthkit.validation import require_columns

__all__ = [
    "ALL_ALIVE",
    "ALL_ALIVE_SHARE",
    "AT_RISK",
    "BOUGHT_ONCE",
    "ONCE",
    "SEGMENTS",
    "SEGMENT_LABELS",
    "STATUSES",
    "TIERS",
    "all_alive_note",
    "segment_customers",
    "summarize_segments",
]

#: Value tiers, from the most valuable.
TIERS = ("High", "Medium", "Low")
#: Activity statuses of repeat buyers: P(alive) at or above the threshold, or below it.
STATUSES = ("active", "at risk")
#: The status of a customer with no repeat purchase yet (frequency 0), whatever the model's
#: P(alive) says: BG/NBD counts every such customer as alive, which tells a marketer nothing.
ONCE = "bought once"
#: (value tier, status) -> the segment's label, in display order. Every label is defined here
#: (English, the keys of the JSON and the CSV; reports translate them).
SEGMENT_LABELS: dict[tuple[str, str], str] = {
    ("High", "active"): N_("High value, active"),
    ("High", "at risk"): N_("High value, at risk"),
    ("Medium", "active"): N_("Medium value, active"),
    ("Medium", "at risk"): N_("Medium value, at risk"),
    ("Low", "active"): N_("Low value, active"),
    ("Low", "at risk"): N_("Low value, at risk"),
}
#: The segment of customers who have bought only once so far.
BOUGHT_ONCE = N_("Bought once")
#: The segment a win-back effort pays most in.
AT_RISK = SEGMENT_LABELS["High", "at risk"]

#: Each segment, in display order, with the action it suggests.
SEGMENTS: dict[str, str] = {
    SEGMENT_LABELS["High", "active"]: N_(
        "Keep them close: service, loyalty perks and early "
        "access; no blanket discounts."
    ),
    AT_RISK: N_(
        "Win back first: personal outreach or a targeted offer before they lapse."
    ),
    SEGMENT_LABELS["Medium", "active"]: N_(
        "Grow them: cross-sell and bundles to raise spend per "
        "order."
    ),
    SEGMENT_LABELS["Medium", "at risk"]: N_(
        "Reactivate with a timely reminder or a modest "
        "incentive."
    ),
    SEGMENT_LABELS["Low", "active"]: N_(
        "Nurture cheaply with automated email; no costly "
        "incentives."
    ),
    SEGMENT_LABELS["Low", "at risk"]: N_(
        "Lowest priority: low-cost campaigns only."
    ),
    BOUGHT_ONCE: N_(
        "Earn the second purchase: a welcome series and a reason to come back soon "
        "after the first order."
    ),
}


def segment_customers(
    predictions: pd.DataFrame,
    *,
    value_quantiles: tuple[float, float] = (0.5, 0.8),
    at_risk_below: float = 0.5,
    bought_once: bool = True,
    value: str = "clv_revenue",
) -> pd.DataFrame:
    """Put each customer in a value tier and an activity status.

    The value tier comes from the customer's predicted revenue CLV: *High* from the upper
    quantile up (top 20% by default), *Medium* from the lower quantile, *Low* below. A customer
    is *at risk* when P(alive) is below ``at_risk_below``. A customer with no repeat purchase
    yet (``frequency`` 0) is in the *Bought once* segment, status ``"bought once"``: BG/NBD
    gives every such customer P(alive) 1 (it lets customers drop out only right after a
    repeat purchase), so their activity status would say nothing.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`growthkit.clv.predict` output with a spend model (``clv_revenue``, ``p_alive``).
    value_quantiles : (float, float), default (0.5, 0.8)
        CLV quantiles separating Low from Medium and Medium from High.
    at_risk_below : float, default 0.5
        P(alive) under which a customer counts as at risk.
    bought_once : bool, default True
        Put customers without a repeat purchase in the *Bought once* segment (needs a
        ``frequency`` column); False keeps them in the value × status grid.
    value : str, default "clv_revenue"
        The column the value tiers rank by: ``"expected_purchases"`` for a purchase log
        without amounts.

    Returns
    -------
    pandas.DataFrame
        ``predictions`` with ``segment``, ``value_tier`` and ``status`` in front.

    Raises
    ------
    GrowthkitError
        For missing columns or thresholds out of range.
    """
    require_columns(predictions.columns, [value, "p_alive"], where="the predictions")
    lo_q, hi_q = value_quantiles
    if not 0 < lo_q < hi_q < 1:
        raise GrowthkitError(
            f"value_quantiles={value_quantiles!r}; expected two quantiles 0 < low < high < 1"
        )
    if not 0 < at_risk_below < 1:
        raise GrowthkitError(f"at_risk_below={at_risk_below!r}; expected a probability in (0, 1)")
    clv = predictions[value].to_numpy()
    lo, hi = np.quantile(clv, [lo_q, hi_q])
    active, at_risk = STATUSES
    tier_code = np.select([clv >= hi, clv >= lo], [0, 1], 2)  # index into TIERS
    risky = predictions["p_alive"].to_numpy() < at_risk_below  # index into STATUSES
    tier = np.asarray(TIERS)[tier_code]
    status = np.where(risky, at_risk, active)
    # Segment codes by lookup, not a Python loop: at 37M customers the loop took a minute and
    # several GB of label strings.
    categories = list(SEGMENTS)
    lookup = np.array([[categories.index(SEGMENT_LABELS[t, s]) for s in STATUSES] for t in TIERS])
    codes = lookup[tier_code, risky.astype(int)]
    if bought_once:
        require_columns(predictions.columns, ["frequency"], where="the predictions")
        once = predictions["frequency"].to_numpy() == 0
        status = np.where(once, ONCE, status)
        codes = np.where(once, categories.index(BOUGHT_ONCE), codes)
    segment = pd.Categorical.from_codes(codes, categories=categories)
    front = pd.DataFrame(
        {"segment": segment, "value_tier": tier, "status": status}, index=predictions.index
    )
    return pd.concat([front, predictions], axis=1)


def summarize_segments(
    segmented: pd.DataFrame, intervals: CLVIntervals | None = None
) -> pd.DataFrame:
    """One row per segment: size, activity, value and the suggested action.

    Parameters
    ----------
    segmented : pandas.DataFrame
        :func:`segment_customers` output.
    intervals : CLVIntervals, optional
        From :func:`growthkit.clv.clv_intervals` grouped by ``segmented["segment"]``; adds
        ``revenue_low`` and ``revenue_high`` for each segment's total CLV.

    Returns
    -------
    pandas.DataFrame
        Indexed by segment (all of :data:`SEGMENTS`, empty ones with zeros): ``customers``,
        ``share``, ``mean_p_alive``, ``expected_purchases``, ``clv_revenue`` (total), ``mean_clv``,
        ``clv_profit`` (total) when the predictions have values, optionally the interval, and
        ``action``.
    """
    require_columns(segmented.columns, ["segment", "p_alive"], where="the segments")
    grouped = segmented.groupby("segment", observed=False)
    columns = {
        "customers": grouped.size(),
        "mean_p_alive": grouped["p_alive"].mean(),
        "expected_purchases": grouped["expected_purchases"].sum(),
    }
    if "clv_revenue" in segmented.columns:  # a purchase log without amounts has no value
        columns |= {
            "clv_revenue": grouped["clv_revenue"].sum(),
            "mean_clv": grouped["clv_revenue"].mean(),
            "clv_profit": grouped["clv_profit"].sum(),
        }
    out = pd.DataFrame(columns).reindex(list(SEGMENTS))
    out["customers"] = out["customers"].fillna(0).astype(int)
    out.insert(1, "share", out["customers"] / max(len(segmented), 1))
    if intervals is not None:
        bounds = intervals.table[["revenue_low", "revenue_high"]]
        out = out.join(bounds, how="left")
    out["action"] = pd.Series(SEGMENTS)
    out.index.name = "segment"
    return out


#: When this share of repeat buyers or more is probably still active (P(alive) at least the
#: at-risk threshold), the forecast rests on a model that saw almost no dropout: a red flag.
ALL_ALIVE_SHARE = 0.99
#: The red flag's words.
ALL_ALIVE = N_(
    "{active} of {n} repeat buyers ({share}) are probably still active: the model sees almost "
    "no dropout in this window, so its forecast assumes nearly nobody stops buying. Read the "
    "expected purchases and CLV as an upper bound."
)


def all_alive_note(predictions: pd.DataFrame, at_risk_below: float = 0.5) -> Note | None:
    """The ``all_alive`` red flag when at least :data:`ALL_ALIVE_SHARE` of the repeat buyers
    are probably still active (None otherwise, or without repeat buyers).

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``frequency`` and ``p_alive`` per customer.
    at_risk_below : float, default 0.5
        The P(alive) under which a customer is at risk (as in :func:`segment_customers`).

    Returns
    -------
    Note or None
    """
    repeat = predictions.loc[predictions["frequency"] > 0, "p_alive"]
    active = int((repeat >= at_risk_below).sum())
    if repeat.empty or active < ALL_ALIVE_SHARE * repeat.size:
        return None
    return Note("all_alive", ALL_ALIVE, kinds={"share": "percent"}, active=active,
                n=int(repeat.size), share=active / repeat.size)
