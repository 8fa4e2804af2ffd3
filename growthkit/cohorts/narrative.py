"""The words of the cohort report: the summary, section sentences, formatted tables and the JSON.

Each function takes a :class:`~growthkit.cohorts.analysis.CohortAnalysis`, whose numbers stay
unformatted; every sentence is built from the numbers it states, and a sentence whose fact does
not hold is not shown. Data-derived strings (segment values and column names, the currency,
the source, notes) pass :func:`growthkit.formatting.escape` on their way into Markdown; tables
are DataFrames, which pandas escapes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthkit.cohorts.payback import (
    HORIZONS,
    RULE_OF_THUMB,
    average_payback,
    payback_periods,
)
from growthkit.cohorts.periods import last_complete, period_end, period_label, period_of
from growthkit.cohorts.table import Cohorts
from growthkit.formatting import escape, money, package_versions, percent

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortAnalysis

__all__ = [
    "CLOSE",
    "MODEL_LABELS",
    "NO_CAC",
    "NO_MARGIN",
    "NO_SEGMENTS",
    "backtest_markdown",
    "backtest_table",
    "cohorts_table",
    "data_markdown",
    "export_markdown",
    "folded_note",
    "headline",
    "ltv_cac_markdown",
    "ltv_cac_table",
    "margin_markdown",
    "metrics",
    "no_backtest_note",
    "overview_table",
    "projection_markdown",
    "retention_markdown",
    "segments_markdown",
    "segments_table",
    "summary_markdown",
    "unassigned_notes",
    "when",
]

#: A backtest bias within this share reads as "close".
CLOSE = 0.05
#: How the report names each projection model.
MODEL_LABELS = {"curve": "margin-curve", "bgnbd": "BG/NBD"}
#: Note when neither gross_margin nor margin_col is given on the user's data.
NO_MARGIN = (
    "No margin was given (gross_margin or margin_col), so margin is the whole revenue (100%) "
    "and payback and LTV:CAC are overstated; set gross_margin (e.g. 0.4) or margin_col."
)
#: Note when neither spend_data nor cac is given on the user's data.
NO_CAC = (
    "Payback and LTV:CAC are skipped: no acquisition cost was given (set spend_data to a table "
    "of period, channel and spend, or cac to one cost per customer)."
)
#: Note when no segment column is given on the user's data.
NO_SEGMENTS = (
    "The segment breakdown is skipped: no segment column was given (set segment_col to "
    "columns such as channel, first product category or a discounted-first-order flag, "
    "comma-separated)."
)


def folded_note(column: str, limit: int) -> str:
    """Note for a segment column with too many values to show each."""
    return (
        f"Segment column {column!r} has more than {limit} values: the {limit - 1} with most "
        "customers are shown and the rest are folded into (other)."
    )


def no_backtest_note(period: str) -> str:
    """Note when the data are too short to hold a backtest."""
    return (
        f"The data are too short to backtest the projection (it needs at least four complete "
        f"{period}s after the first cohort's), so the projection has no interval."
    )


def unassigned_notes(cohorts: Cohorts) -> list[str]:
    """Notes on refunds that belong to no cohort."""
    u, out = cohorts.unassigned, []
    if u.get("refund_only_amount"):
        out.append(
            f"Refunds of {u['refund_only_amount']:,.2f} come from customers with no purchase "
            "in the data; they belong to no cohort and are left out."
        )
    if u.get("early_refund_amount"):
        out.append(
            f"Refunds of {u['early_refund_amount']:,.2f} are dated before their customer's "
            "first purchase; they belong to no cohort's period and are left out."
        )
    return out


# -- words ------------------------------------------------------------------------------------


def _money(a: CohortAnalysis, value: float) -> str:
    """Money for Markdown: the currency escaped."""
    return money(value, escape(a.currency))


def _units(period: str, n: float) -> str:
    return f"{n:,.0f} {period}{'' if n == 1 else 's'}"


def when(k: float, period: str) -> str:
    """``"in the month of acquisition"``, ``"1 month after acquisition"``, ...; plain text."""
    if k is None or not math.isfinite(k):
        return "not yet"
    if k == 0:
        return f"in the {period} of acquisition"
    return f"{_units(period, k)} after acquisition"


def _ratio(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.1f}:1"


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _observed_periods(a: CohortAnalysis) -> int:
    """Periods after acquisition the oldest cohort has been observed for."""
    return int(a.table.last_observed.max())


def _payback_phrase(a: CohortAnalysis, row: dict[str, Any] | pd.Series) -> str:
    """``3 months after acquisition`` or ``not yet after 22 months (projected: 30)``."""
    k = row["payback_period"]
    if _finite(k):
        return when(k, a.period)
    projected = row.get("projected_payback_period", np.nan)
    seen = _units(a.period, _observed_periods(a))
    if _finite(projected):
        return f"not yet after {seen} of data (projected: {when(projected, a.period)})"
    if a.projection is not None:
        return (f"not yet after {seen} of data, nor within the {a.projection.horizon} "
                f"{a.period}s projected")
    return f"not yet after {seen} of data"


def _payback_key(row: pd.Series) -> float:
    k = row["payback_period"]
    if _finite(k):
        return float(k)
    p = row["projected_payback_period"]
    return float(p) + 0.5 if _finite(p) else math.inf


def _ranked(a: CohortAnalysis, column: str) -> tuple[pd.DataFrame, list[str]]:
    """One segment column's values with a CAC, fastest payback first; and the free ones."""
    rows = a.segments.xs(column, level="segment_column")
    paid = rows[rows["cac"] > 0]
    free = [str(v) for v in rows.index[rows["cac"] == 0]]
    order = sorted(paid.index, key=lambda v: (_payback_key(paid.loc[v]), str(v)))
    return paid.loc[order], free


