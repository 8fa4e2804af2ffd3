"""Customer acquisition cost per cohort: from a spend table (period, channel, spend) or flat.

CAC of a cohort is the marketing spend of its acquisition period divided by the customers it
acquired; per channel, that channel's spend over that channel's new customers. A cohort with
customers and no spend has CAC 0 and says so (``basis`` ``"no spend"``).

The spend table is read in the engine like any source (a path, a URL, ``sample:shop-spend``)
and aggregated to one row per (day, channel) before it is fetched. Its channels are matched to
the values of a segment column (the one that shares the most values with them): that column is
the acquisition channel. Other segments (the first product, a discounted first order) carry the
cost of the channels their customers came from.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass

import ibis
import ibis.expr.operations as ops
import numpy as np
import pandas as pd

from growthkit.cohorts.messages import plural_note
from growthkit.cohorts.periods import check_period, last_complete, period_label, period_of
from growthkit.cohorts.table import OTHER, Cohorts
from growthkit.data import Source, load, parse_dates, redact
from growthkit.data.dates import DATE_EXAMPLES
from growthkit.errors import GrowthkitError
from growthkit.i18n import N_, Language
from growthkit.notes import Note
from growthkit.progress import step

__all__ = ["SPEND_COLUMNS", "CACTable", "Spend", "cac_table", "load_spend"]

#: The columns a spend table has (``channel`` may be left out: one total per period).
SPEND_COLUMNS = ("period", "channel", "spend")
_ALL = "(all channels)"


@dataclass(frozen=True, repr=False, eq=False)
class Spend:
    """Marketing spend per period and channel, ready to divide by new customers.

    Attributes
    ----------
    table : pandas.DataFrame
        ``p`` (period number), ``channel`` (text; ``"(all channels)"`` without a channel
        column) and ``spend``.
    source : str
        The source, display-safe.
    period : {"month", "week"}
    by_channel : bool
        Whether the table has a channel column.
    spread_monthly : bool
        Whether monthly spend was spread over the days of its month for a weekly report.
    duplicates : list of tuple
        (day, channel) pairs with more than one row in the source: their rows are summed.
    """

    table: pd.DataFrame
    source: str
    period: str
    by_channel: bool
    spread_monthly: bool = False
    duplicates: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return (
            f"Spend({self.table['spend'].sum():,.2f} over {self.table['p'].nunique()} "
            f"{self.period}s, {self.table['channel'].nunique()} channel(s), from {self.source})"
        )


def _column(names: list[str], wanted: str) -> str | None:
    """The column called ``wanted``, ignoring case."""
    for name in names:
        if name.lower() == wanted:
            return name
    return None


def load_spend(spend_data: Source, period: str = "month", timezone: str = "UTC") -> Spend:
    """Read a spend table: ``period`` (a date or ``YYYY-MM``), ``channel`` (optional), ``spend``.

    Parameters
    ----------
    spend_data : DataFrame, str, path or ibis.Table
        Any source :func:`growthkit.data.load` accepts, e.g. ``"sample:shop-spend"``. Column
        names are matched ignoring case.
    period : {"month", "week"}, default "month"
        The report's period. Spend dated on any day counts in the period holding that day.
        Monthly spend (every date the first of a month, as ``YYYY-MM`` gives) in a weekly report
        is spread evenly over the days of its month.
    timezone : str, default "UTC"
        For period values that are timestamps with an offset.

    Returns
    -------
    Spend

    Raises
    ------
    GrowthkitError
        Naming the column: a missing column, a period that is not a date, a spend that is
        empty, not a number or negative.
    """
    check_period(period)
    with step("read spend") as progress:
        t = load(spend_data, name="spend_data", rows="spend rows")
        names = list(t.columns)
        cols = {name: _column(names, name) for name in SPEND_COLUMNS}
        for name in ("period", "spend"):
            if cols[name] is None:
                raise GrowthkitError(
                    f"Required column {name!r} missing from spend_data "
                    f"{redact(spend_data)!r}; found columns: {', '.join(map(repr, names))}; "
                    "expected period, channel (optional) and spend"
                )
        day = parse_dates(t, cols["period"], timezone)
        raw = t[cols["spend"]]
        if raw.type().is_numeric() and not raw.type().is_boolean():
            amount = raw.cast("float64")
        elif raw.type().is_string() and ibis.get_backend(t).has_operation(ops.TryCast):
            amount = raw.strip().try_cast("float64")
        else:
            raise GrowthkitError(
                f"spend column {cols['spend']!r} of spend_data has type {raw.type()}; expected "
                "amounts such as 1250.00"
            )
        channel = (
            t[cols["channel"]].cast("string").fill_null("(missing)")
            if cols["channel"]
            else ibis.literal(_ALL)
        )
        rows = t.select(day=day, channel=channel, spend=amount, bad_day=day.isnull(),
                        bad_spend=amount.isnull())
        agg = rows.group_by(["day", "channel"]).aggregate(
            spend=rows.spend.sum(),
            bad_day=rows.bad_day.sum(),
            bad_spend=rows.bad_spend.sum(),
            negative=(rows.spend < 0).sum(),
            rows=rows.count(),
        ).to_pyarrow().to_pandas()
        progress["detail"] = f"{len(agg):,} period-channel rows"
    if n := int(agg["bad_day"].sum()):
        raise GrowthkitError(
            f"period column {cols['period']!r} of spend_data has {n:,} value(s) that are not "
            f"dates; expected {DATE_EXAMPLES}"
        )
    if n := int(agg["bad_spend"].sum()):
        raise GrowthkitError(
            f"spend column {cols['spend']!r} of spend_data has {n:,} empty or non-numeric "
            "value(s); expected an amount on every row, such as 1250.00"
        )
    if n := int(agg["negative"].sum()):
        raise GrowthkitError(
            f"spend column {cols['spend']!r} of spend_data has {n:,} negative value(s); "
            "expected amounts >= 0"
        )
    days = pd.to_datetime(agg["day"]).dt.date
    monthly = bool(len(days)) and all(d.day == 1 for d in days)
    spread = period == "week" and monthly
    if spread:
        frame = _spread_weekly(days, agg["channel"], agg["spend"])
    else:
        frame = pd.DataFrame({
            "p": [period_of(d, period) for d in days],
            "channel": agg["channel"].astype(str),
            "spend": agg["spend"].astype("float64"),
        })
    frame = frame.groupby(["p", "channel"], as_index=False)["spend"].sum()
    repeated = agg[agg["rows"] > 1].sort_values(["day", "channel"])
    duplicates = tuple(zip(pd.to_datetime(repeated["day"]).dt.strftime("%Y-%m-%d"),
                           repeated["channel"].astype(str), strict=True))
    return Spend(frame, redact(spend_data), period, cols["channel"] is not None, spread,
                 duplicates)


def _spread_weekly(days: pd.Series, channel: pd.Series, spend: pd.Series) -> pd.DataFrame:
    """Monthly spend spread evenly over the days of its month, summed per ISO week."""
    rows = []
    for day, ch, amount in zip(days, channel, spend, strict=True):
        n = calendar.monthrange(day.year, day.month)[1]
        for i in range(n):
            d = day + _dt.timedelta(days=i)
            rows.append((period_of(d, "week"), str(ch), float(amount) / n))
    return pd.DataFrame(rows, columns=["p", "channel", "spend"])


@dataclass(frozen=True, repr=False, eq=False)
class CACTable:
    """CAC per cohort, overall and per segment value.

    Attributes
    ----------
    overall : pandas.DataFrame
        Indexed by cohort (period number): ``customers``, ``spend``, ``cac`` (NaN for a cohort
        still forming) and ``basis`` (``"spend"``, ``"no spend"``, ``"flat"`` or
        ``"forming"``).
    segments : dict
        Segment column -> DataFrame indexed by (value, cohort) with the same columns;
        ``basis`` may also be ``"blended"`` (the cohort's overall CAC, when no channel is
        known).
    source : str
        ``"spend"`` or ``"flat"``.
    channel_col : str or None
        The segment column matched to the spend table's channels.
    notes : tuple of Note
        Spend that could not be attributed, cohorts without spend, and so on (codes with
        their arguments, rendered by the narrative).
    """

    overall: pd.DataFrame
    segments: dict[str, pd.DataFrame]
    source: str
    channel_col: str | None
    notes: tuple[Note, ...] = ()

    def for_cohorts(self, cohorts: np.ndarray, column: str | None = None,
                    value: object = None) -> np.ndarray:
        """CAC aligned to ``cohorts`` (NaN where unknown), overall or for one segment value."""
        frame = self.overall if column is None else self.segments[column].xs(value, level=0)
        return frame["cac"].reindex(cohorts).to_numpy(dtype="float64")

    def __repr__(self) -> str:
        return f"CACTable({len(self.overall)} cohorts, from {self.source})"


def _check_flat(cac: object) -> float:
    if isinstance(cac, bool) or not isinstance(cac, int | float) or not np.isfinite(cac):
        raise GrowthkitError(f"cac={cac!r} is not a number; expected a cost per customer >= 0")
    if cac < 0:
        raise GrowthkitError(f"cac={cac!r} is negative; expected a cost per customer >= 0")
    return float(cac)


def cac_table(cohorts: Cohorts, spend: Spend | None = None, cac: float | None = None, *,
              language: Language | str = "en", currency: str = "USD") -> CACTable:
    """CAC per cohort and per segment value, from spend or a flat CAC.

    Parameters
    ----------
    cohorts : Cohorts
        From :func:`growthkit.cohorts.build_cohorts`.
    spend : Spend, optional
        From :func:`load_spend` (in the same period as ``cohorts``).
    cac : float, optional
        One cost per customer for every cohort; instead of ``spend``.
    language : Language or str, default "en"
        Unused: notes are codes, rendered by the report in its language (kept for callers).
    currency : str, default "USD"
        The ISO code amounts in the notes are written in.

    Returns
    -------
    CACTable

    Raises
    ------
    GrowthkitError
        When both or neither of ``spend`` and ``cac`` are given, or ``cac`` is not a number
        >= 0.
    """
    if (spend is None) == (cac is None):
        raise GrowthkitError(
            "spend_data and cac: expected exactly one (a spend table, or one cost per customer); "
            f"found {'both' if spend is not None else 'neither'}"
        )
    sizes = cohorts.sizes
    forming = {c for c in sizes["cohort"].unique() if c > _last_complete(cohorts)}
    notes: list[Note] = []
    if cac is not None:
        flat = _check_flat(cac)
        overall = _flat(sizes.groupby("cohort")["customers"].sum(), flat, forming)
        segments = {
            col: _flat(sizes.groupby([col, "cohort"])["customers"].sum(), flat, forming)
            for col in cohorts.segment_cols
        }
        return CACTable(overall, segments, "flat", None, tuple(notes))

    assert spend is not None
    if spend.period != cohorts.period:
        raise GrowthkitError(
            f"spend was read for period={spend.period!r} but the cohorts are by "
            f"{cohorts.period!r}; expected the same period"
        )
    s = spend.table
    if spend.duplicates:
        examples = [f"{day} {channel}" if spend.by_channel else day
                    for day, channel in spend.duplicates[:3]]
        notes.append(plural_note("spend_duplicate_rows", len(spend.duplicates),
                                 examples=", ".join(examples)))
    size = sizes.groupby("cohort")["customers"].sum()
    total = s.groupby("p")["spend"].sum()
    overall = _ratio(size, total.reindex(size.index).fillna(0.0), forming)
    inside = (total.index >= size.index.min()) & (total.index <= cohorts.last_period)
    unused = total[inside & ~total.index.isin(size.index)]
    money = {"amount": f"money:{currency}"}
    if unused.sum() > 0:
        notes.append(plural_note(
            "spend_without_customers", len(unused), kinds=money, amount=float(unused.sum()),
            example=period_label(int(unused.index[0]), cohorts.period)))
    outside = total[~inside]
    if outside.sum() > 0:
        notes.append(Note("spend_outside_orders", N_(
            "Spend of {amount} dated outside the orders' periods (before the first cohort or "
            "after the observation end) is left out."), kinds=money, amount=float(outside.sum())))
    no_spend = overall.index[(overall["basis"] == "no spend")]
    if len(no_spend):
        notes.append(plural_note("cohorts_without_spend", len(no_spend),
                                 example=period_label(int(no_spend[0]), cohorts.period)))
    channel_col = _channel_column(cohorts, spend)
    segments: dict[str, pd.DataFrame] = {}
    if channel_col is None:
        if cohorts.segment_cols and spend.by_channel:
            notes.append(Note("channels_unmatched", N_(
                "The spend table's channels match no value of the segment columns ({columns}), "
                "so every segment carries its cohort's overall CAC."),
                columns=", ".join(cohorts.segment_cols)))
        for col in cohorts.segment_cols:
            n = sizes.groupby([col, "cohort"])["customers"].sum()
            frame = n.to_frame("customers")
            frame["cac"] = overall["cac"].reindex(n.index.get_level_values("cohort")).to_numpy()
            frame["spend"] = frame["cac"] * frame["customers"]
            frame["basis"] = np.where(frame.index.get_level_values("cohort").isin(forming),
                                      "forming", "blended")
            segments[col] = frame[["customers", "spend", "cac", "basis"]]
        return CACTable(overall, segments, "spend", None, tuple(notes))

    by = sizes.groupby([channel_col, "cohort"])["customers"].sum()
    if channel_col in cohorts.folded:  # spend on the folded channels is "(other)"'s spend
        folded = s["channel"].isin(cohorts.folded[channel_col])
        s = s.assign(channel=s["channel"].where(~folded, OTHER))
        s = s.groupby(["p", "channel"], as_index=False)["spend"].sum()
    spent = s.set_index(["channel", "p"])["spend"]
    spent.index = spent.index.set_names([channel_col, "cohort"])
    channel = _ratio(by, spent.reindex(by.index).fillna(0.0), forming)
    segments[channel_col] = channel
    orphan = spent[~spent.index.isin(by.index)]
    orphan = orphan[orphan.index.get_level_values("cohort").isin(size.index)]
    if orphan.sum() > 0:
        names = sorted(set(orphan.index.get_level_values(0)))
        notes.append(Note("spend_without_channel_customers", N_(
            "Spend of {amount} on {channels} acquired no customer in its period: it counts in "
            "the cohorts' overall CAC but in no channel's."), kinds=money,
            amount=float(orphan.sum()), channels=", ".join(map(str, names))))
    cost = channel["cac"].fillna(0.0)
    for col in cohorts.segment_cols:
        if col == channel_col:
            continue
        cross = sizes.groupby([col, channel_col, "cohort"])["customers"].sum().to_frame()
        unit = cost.reindex(
            pd.MultiIndex.from_arrays([cross.index.get_level_values(1),
                                       cross.index.get_level_values(2)])
        ).to_numpy()
        cross["spend"] = cross["customers"] * unit
        frame = cross.groupby(level=[0, 2])[["customers", "spend"]].sum()
        frame.index = frame.index.set_names([col, "cohort"])
        segments[col] = _ratio(frame["customers"], frame["spend"], forming)
    return CACTable(overall, segments, "spend", channel_col, tuple(notes))


def _last_complete(cohorts: Cohorts) -> int:
    """The last period whose end is on or before the observation end."""
    return last_complete(cohorts.observation_end, cohorts.period)


def _flat(customers: pd.Series, flat: float, forming: set[int]) -> pd.DataFrame:
    frame = customers.to_frame("customers")
    cohort = _cohort_level(frame.index)
    frame["cac"] = np.where(np.isin(cohort, list(forming)), np.nan, flat)
    frame["spend"] = frame["cac"] * frame["customers"]
    frame["basis"] = np.where(np.isin(cohort, list(forming)), "forming", "flat")
    return frame[["customers", "spend", "cac", "basis"]]


def _ratio(customers: pd.Series, spend: pd.Series, forming: set[int]) -> pd.DataFrame:
    frame = customers.to_frame("customers")
    frame["spend"] = spend.to_numpy(dtype="float64")
    cohort = _cohort_level(frame.index)
    is_forming = np.isin(cohort, list(forming))
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["cac"] = np.where(is_forming, np.nan, frame["spend"] / frame["customers"])
    frame["basis"] = np.where(is_forming, "forming",
                              np.where(frame["spend"] > 0, "spend", "no spend"))
    return frame[["customers", "spend", "cac", "basis"]]


def _cohort_level(index: pd.Index) -> np.ndarray:
    if isinstance(index, pd.MultiIndex):
        return index.get_level_values("cohort").to_numpy()
    return index.to_numpy()


def _channel_column(cohorts: Cohorts, spend: Spend) -> str | None:
    """The segment column sharing the most values with the spend table's channels."""
    if not spend.by_channel:
        return None
    channels = set(spend.table["channel"])
    best, overlap = None, 0
    for col in cohorts.segment_cols:
        values = set(cohorts.sizes[col]) | set(cohorts.folded.get(col, ()))
        shared = len(channels & values)
        if shared > overlap:
            best, overlap = col, shared
    return best
