"""Engagement and the growth funnel from an events table: DAU/MAU stickiness and AARRR steps.

The events table has one row per event: ``customer_id``, ``timestamp`` (any date form
:func:`growthkit.data.dates.parse_dates` reads) and ``event`` (its name), optionally
``channel`` (the acquisition channel, read from each person's first funnel event). Days are
calendar days in the report's time zone.

- **Funnel**: the named steps in order (visit → signup → trial start → paid → referral by
  default). A person reaches step k when they have a step-k event on or after the day they
  reached step k − 1 and at most ``window_days`` days after it; the first step is any event of
  its name. Conversion is step by step, and from the first step.
- **DAU/MAU**: an active day is a day with at least one event that is not a funnel step (a
  visit or a signup is not use of the product). DAU is the number of people active that day,
  MAU the number active in the 28 days ending that day, and stickiness DAU/MAU, for the days
  with a complete 28-day window.

Both are computed in the engine; what comes back is one row per step (and channel) or per day.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from growthkit.data import Orders, Source, load, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = [
    "DEFAULT_STEPS",
    "EVENT_COLUMNS",
    "MAU_WINDOW_DAYS",
    "NO_CHANNEL",
    "dau_mau",
    "dau_mau_expr",
    "funnel",
    "funnel_expr",
    "parse_steps",
    "validate_events",
]

#: The columns an events table must have (``channel`` is optional).
EVENT_COLUMNS = ("customer_id", "timestamp", "event")
#: The AARRR funnel of the sample business.
DEFAULT_STEPS = ("visit", "signup", "trial_start", "paid", "referral")
#: The MAU window: the 28 days ending each day (four whole weeks, so weekdays weigh equally).
MAU_WINDOW_DAYS = 28
#: The channel of people whose first funnel event has none.
NO_CHANNEL = "(no channel)"
_EPOCH = _dt.date(1970, 1, 1)


def parse_steps(steps: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"visit,signup,paid"`` or a list -> a tuple of step names (empty for None or "")."""
    if steps is None:
        return ()
    items = steps.split(",") if isinstance(steps, str) else list(steps)
    out = tuple(str(s).strip() for s in items if str(s).strip())
    if len(set(out)) != len(out):
        raise GrowthkitError(f"funnel_steps={steps!r} names a step twice; expected each once")
    return out


def validate_events(source: Source | Orders, timezone: str = "UTC") -> Orders:
    """Validate an events table once: columns, dates and empty values, in one engine pass.

    Returns
    -------
    growthkit.data.Orders
        Its ``table`` has ``customer_id``, ``order_date`` (the event's calendar day),
        ``event`` and, when present, ``channel``.
    """
    if isinstance(source, Orders):
        return source
    t = load(source)
    require_columns(t.columns, list(EVENT_COLUMNS), where="events_data")
    keep = ["event", *(["channel"] if "channel" in t.columns else [])]
    return validate_orders(t, "customer_id", "timestamp", None, timezone, quality=False,
                           keep=keep)


def _day_number(day: ibis.Value) -> ibis.Value:
    return day.delta(ibis.literal(_EPOCH), unit="day")