def _summary_column(a: CohortAnalysis) -> str | None:
    if not len(a.segments):
        return None
    return a.channel_col or a.cohorts.segment_cols[0]


def summary_markdown(a: CohortAnalysis) -> str:
    """Which channels pay back and how fast, LTV:CAC against 3:1, how far to trust the
    projection, and the right edge of the data.

    Parameters
    ----------
    a : CohortAnalysis

    Returns
    -------
    str
        Markdown paragraphs.
    """
    parts = [_payback_paragraph(a)]
    if a.cac is not None:
        parts.append(ltv_cac_markdown(a))
    parts.append(f"**How far to trust the projection.** {_trust_sentences(a)}")
    parts.append(_edge_sentence(a))
    parts.extend(f"*Note:* {escape(note)}" for note in a.notes)
    return "\n\n".join(parts)


def _payback_paragraph(a: CohortAnalysis) -> str:
    o, p = a.overall, a.period
    if a.cac is None:
        h = 12 if _finite(o["ltv_12"]) else 6
        if not _finite(o[f"ltv_{h}"]):
            return "**Payback.** No acquisition cost was given, so payback is not shown."
        return (
            f"**Payback.** No acquisition cost was given, so payback is not shown. A customer "
            f"brings {_money(a, o[f'ltv_{h}'])} of gross margin in their first {h} {p}s on "
            f"average ({o[f'cohorts_{h}']} cohorts observed that long)."
        )
    text = (
        f"**Payback.** Across all customers, the average one earns back its acquisition cost "
        f"({_money(a, o['cac'])}) {_payback_phrase(a, o)}."
    )
    column = _summary_column(a)
    if column is None:
        return text
    paid, free = _ranked(a, column)
    if len(paid):
        first = paid.index[0]
        text += (
            f" By {escape(column)}, **{escape(first)}** customers pay back fastest: "
            f"{_payback_phrase(a, paid.iloc[0])} (CAC {_money(a, paid.iloc[0]['cac'])})"
        )
        rest = [f"{escape(v)} {_payback_phrase(a, paid.loc[v])}" for v in paid.index[1:]]
        text += f"; then {'; '.join(rest)}." if rest else "."
    if free:
        text += (
            f" Customers from {', '.join(escape(v) for v in free)} came with no recorded spend "
            "(CAC 0)."
        )
    for other in a.cohorts.segment_cols:
        if other == column:
            continue
        ranked, _ = _ranked(a, other)
        if len(ranked) >= 2:
            text += (
                f" By {escape(other)}: {escape(ranked.index[0])} pays back fastest "
                f"({_payback_phrase(a, ranked.iloc[0])}), {escape(ranked.index[-1])} "
                f"slowest ({_payback_phrase(a, ranked.iloc[-1])})."
            )
    return text


