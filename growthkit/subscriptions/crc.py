"""Customer retention cost (CRC): what keeping a customer costs, beside what winning one costs.

CRC is the retention spend of a month (lifecycle e-mail, loyalty rewards, success staff: the
rows of ``spend_data`` typed ``retention``) divided by the customers retained in that month
(paying at the end of the month before and at its end), over the report's window: retention
spend per retained customer per month. It is read against ARPA (the share of a retained
customer's monthly revenue spent on keeping them) and against CAC (months of retention one
acquisition pays for).

By acquisition channel (each customer's channel is that of their first event in
``events_data``): CAC is the channel's acquisition spend (the rows of ``spend_data`` not typed
``retention``) over the customers it won in the window; CRC is the channel's retention spend
over its retained customer-months when the retention rows name the same channels, else the
blended CRC (retention spend is rarely bought per acquisition channel), which the report says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import pandas as pd

from growthkit.cohorts.cac import load_spend
from growthkit.data import Source, load, redact
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.subscriptions.mrr import EPSILON

__all__ = [
    "ALL_CHANNELS",
    "CRC",
    "NO_CHANNEL",
    "RETENTION",
    "crc_from_spend",
    "crc_table",
    "customer_channels_expr",
    "paying_by_channel_expr",
    "split_spend",
]

#: The ``type`` value of retention spend rows (matched ignoring case and spaces).
RETENTION = "retention"
#: The channel of customers with no event (or without events_data).
NO_CHANNEL = "(no channel)"
#: The row of the table over every channel.
ALL_CHANNELS = "(all channels)"


@dataclass(frozen=True)
class CRC:
    """The customer retention cost over the window, overall and by acquisition channel.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel and a last row :data:`ALL_CHANNELS`: ``channel``,
        ``customer_months`` (paying customer-months), ``retained`` (retained customer-months),
        ``mrr`` (their MRR summed), ``arpa`` (MRR per paying customer-month), ``new`` (customers
        won), ``acquisition_spend``, ``cac``, ``retention_spend``, ``crc``, ``crc_arpa`` (CRC /
        ARPA) and ``cac_crc`` (CAC / CRC: months of retention one acquisition pays for).
    first, last : int
        The window's months (keys).
    retention_by_channel : bool
        Whether the retention rows name the customers' channels (else CRC is blended).
    source : str
        ``spend_data``, display-safe.
    """

    table: pd.DataFrame
    first: int
    last: int
    retention_by_channel: bool
    source: str

    @property
    def overall(self) -> dict[str, float]:
        """The :data:`ALL_CHANNELS` row as a dict."""
        return self.table.iloc[-1].to_dict()


def split_spend(spend_data: Source, timezone: str = "UTC") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The acquisition and the retention rows of a spend table, per month and channel.

    ``spend_data`` has ``period``, ``spend`` and optionally ``channel`` and ``type`` (column
    names in any case); rows whose type is ``retention`` are retention spend, the others
    acquisition spend. Each frame: ``month`` (key), ``channel``, ``spend``; the retention
    frame is empty without a ``type`` column.
    """
    t = load(spend_data)
    kind = next((c for c in t.columns if c.lower() == "type"), None)
    frames = []
    for retention in (False, True):
        if kind is None:
            part = t if not retention else t.limit(0)
        else:
            is_ret = t[kind].cast("string").strip().lower() == RETENTION
            part = t.filter(is_ret.fill_null(False) if retention else ~is_ret.fill_null(False))
        spend = load_spend(part, "month", timezone)
        frame = spend.table.rename(columns={"p": "month"})
        frames.append(frame[frame["spend"] > 0].reset_index(drop=True))
    return frames[0], frames[1]


def customer_channels_expr(events: ibis.Table) -> ibis.Table:
    """Each customer's acquisition channel: the channel of their first event (text ids)."""
    first = events.filter(events.channel.notnull())
    return first.group_by("customer_id").aggregate(
        channel=first.channel.cast("string").argmin(first.order_date)
    ).select(cid=ibis._.customer_id.cast("string"), channel=ibis._.channel)