def dau_mau(
    events: Source | Orders,
    funnel_steps: str | Sequence[str] | None = DEFAULT_STEPS,
    window_days: int = MAU_WINDOW_DAYS,
    timezone: str = "UTC",
    activity_events: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Daily active people, the people active in the window ending each day, and their ratio.

    Each person's active days are turned into non-overlapping spans (an active day counts
    towards MAU until ``window_days`` later or the person's next active day, whichever is
    first), so MAU is a running sum of span starts and ends: no distinct count over a sliding
    window, which most engines cannot do.

    Parameters
    ----------
    events : source or Orders
        An events table (see the module docstring) or :func:`validate_events` of one.
    funnel_steps : str or sequence of str, optional
        Events that are funnel steps, not activity (when ``activity_events`` is None).
    window_days : int, default 28
        The MAU window.
    timezone : str, default "UTC"
    activity_events : str or sequence of str, optional
        The events that are activity; when given, only they count (``funnel_steps`` is not
        used).

    Returns
    -------
    pandas.DataFrame
        ``day``, ``dau``, ``mau``, ``dau_mau`` for every day from the first with a complete
        window to the last active day; empty when there is no activity event.
    """
    if int(window_days) != window_days or window_days < 1:
        raise GrowthkitError(f"window_days={window_days!r}: expected a whole number of days ≥ 1")
    valid = validate_events(events, timezone)
    activity = parse_steps(activity_events) if activity_events is not None else None
    both = dau_mau_expr(valid.table, parse_steps(funnel_steps), int(window_days),
                        activity=activity)
    with step("DAU/MAU") as progress:
        got = both.to_pyarrow().to_pandas()
        progress["detail"] = f"{len(got):,} days"
    columns = ["day", "dau", "mau", "dau_mau"]
    if got.empty or got["dau"].fillna(0).sum() == 0:
        return pd.DataFrame(columns=columns)
    got = got.fillna(0).astype({"day": "int64", "dau": "int64", "leaving": "int64"})
    by = got.groupby("day")[["dau", "leaving"]].sum()
    active = by.index[by["dau"] > 0]
    first, last = int(active.min()), int(active.max())
    by = by.reindex(range(first, last + 1), fill_value=0)
    mau = (by["dau"] - by["leaving"]).cumsum()
    out = pd.DataFrame({
        "day": [_EPOCH + _dt.timedelta(days=int(d)) for d in by.index],
        "dau": by["dau"].to_numpy(),
        "mau": mau.to_numpy(),
    })
    out = out.iloc[int(window_days) - 1:].reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["dau_mau"] = np.where(out["mau"] > 0, out["dau"] / out["mau"], np.nan)
    return out[columns]


def dau_mau_expr(
    t: ibis.Table, steps: Sequence[str], window_days: int, *,
    activity: Sequence[str] | None = None,
) -> ibis.Table:
    """Per day: people active (``dau``) and people whose MAU span ends (``leaving``), as an
    unexecuted Ibis expression over a validated events table. Activity is the events named in
    ``activity`` when given, else every event not in ``steps``."""
    if activity is not None:
        t = t.filter(t.event.isin(list(activity)))
    elif steps:
        t = t.filter(~t.event.isin(list(steps)))
    days = t.select(customer_id=t.customer_id, day=_day_number(t.order_date)).distinct()
    w = ibis.window(group_by="customer_id", order_by="day")
    days = days.mutate(next_day=days.day.lead().over(w))
    end = days.day + int(window_days)
    stop = ibis.cases((days.next_day.notnull() & (days.next_day < end), days.next_day),
                      else_=end)
    starts = days.group_by("day").aggregate(dau=days.count())
    stops = days.select(day=stop).group_by("day").aggregate(leaving=ibis._.count())
    return starts.outer_join(stops, starts.day == stops.day).select(
        day=ibis.coalesce(starts.day, stops.day), dau=starts.dau, leaving=stops.leaving
    )


def funnel(
    events: Source | Orders,
    steps: str | Sequence[str] = DEFAULT_STEPS,
    window_days: int = 45,
    by_channel: bool = True,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """People reaching each funnel step in order, each within a window after the step before.

    Parameters
    ----------
    events : source or Orders
        An events table (see the module docstring) or :func:`validate_events` of one.
    steps : str or sequence of str
        Event names in funnel order (at least two).
    window_days : int, default 45
        Days after reaching a step within which the next step counts.
    by_channel : bool, default True
        Also count per acquisition channel (the ``channel`` of each person's first
        first-step event), when the table has a ``channel`` column.
    timezone : str, default "UTC"

    Returns
    -------
    pandas.DataFrame
        ``channel`` (``None`` for the overall rows), ``step``, ``position`` (1-based),
        ``people``, ``conversion`` (from the step before; 1 for the first) and ``overall``
        (from the first step), plus ``with_event`` (people with any event of that name,
        in or out of order: 0 points to a misspelt step).

    Raises
    ------
    GrowthkitError
        When fewer than two steps are given, or no event has the first step's name (the
        message lists the event names found).
    """
    names = parse_steps(steps)
    if len(names) < 2:
        raise GrowthkitError(
            f"funnel_steps={steps!r}: expected at least two event names in funnel order, "
            "e.g. 'visit,signup,trial_start,paid'"
        )
    if int(window_days) != window_days or window_days < 0:
        raise GrowthkitError(
            f"funnel_window_days={window_days!r}: expected a whole number of days ≥ 0"
        )
    valid = validate_events(events, timezone)
    channel = by_channel and "channel" in valid.table.columns
    grouped, present = funnel_expr(valid.table, names, int(window_days), channel)
    with step("funnel") as progress:
        channels = grouped.to_pyarrow().to_pandas()
        with_event = present.to_pyarrow().to_pandas().set_index("event")["people"]
        progress["detail"] = f"{len(names)} steps"
    total = channels[[f"n{k}" for k in range(len(names))]].fillna(0).sum()
    if int(with_event.get(names[0], 0)) == 0:
        found = valid.table.select("event").distinct().limit(20).execute()["event"].tolist()
        raise GrowthkitError(
            f"funnel_steps: no event named {names[0]!r} in events_data; found events "
            f"{', '.join(map(repr, sorted(map(str, found)))) or 'none'}"
        )
    frames = [_steps(total, names, None)]
    if channel:
        for _, row in channels.sort_values("channel", na_position="last").iterrows():
            frames.append(_steps(row, names, row["channel"]))
    out = pd.concat(frames, ignore_index=True)
    out["with_event"] = out["step"].map(lambda s: int(with_event.get(s, 0))).astype("int64")
    return out


def funnel_expr(
    t: ibis.Table, names: Sequence[str], window_days: int, channel: bool
) -> tuple[ibis.Table, ibis.Table]:
    """The funnel counts (per channel when ``channel``) and the people with each step's event,
    as unexecuted Ibis expressions over a validated events table."""
    t = t.filter(t.event.isin(list(names)))
    cols = {"customer_id": t.customer_id, "event": t.event, "day": _day_number(t.order_date)}
    if channel:
        cols["channel"] = t.channel
    t = t.select(**cols)
    first = t.filter(t.event == names[0])
    aggs = {"d0": first.day.min()}
    if channel:
        aggs["channel"] = first.channel.cast("string").argmin(first.day)
    reached = first.group_by("customer_id").aggregate(**aggs)
    for k, name in enumerate(names[1:], start=1):
        # One left join per step, the window in its condition, so each step reads the
        # chain once (a join back to it would double the work at every step).
        ev = t.filter(t.event == name).select(person=t.customer_id, at=t.day)
        prev = reached[f"d{k - 1}"]
        joined = reached.left_join(ev, [
            reached.customer_id == ev.person,
            ev.at >= prev,
            ev.at <= prev + int(window_days),
        ])
        reached = joined.group_by(list(reached.columns)).aggregate(**{f"d{k}": joined.at.min()})
    counts = {f"n{k}": reached[f"d{k}"].notnull().sum() for k in range(len(names))}
    # People have one channel each, so the overall counts are the channels' sums.
    grouped = reached.group_by("channel").aggregate(**counts) if channel else (
        reached.aggregate(**counts)
    )
    present = t.group_by("event").aggregate(people=t.customer_id.nunique())
    return grouped, present


def _steps(row: pd.Series, names: tuple[str, ...], channel: object) -> pd.DataFrame:
    people = np.array([int(row[f"n{k}"] or 0) for k in range(len(names))])
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.r_[1.0, np.where(people[:-1] > 0, people[1:] / people[:-1], np.nan)]
        overall = np.where(people[0] > 0, people / max(people[0], 1), np.nan)
    label = None if channel is None else NO_CHANNEL if pd.isna(channel) else str(channel)
    return pd.DataFrame({
        "channel": label,
        "step": list(names),
        "position": np.arange(1, len(names) + 1),
        "people": people,
        "conversion": conversion,
        "overall": overall,
    })