def ltv_cac_markdown(a: CohortAnalysis) -> str:
    """LTV:CAC at 12 (or 6) periods and projected at 24, against the 3:1 rule of thumb."""
    o, p = a.overall, a.period
    if a.cac is None:
        return "LTV:CAC is not shown: no acquisition cost was given."
    parts = []
    h = 12 if _finite(o["ltv_cac_12"]) else 6
    if _finite(o[f"ltv_cac_{h}"]):
        r = o[f"ltv_cac_{h}"]
        side = "above" if r >= RULE_OF_THUMB else "below"
        parts.append(
            f"**LTV:CAC.** At {h} {p}s, LTV:CAC is **{_ratio(r)}** over the "
            f"{o[f'cohorts_{h}']} cohorts observed that long, {side} the "
            f"{RULE_OF_THUMB:.0f}:1 rule of thumb."
        )
    elif o["cac"] == 0:
        parts.append("**LTV:CAC.** No spend was recorded, so LTV:CAC has no finite value.")
    else:
        parts.append(f"**LTV:CAC.** No cohort has been observed for 6 {p}s yet.")
    r24 = o["projected_ltv_cac_24"]
    if _finite(r24):
        text = f"Projected to 24 {p}s for all {o['cohorts']} complete cohorts it is {_ratio(r24)}"
        band = _projected_ratio_interval(a, 24)
        if band is not None:
            text += (f" ({percent(a.projection.level, 0)} interval {_ratio(band[0])} to "
                     f"{_ratio(band[1])}")
            if band[1] < r24:
                text += ", below the projection itself: in the backtest the projections ran high"
            elif band[0] > r24:
                text += ", above the projection itself: in the backtest the projections ran low"
            text += ")"
        parts.append(text + ".")
    column = _summary_column(a)
    if column is not None and _finite(r24):
        rows = a.segments.xs(column, level="segment_column")
        rows = rows[rows["cac"] > 0]
        ratios = rows["projected_ltv_cac_24"]
        above = [str(v) for v in ratios.index[ratios >= RULE_OF_THUMB]]
        if len(ratios) and not above:
            parts.append(
                f"No {escape(column)} value clears {RULE_OF_THUMB:.0f}:1 at 24 {p}s (best: "
                f"{escape(ratios.idxmax())} at {_ratio(ratios.max())})."
            )
        elif above:
            only = "Only " if len(above) == 1 else ""
            parts.append(
                f"{only}{', '.join(f'{escape(v)} ({_ratio(ratios[v])})' for v in above)} "
                f"clear{'s' if len(above) == 1 else ''} {RULE_OF_THUMB:.0f}:1 at 24 {p}s."
            )
    return " ".join(parts)


def _projected_ratio_interval(a: CohortAnalysis, h: int) -> tuple[float, float] | None:
    """The interval of projected LTV:CAC at h: the cohorts' bounds added up (their errors
    move together: one model serves all), over the complete cohorts."""
    proj = a.projection
    if proj is None or proj.level is None or a.cac is None or not a.overall["cac"] > 0:
        return None
    t = a.table
    ok = t.complete
    cum = proj.cumulative[:, h - 1]
    low = np.where(proj.projected[:, h - 1], proj.low[:, h - 1], cum)
    high = np.where(proj.projected[:, h - 1], proj.high[:, h - 1], cum)
    if np.isnan(low[ok]).any():
        return None
    n = t.customers[ok]
    cost = a.overall["cac"]
    return (float((low[ok] * n).sum() / n.sum() / cost),
            float((high[ok] * n).sum() / n.sum() / cost))


def _trust_sentences(a: CohortAnalysis) -> str:
    b = a.backtest
    if b is None:
        return (
            "The data are too short to test the projection on periods it did not see, so it "
            "has no interval: treat it as a rough guide."
        )
    m = b.models.loc[b.chosen]
    label = MODEL_LABELS[b.chosen]
    bias = m["bias"]
    direction = "over" if bias > 0 else "under"
    text = (
        f"Fitted on data up to {b.cutoff.isoformat()} and compared with the "
        f"{_units(a.period, m['max_ahead'])} that followed, the {label} projection of "
        f"cumulative margin per customer was off by **{percent(m['mape'])}** on average "
        f"(size-weighted over {int(m['cohorts'])} cohorts), {direction}-projecting by "
        f"{percent(abs(bias))} in total"
    )
    if _finite(m["ltv_mape"]):
        text += f"; its 12-{a.period} LTV was off by {percent(m['ltv_mape'])}"
    text += ". "
    if bias > CLOSE:
        text += "Read the projections as optimistic by about that much."
    elif bias < -CLOSE:
        text += "Read the projections as conservative by about that much."
    else:
        text += "It tracked what happened closely."
    others = b.models.drop(index=b.chosen)
    if len(others):
        versus = ", ".join(f"the {MODEL_LABELS[name]} model's {percent(r['mape'])}"
                           for name, r in others.iterrows())
        text += f" It was chosen for the lower backtest error (against {versus})."
    return text


def _edge_sentence(a: CohortAnalysis) -> str:
    end, p = a.observation_end, a.period
    current = period_of(end, p)
    if period_end(current, p) == end:
        return (
            f"**Right edge.** Data end on {end.isoformat()}, the last day of a {p}: every "
            "period up to it is complete."
        )
    label = period_label(current, p)
    return (
        f"**Right edge.** Data end on {end.isoformat()}, before the {p} {label} ended: its "
        f"cells are unobserved (null, not 0) and the {label} cohort is still forming, so they "
        "are left out of every average."
    )