def paying_by_channel_expr(
    cm: ibis.Table, first: int, last: int, channels: ibis.Table | None
) -> ibis.Table:
    """Per channel over months ``first``..``last``: paying customer-months, retained ones
    (paying the month before too), their MRR, and customers won (first paid month in it)."""
    paid = cm.filter(cm.mrr > EPSILON)
    w = ibis.window(group_by="customer_id", order_by="month")
    paid = paid.mutate(prev_m=paid.month.lag().over(w),
                       first_m=paid.month.min().over(ibis.window(group_by="customer_id")))
    t = paid.filter((paid.month >= first) & (paid.month <= last))
    one, zero = ibis.literal(1, "int32"), ibis.literal(0, "int32")
    t = t.mutate(kept=ibis.cases((t.prev_m == t.month - 1, one), else_=zero),
                 won=ibis.cases((t.first_m == t.month, one), else_=zero))
    if channels is None:
        t = t.mutate(channel=ibis.literal(NO_CHANNEL))
    else:
        j = t.left_join(channels, t.customer_id.cast("string") == channels.cid)
        t = j.mutate(channel=j.channel.fill_null(NO_CHANNEL))
    return t.group_by("channel").aggregate(
        customer_months=t.count(), retained=t.kept.sum(), mrr=t.mrr.sum(), new=t.won.sum())


def crc_table(
    cm: ibis.Table, first: int, last: int, spend_data: Source,
    events: ibis.Table | None = None, timezone: str = "UTC",
) -> CRC:
    """CRC, ARPA and CAC by acquisition channel over months ``first``..``last``.

    Parameters
    ----------
    cm : ibis.Table
        Customer months (:func:`growthkit.subscriptions.customer_months`).
    first, last : int
        The window (month keys).
    spend_data : source
        See :func:`split_spend`.
    events : ibis.Table, optional
        A validated events table with a ``channel`` column, for each customer's channel.

    Returns
    -------
    CRC
    """
    acquisition, retention = split_spend(spend_data, timezone)
    if retention.empty:
        raise GrowthkitError(
            f"spend_data {redact(spend_data)!r} has no rows typed {RETENTION!r}; expected a "
            "'type' column with 'retention' on the retention spend rows (the others are "
            "acquisition spend)"
        )
    return crc_from_spend(cm, first, last, acquisition, retention, events, redact(spend_data))


def crc_from_spend(
    cm: ibis.Table, first: int, last: int, acquisition: pd.DataFrame, retention: pd.DataFrame,
    events: ibis.Table | None = None, source: str = "",
) -> CRC:
    """:func:`crc_table` from the spend already split (:func:`split_spend`)."""
    channels = customer_channels_expr(events) if events is not None else None
    with step("retention cost") as progress:
        paying = paying_by_channel_expr(cm, first, last, channels).to_pyarrow().to_pandas()
        progress["detail"] = f"{len(paying)} channels"
    paying["channel"] = paying["channel"].astype(str)
    acq = _in_window(acquisition, first, last).groupby("channel")["spend"].sum()
    ret = _in_window(retention, first, last).groupby("channel")["spend"].sum()
    table = paying.set_index("channel")[["customer_months", "retained", "mrr", "new"]]
    table = table.astype({"customer_months": "int64", "retained": "int64", "new": "int64"})
    by_channel = bool(len(ret)) and set(ret.index) <= set(table.index) - {NO_CHANNEL}
    table["acquisition_spend"] = acq.reindex(table.index).fillna(0.0)
    table["retention_spend"] = ret.reindex(table.index).fillna(0.0) if by_channel else math.nan
    table = table.sort_index()
    total = table.sum(numeric_only=True)
    total["acquisition_spend"] = float(acq.sum())
    total["retention_spend"] = float(ret.sum())
    table.loc[ALL_CHANNELS] = total
    table = table.rename_axis("channel").reset_index()
    table = table.astype({"customer_months": "int64", "retained": "int64", "new": "int64"})
    if acq.empty:
        table["acquisition_spend"] = math.nan
    table["arpa"] = _div(table["mrr"], table["customer_months"])
    table["cac"] = _div(table["acquisition_spend"], table["new"])
    if by_channel:
        table["crc"] = _div(table["retention_spend"], table["retained"])
    else:
        blended = total["retention_spend"] / total["retained"] if total["retained"] else math.nan
        table["crc"] = float(blended)
    table["crc_arpa"] = _div(table["crc"], table["arpa"])
    table["cac_crc"] = _div(table["cac"], table["crc"])
    return CRC(table, first, last, by_channel, source)


def _in_window(frame: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    return frame[(frame["month"] >= first) & (frame["month"] <= last)]


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    """a / b with NaN where b is not positive."""
    den = b.astype("float64")
    return a.astype("float64").where(den > 0) / den.where(den > 0)