def data_markdown(a: CohortAnalysis) -> str:
    """Where the orders came from, the rules applied, and what to check in the data."""
    o, q = a.overview, a.data_quality
    margin = (
        f"each order's margin from column {escape(a.parameters['margin_col'])}"
        if a.cohorts.margin_basis == "column"
        else f"a gross margin of {percent(a.cohorts.gross_margin, 0)} of revenue"
    )
    text = (
        f"{o['orders']:,} orders of {o['customers']:,} customers from "
        f"{escape(o['first_date'])} to {escape(o['last_date'])}, read from "
        f"{escape(a.parameters['data'])}, in calendar {a.period}s of time zone "
        f"{escape(a.parameters['timezone'])}, with {margin}. A customer's cohort is the "
        f"{a.period} of their first purchase. Refunds (negative amounts) net within the "
        f"{a.period} they are dated in; a {a.period} with refunds only does not count as "
        "activity."
    )
    if o["orders_after_observation_end"]:
        text += f" Orders after the observation end ({a.observation_end}) are left out."
    if q.refunds:
        text += (
            f" {q.refunds:,} orders are refunds ({escape(money(q.refund_total, a.currency))} "
            f"in total)."
        )
    # The validation's refund finding states the day rule of purchase counts; here the
    # period rule above applies, so that finding is replaced by the sentence above.
    warnings = [w for w in q.warnings() if "negative amount" not in w]
    if not warnings:
        return text
    items = "\n".join(f"- {escape(w)}" for w in warnings)
    return f"{text}\n\n**Data quality:**\n\n{items}"


def overview_table(a: CohortAnalysis) -> pd.DataFrame:
    """The data at a glance, one formatted value per row."""
    o, t = a.overview, a.table
    rows = {
        "Source": a.parameters["data"],
        "Orders": f"{o['orders']:,}",
        "Customers in cohorts": f"{o['customers']:,}",
        "First order": o["first_date"],
        "Observation end": a.observation_end.isoformat(),
        "Cohorts (complete)": f"{len(t.cohorts)} ({int(t.complete.sum())})",
        "Revenue (refunds netted)": money(o["revenue"], a.currency),
        "Gross margin": money(o["margin"], a.currency),
        "Refunds": f"{a.data_quality.refunds:,} ({money(a.data_quality.refund_total, a.currency)})",
    }
    if a.cac is not None:
        rows["Acquisition cost"] = (
            f"spend table {a.parameters['spend_data']}" if a.cac.source == "spend"
            else f"flat {money(a.parameters['cac'], a.currency)} per customer"
        )
    return pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name=""))


def retention_markdown(a: CohortAnalysis) -> str:
    """Under the heatmap: what a cell is, the unobserved cells, and the averages."""
    t, p = a.table, a.period
    avg = t.average(t.retention())
    unobserved = int((~t.observed).sum() - _beyond(t))
    text = (
        f"A cell is the share of the cohort's customers who bought in that {p} (k {p}s after "
        f"the {p} of their first purchase; k = 0 is 100%). **Hatched cells are unobserved**: "
        f"their {p} had not ended by {a.observation_end.isoformat()}, so they are null, not "
        "0, and are left out of every average. Averages weight each cohort by its size, over "
        "the cohorts observed at that k."
    )
    if unobserved:
        text += f" {unobserved} cell(s) at the right edge are unobserved."
    shown = [k for k in (1, 6, 12) if k < t.ages and _finite(avg[k])]
    if shown:
        items = ", ".join(f"{percent(avg[k])} after {_units(p, k)}" for k in shown)
        text += f" Average retention: {items}."
    return text


def _beyond(t: Any) -> int:
    """Cells past the last period of the data (not shown in the heatmap)."""
    ends = t.cohorts[:, None] + np.arange(t.ages)[None, :]
    return int((ends > period_of(t.observation_end, t.period)).sum())


def margin_markdown(a: CohortAnalysis) -> str:
    """Cumulative margin per acquired customer against CAC, in words."""
    t, p = a.table, a.period
    if a.cac is None:
        cum = t.average(t.cumulative_margin_per_customer())
        k = min(11, len(cum) - 1)
        return (
            f"Cumulative gross margin per acquired customer (divided by everyone acquired, not "
            f"by those still buying): {_money(a, cum[k])} after {_units(p, k + 1)} on average. "
            "No acquisition cost was given, so there is no CAC line."
        )
    cac = a.cac.for_cohorts(t.cohorts)
    k, curve = average_payback(t, cac)
    text = (
        "Cumulative gross margin per acquired customer, divided by everyone the cohort "
        "acquired (never by those still buying, which would inflate it), against what a "
        "customer cost to acquire. "
    )
    if _finite(k):
        text += (
            f"The average customer's curve crosses its CAC line {when(k, p)} "
            f"({_money(a, curve.loc[int(k), 'cumulative_margin_per_customer'])} against "
            f"{_money(a, curve.loc[int(k), 'cac'])})."
        )
    else:
        last = curve.dropna().index.max()
        text += (
            f"The average customer's curve has not crossed its CAC line after {_units(p, last)}"
            f" ({_money(a, curve.loc[last, 'cumulative_margin_per_customer'])} against "
            f"{_money(a, curve.loc[last, 'cac'])})."
        )
    return text


def _period_cell(value: float) -> str:
    return f"{value:.0f}" if _finite(value) else "not yet"


def cohorts_table(a: CohortAnalysis) -> pd.DataFrame:
    """Per cohort: customers, CAC, payback and LTV:CAC (actual, then projected), formatted."""
    s = a.cohort_summary
    p = a.period
    out = pd.DataFrame(index=s.index)
    out["Customers"] = s["customers"].map("{:,}".format)
    out.loc[~s["complete"], "Customers"] += " (forming)"
    if a.cac is not None:
        out["CAC"] = [money(v, a.currency) if _finite(v) else "–" for v in s["cac"]]
        out["CAC from"] = s["cac_basis"]
        out[f"Payback ({p}s)"] = [_period_cell(v) for v in s["payback_period"]]
        out["Projected payback"] = [
            "–" if _finite(v) else _period_cell(pp)
            for v, pp in zip(s["payback_period"], s["projected_payback_period"], strict=True)
        ]
        for h in HORIZONS:
            out[f"LTV:CAC {h}"] = [_ratio(v) for v in s[f"ltv_cac_{h}"]]
    for h in HORIZONS:
        out[f"LTV {h}"] = [money(v, a.currency) if _finite(v) else "–" for v in s[f"ltv_{h}"]]
    out["Projected LTV 24"] = [money(v, a.currency) if _finite(v) else "–"
                               for v in s["projected_ltv_24"]]
    return out


def segments_markdown(a: CohortAnalysis) -> str:
    """Per segment column: the fastest and the slowest payback (or the best LTV)."""
    if not len(a.segments):
        return escape(next((n for n in a.notes if n == NO_SEGMENTS), NO_SEGMENTS))
    lines = []
    for column in a.cohorts.segment_cols:
        if a.cac is not None:
            ranked, free = _ranked(a, column)
            if len(ranked) >= 2:
                lines.append(
                    f"- **{escape(column)}**: {escape(ranked.index[0])} pays back fastest "
                    f"({_payback_phrase(a, ranked.iloc[0])}), "
                    f"{escape(ranked.index[-1])} slowest "
                    f"({_payback_phrase(a, ranked.iloc[-1])})."
                )
            elif len(ranked) == 1:
                lines.append(
                    f"- **{escape(column)}**: {escape(ranked.index[0])} pays back "
                    f"{_payback_phrase(a, ranked.iloc[0])}."
                )
            if free:
                lines.append(f"  {', '.join(escape(v) for v in free)}: no recorded spend.")
            continue
        rows = a.segments.xs(column, level="segment_column")
        key = "ltv_12" if rows["ltv_12"].notna().any() else "ltv_6"
        if rows[key].notna().sum() >= 2:
            best, worst = rows[key].idxmax(), rows[key].idxmin()
            lines.append(
                f"- **{escape(column)}**: {escape(best)} customers bring the most margin in "
                f"their first {key.split('_')[1]} {a.period}s ({_money(a, rows.loc[best, key])}"
                f"), {escape(worst)} the least ({_money(a, rows.loc[worst, key])})."
            )
    return "\n".join(lines) or "Each segment column has a single value."


def segments_table(a: CohortAnalysis) -> pd.DataFrame:
    """Per segment value: customers, CAC, payback, retention and LTV:CAC, formatted."""
    s = a.segments
    p = a.period
    out = pd.DataFrame(index=s.index.set_names(["Segment column", "Segment"]))
    out["Customers"] = s["customers"].map("{:,.0f}".format).to_numpy()
    out[f"Retention after 1 {p}"] = [percent(v) for v in s["retention_1"]]
    if a.cac is not None:
        out["CAC"] = [money(v, a.currency) for v in s["cac"]]
        out[f"Payback ({p}s)"] = [_period_cell(v) for v in s["payback_period"]]
        out["Projected payback"] = [
            "–" if _finite(v) else _period_cell(pp)
            for v, pp in zip(s["payback_period"], s["projected_payback_period"], strict=True)
        ]
        out["LTV:CAC 12"] = [_ratio(v) for v in s["ltv_cac_12"]]
        out["Projected LTV:CAC 24"] = [_ratio(v) for v in s["projected_ltv_cac_24"]]
    out["LTV 12"] = [money(v, a.currency) if _finite(v) else "–" for v in s["ltv_12"]]
    out["Projected LTV 24"] = [money(v, a.currency) if _finite(v) else "–"
                               for v in s["projected_ltv_24"]]
    return out


def projection_markdown(a: CohortAnalysis) -> str:
    """What the projection says, which model made it and what its interval means."""
    proj, p = a.projection, a.period
    if proj is None:
        return "There is no projection: " + escape(
            next((n for n in a.notes if n.startswith("No projection")), "see the notes.")
        )
    o = a.overall
    text = (
        f"Each cohort's cumulative margin per customer, actual to {proj.start.isoformat()} "
        f"(solid) and projected by the {MODEL_LABELS[proj.model]} model to {proj.horizon} "
        f"{p}s (dashed). Averaged over the {o['cohorts']} complete cohorts, a customer is "
        f"projected to bring {_money(a, o['projected_ltv_12'])} of margin in 12 {p}s and "
        f"{_money(a, o['projected_ltv_24'])} in 24."
    )
    if proj.level is not None:
        text += (
            f" The shaded band is a {percent(proj.level, 0)} interval from the backtest: the "
            "spread of actual over projected values the same number of periods ahead. Beyond "
            "the backtest's reach it is widened by the square root of the distance and is "
            "itself a projection."
        )
    return text


def backtest_markdown(a: CohortAnalysis) -> str:
    """The backtest in a few sentences (or why there is none)."""
    b = a.backtest
    if b is None:
        return escape(no_backtest_note(a.period))
    return (
        f"The models were fitted on the data up to {b.cutoff.isoformat()} only, then their "
        "projections were compared with what the cohorts actually earned after it. "
        + _trust_sentences(a)
    )


def backtest_table(a: CohortAnalysis) -> pd.DataFrame | None:
    """Per model: error over all test cells, at each cohort's furthest period, at 12 periods."""
    b = a.backtest
    if b is None:
        return None
    m = b.models
    out = pd.DataFrame(index=pd.Index([MODEL_LABELS[i] for i in m.index], name="model"))
    out["Used"] = ["yes" if i == b.chosen else "" for i in m.index]
    out["Cohorts"] = m["cohorts"].to_numpy()
    out["Cells"] = m["cells"].to_numpy()
    out["Mean abs. error"] = [percent(v) for v in m["mape"]]
    out["Bias (total)"] = [percent(v, signed=True) for v in m["bias"]]
    out["Error at furthest point"] = [percent(v) for v in m["last_mape"]]
    out[f"Error of 12-{a.period} LTV"] = [percent(v) for v in m["ltv_mape"]]
    out["Periods ahead (max)"] = m["max_ahead"].to_numpy()
    return out


def ltv_cac_table(a: CohortAnalysis) -> pd.DataFrame:
    """LTV and LTV:CAC at 6, 12 and 24 periods: actual (cohorts observed that long) and
    projected (every complete cohort), overall and per segment value."""
    rows = {("all customers", ""): a.overall}
    for key, row in a.segments.iterrows():
        rows[key] = row.to_dict()
    out = []
    for (column, value), r in rows.items():
        item: dict[str, Any] = {"Segment column": column, "Segment": value}
        if a.cac is not None:
            item["CAC"] = money(r["cac"], a.currency)
        for h in HORIZONS:
            item[f"LTV {h}"] = money(r[f"ltv_{h}"], a.currency)
            if a.cac is not None:
                item[f"LTV:CAC {h}"] = _ratio(r[f"ltv_cac_{h}"])
            item[f"Cohorts {h}"] = int(r[f"cohorts_{h}"])
        for h in (12, 24):
            item[f"Projected LTV {h}"] = money(r[f"projected_ltv_{h}"], a.currency)
            if a.cac is not None:
                item[f"Projected LTV:CAC {h}"] = _ratio(r[f"projected_ltv_cac_{h}"])
        if a.cac is not None:
            best = r["projected_ltv_cac_24"] if _finite(r["projected_ltv_cac_24"]) else (
                r["ltv_cac_12"])
            item[f"vs {RULE_OF_THUMB:.0f}:1 (projected 24, else 12)"] = (
                "n/a" if not _finite(best) else "above" if best >= RULE_OF_THUMB else "below"
            )
        out.append(item)
    return pd.DataFrame(out).set_index(["Segment column", "Segment"])


def export_markdown(a: CohortAnalysis) -> str:
    """Where the cohort table's CSV was written (next to the report), or that none was."""
    path = a.parameters.get("cohorts_csv")
    if not path:
        return "No CSV was written (cohorts_csv is None)."
    rows = len(a.table.long()) + sum(len(t.long()) for t in a.segment_tables.values())
    return (
        f"The cohort table is in **{escape(path)}**, next to this report: {rows:,} rows, one "
        "per observed cell, for all customers (empty segment columns) and then for each "
        "segment value, with retention, revenue, margin, cumulative margin per customer and "
        "the cohort's CAC."
    )


# -- JSON ---------------------------------------------------------------------------------------


def _num(value: Any) -> Any:
    """A JSON-safe number: NaN and infinities as None, numpy scalars as Python ones."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _list(values: np.ndarray) -> list[Any]:
    return [_num(float(v)) for v in values]


def _cells(t: Any, i: int, values: np.ndarray) -> list[Any]:
    """Cohort i's row from k = 0 to the period holding the observation end."""
    width = min(t.ages, period_of(t.observation_end, t.period) - int(t.cohorts[i]) + 1)
    return _list(values[i, :width])


def _figures(row: dict[str, Any] | pd.Series) -> dict[str, Any]:
    return {key: _num(float(v) if isinstance(v, int | float | np.number) else v)
            for key, v in dict(row).items()}


def headline(a: CohortAnalysis) -> dict[str, str]:
    """Label -> formatted value, for the landing page."""
    o, p = a.overall, a.period
    out: dict[str, str] = {"Customers": f"{o['customers']:,.0f}"}
    if a.cac is not None:
        out["Payback (average customer)"] = (
            _payback_phrase(a, o).replace(" after acquisition", "")
        )
        column = _summary_column(a)
        if column is not None:
            paid, _ = _ranked(a, column)
            if len(paid):
                out[f"Fastest payback ({column})"] = str(paid.index[0])
        if _finite(o["ltv_cac_12"]):
            out[f"LTV:CAC 12 {p}s"] = _ratio(o["ltv_cac_12"])
        if _finite(o["projected_ltv_cac_24"]):
            out[f"LTV:CAC 24 {p}s (projected)"] = _ratio(o["projected_ltv_cac_24"])
    elif _finite(o["ltv_12"]):
        out[f"Margin per customer, 12 {p}s"] = money(o["ltv_12"], a.currency)
    if a.backtest is not None:
        out["Projection error (backtest)"] = percent(a.backtest.models.loc[a.backtest.chosen,
                                                                           "mape"])
    return out


def _ltv_block(a: CohortAnalysis, row: dict[str, Any], interval: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for h in HORIZONS:
        out[str(h)] = {
            "cohorts": int(row[f"cohorts_{h}"]),
            "ltv": _num(row[f"ltv_{h}"]),
            "cac": _num(row["cac"]),
            "ratio": _num(row[f"ltv_cac_{h}"]),
        }
    for h in (12, 24):
        out[str(h)]["projected_ltv"] = _num(row[f"projected_ltv_{h}"])
        out[str(h)]["projected_ratio"] = _num(row[f"projected_ltv_cac_{h}"])
        if interval:
            band = _projected_ratio_interval(a, h)
            out[str(h)]["projected_ratio_interval"] = (
                None if band is None else [_num(band[0]), _num(band[1])]
            )
    return out


def metrics(a: CohortAnalysis) -> dict[str, Any]:
    """The report's JSON (see :meth:`CohortAnalysis.metrics`)."""
    t, s = a.table, a.cohort_summary
    retention, rev_ret = t.retention(), t.revenue_retention()
    cum = t.cumulative_margin_per_customer()
    cohorts = []
    for i, label in enumerate(t.labels):
        r = s.loc[label]
        cohorts.append({
            "cohort": label,
            "customers": int(r["customers"]),
            "complete": bool(r["complete"]),
            "cac": _num(float(r["cac"])),
            "cac_basis": r["cac_basis"],
            "retention": _cells(t, i, retention),
            "revenue_retention": _cells(t, i, rev_ret),
            "cumulative_margin_per_customer": _cells(t, i, cum),
            "payback_period": _num(float(r["payback_period"])),
            "projected_payback_period": _num(float(r["projected_payback_period"])),
            "ltv_cac": {str(h): _num(float(r[f"ltv_cac_{h}"])) for h in HORIZONS},
        })
    averages = {
        "retention": _list(t.average(retention)),
        "revenue_retention": _list(t.average(rev_ret)),
        "cumulative_margin_per_customer": _list(t.average(cum)),
        "customers": _list(t.observed_customers().astype("float64")),
    }
    segments: dict[str, Any] = {}
    for (column, value), table in a.segment_tables.items():
        row = a.segments.loc[(column, value)].to_dict()
        seg_cac = a.cac.for_cohorts(table.cohorts, column, value) if a.cac else None
        seg_payback = None
        if seg_cac is not None:
            seg_payback = payback_periods(table.cumulative_margin_per_customer(), seg_cac)
        segments.setdefault(column, {})[value] = {
            **_figures(row),
            "retention": _list(table.average(table.retention())),
            "cumulative_margin_per_customer": _list(
                table.average(table.cumulative_margin_per_customer())
            ),
            "by_cohort": [
                {"cohort": label, "customers": int(table.customers[j]),
                 "cac": None if seg_cac is None else _num(float(seg_cac[j])),
                 "payback_period": None if seg_payback is None else _num(float(seg_payback[j]))}
                for j, label in enumerate(table.labels)
            ],
        }
    ltv = {
        "rule_of_thumb": RULE_OF_THUMB,
        "horizons": list(HORIZONS),
        "overall": _ltv_block(a, a.overall, interval=True),
        "segments": {
            column: {value: _ltv_block(a, a.segments.loc[(column, value)].to_dict(), False)
                     for value in a.cohorts.segment_values(column)}
            for column in a.cohorts.segment_cols
        },
    } if a.cac is not None else None
    out: dict[str, Any] = {
        "period": a.period,
        "cohorts": cohorts,
        "averages": averages,
        "segments": segments,
        "ltv_cac": ltv,
        "projection": _projection_json(a),
        "backtest": _backtest_json(a),
        "customers": a.overview["customers"],
        "orders": a.overview["orders"],
        "revenue": a.overview["revenue"],
        "margin": a.overview["margin"],
        "observation_end": a.observation_end.isoformat(),
        "last_complete_period": period_label(last_complete(a.observation_end, a.period),
                                             a.period),
        "currency": a.currency,
        "margin_basis": a.cohorts.margin_basis,
        "gross_margin": a.cohorts.gross_margin,
        "cac_source": a.cac.source if a.cac is not None else None,
        "channel_col": a.channel_col,
        "payback_period": _num(a.overall["payback_period"]),
        "projected_payback_period": _num(a.overall["projected_payback_period"]),
        "overall": _figures(a.overall),
        "summary": summary_markdown(a),
        "headline": headline(a),
        "data_quality": a.data_quality.to_dict(),
        "notes": list(a.notes),
        "parameters": dict(a.parameters),
        "versions": package_versions(),
    }
    return out


def _projection_json(a: CohortAnalysis) -> dict[str, Any] | None:
    proj = a.projection
    if proj is None:
        return None
    t = proj.table
    details = {k: (_list(v) if isinstance(v, np.ndarray) else
                   {str(m): _num(f) for m, f in v.items()} if isinstance(v, dict) else _num(v))
               for k, v in proj.details.items()}
    rows = []
    for i, label in enumerate(t.labels):
        if not t.complete[i]:
            continue
        first = int(t.last_observed[i]) + 1
        rows.append({
            "cohort": label,
            "projected_from": first if first < proj.horizon else None,
            "cumulative_margin_per_customer": _list(proj.cumulative[i]),
            "low": _list(proj.low[i]),
            "high": _list(proj.high[i]),
        })
    return {
        "model": proj.model,
        "chosen_by": "backtest" if a.backtest is not None else "default",
        "start": proj.start.isoformat(),
        "horizon": proj.horizon,
        "level": proj.level,
        "details": details,
        "ltv_12": _num(a.overall["projected_ltv_12"]),
        "ltv_24": _num(a.overall["projected_ltv_24"]),
        "cohorts": rows,
    }


def _backtest_json(a: CohortAnalysis) -> dict[str, Any] | None:
    b = a.backtest
    if b is None:
        return None
    return {
        "cutoff": b.cutoff.isoformat(),
        "chosen": b.chosen,
        "level": b.level,
        "models": {name: _figures(row) for name, row in b.models.iterrows()},
        "by_horizon": {
            name: [{"h": int(h), **_figures(r)} for h, r in b.by_horizon(name).iterrows()]
            for name in b.models.index
        },
        "band": [{"h": int(h), **_figures(r)} for h, r in b.band().iterrows()],
        "failures": dict(b.failures),
    }
