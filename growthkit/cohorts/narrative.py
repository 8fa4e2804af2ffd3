"""The words of the cohort report: the summary and the section sentences (no tables, no numbers).

Each function takes a :class:`~growthkit.cohorts.CohortsAnalysis`, whose numbers stay
unformatted; every sentence is built from the numbers it states, and a sentence whose fact does
not hold is not shown. Every word goes through the analysis' :class:`~growthkit.i18n.Language`
(``a.lang``, the ``cohorts`` catalog): messages are ``gettext`` ids with ``str.format``
placeholders, numbers, shares, money and dates are formatted by Babel for the report's locale
and digits. Data-derived strings (segment values and column names, the source, the time zone)
pass ``a.lang.data`` (escaped and bidi-isolated) on their way into Markdown. Notes are
:class:`~growthkit.notes.Note` codes, rendered here (:func:`note_markdown`). The formatted
tables are in :mod:`growthkit.cohorts.tables`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthkit.cohorts import messages
from growthkit.cohorts.display import (
    CLOSE,
    backtest_markdown,
    note_markdown,
    projection_markdown,
    trust_sentences,
)
from growthkit.cohorts.messages import NO_CAC, NO_MARGIN, NO_SEGMENTS
from growthkit.cohorts.payback import RULE_OF_THUMB, average_payback
from growthkit.cohorts.periods import period_end, period_label, period_of
from growthkit.cohorts.segments import projected_ratio_band
from growthkit.cohorts.table import Cohorts
from growthkit.cohorts.tables import (
    BASIS_LABELS,
    MODEL_LABELS,
    backtest_table,
    cohorts_table,
    headline,
    ltv_cac_table,
    margin_given,
    md_money,
    model_label,
    overview_table,
    payback_phrase,
    ranked_values,
    ratio,
    segments_table,
    summary_column,
    units,
    when,
)
from growthkit.formatting import escape
from growthkit.i18n import Language, as_language
from growthkit.notes import Note
from growthkit.numeric import finite
from growthkit.plain_text import plain_text

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortsAnalysis

__all__ = [
    "BASIS_LABELS",
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
    "model_label",
    "no_backtest_note",
    "note_markdown",
    "overview_table",
    "projection_markdown",
    "ratio",
    "retention_markdown",
    "segments_markdown",
    "segments_table",
    "summary_markdown",
    "summary_text",
    "unassigned_notes",
    "units",
    "when",
]


def metrics(a: CohortsAnalysis) -> dict[str, Any]:
    """The report's JSON (kept for callers: :meth:`CohortsAnalysis.metrics`)."""
    return a.metrics()


# -- notes --------------------------------------------------------------------------------------

def folded_note(column: str, limit: int, language: Language | str = "en") -> str:
    """Note for a segment column with too many values to show each (plain text)."""
    return _note_text(messages.folded(column, limit), language)


def no_backtest_note(period: str, language: Language | str = "en") -> str:
    """Note when the data are too short to hold a backtest (plain text)."""
    return _note_text(messages.no_backtest(period), language)


def unassigned_notes(cohorts: Cohorts, language: Language | str = "en",
                     currency: str = "USD") -> list[str]:
    """Notes on refunds that belong to no cohort (plain text)."""
    return [_note_text(n, language) for n in messages.unassigned(cohorts.unassigned, currency)]


def _note_text(note: Note, language: Language | str) -> str:
    """A note as plain text in ``language`` (the ``cohorts`` catalog)."""
    lang = as_language(language, "cohorts")
    return Note(note.code, lang.gettext(note.message), kinds=note.kinds, **note.args).text(lang)


def summary_text(a: CohortsAnalysis) -> str:
    """The summary in English as plain text, for the JSON (the same in every language)."""
    english = dataclasses.replace(a, lang=as_language("en", "cohorts"))
    return plain_text(summary_markdown(english))


# -- sentences --------------------------------------------------------------------------------


def summary_markdown(a: CohortsAnalysis) -> str:
    """Which channels pay back and how fast, LTV:CAC against 3:1, how far to trust the
    projection, and the right edge of the data.

    Parameters
    ----------
    a : CohortsAnalysis

    Returns
    -------
    str
        Markdown paragraphs in the report's language.
    """
    L = a.lang
    parts = [_payback_paragraph(a)]
    if a.cac is not None:
        parts.append(ltv_cac_markdown(a))
    trust = (projection_markdown(a) if a.projection is None and a.backtest is None
             else trust_sentences(a))
    parts.append(L.gettext("**How far to trust the projection.** {text}").format(text=trust))
    parts.append(_edge_sentence(a))
    parts.extend(L.gettext("*Note:* {note}").format(note=note_markdown(L, note))
                 for note in a.notes)
    return "\n\n".join(parts)


def _payback_paragraph(a: CohortsAnalysis) -> str:
    o, p, L = a.overall, a.period, a.lang
    if a.cac is None:
        text = L.gettext("**Payback.** No acquisition cost was given, so payback is not shown.")
        h = 12 if finite(o["ltv_12"]) else 6
        if not finite(o[f"ltv_{h}"]):
            return text
        n = int(o[f"cohorts_{h}"])
        brings = L.ngettext(
            "A customer brings {amount} of gross margin in their first {span} on average "
            "({n} cohort observed that long).",
            "A customer brings {amount} of gross margin in their first {span} on average "
            "({n} cohorts observed that long).", n,
        ) if margin_given(a) else L.ngettext(
            "A customer brings {amount} of revenue in their first {span} on average ({n} "
            "cohort observed that long; no margin was given).",
            "A customer brings {amount} of revenue in their first {span} on average ({n} "
            "cohorts observed that long; no margin was given).", n,
        )
        return text + " " + brings.format(amount=md_money(a, o[f"ltv_{h}"]),
                                          span=units(L, p, h), n=L.number(n))
    parts = [L.gettext(
        "**Payback.** Across all customers, the average one earns back its acquisition cost "
        "({cac}) {when}."
    ).format(cac=md_money(a, o["cac"]), when=payback_phrase(a, o))]
    column = summary_column(a)
    if column is None:
        return parts[0]
    paid, free = ranked_values(a, column)
    if len(paid):
        parts.append(L.gettext(
            "By {column}, **{value}** customers pay back fastest: {when} (CAC {cac})."
        ).format(column=L.data(column), value=L.data(paid.index[0]),
                 when=payback_phrase(a, paid.iloc[0]), cac=md_money(a, paid.iloc[0]["cac"])))
        rest = [L.gettext("{value} {when}").format(value=L.data(v),
                                                   when=payback_phrase(a, paid.loc[v]))
                for v in paid.index[1:]]
        if rest:
            separator = L.pgettext("list", "; ")
            parts.append(L.gettext("Then: {rest}.").format(rest=separator.join(rest)))
    if free:
        parts.append(L.gettext("Customers from {names} came with no recorded spend (CAC 0)."
                               ).format(names=L.join([L.data(v) for v in free])))
    for other in a.cohorts.segment_cols:
        if other == column:
            continue
        ranked, _ = ranked_values(a, other)
        if len(ranked) >= 2:
            parts.append(_fastest_slowest(a, other, ranked, L.gettext(
                "By {column}: {fast} pays back fastest ({fast_when}), {slow} slowest "
                "({slow_when}).")))
    return " ".join(parts)


def _fastest_slowest(a: CohortsAnalysis, column: str, ranked: pd.DataFrame, message: str) -> str:
    L = a.lang
    return message.format(
        column=L.data(column), fast=L.data(ranked.index[0]),
        fast_when=payback_phrase(a, ranked.iloc[0]), slow=L.data(ranked.index[-1]),
        slow_when=payback_phrase(a, ranked.iloc[-1]),
    )


def ltv_cac_markdown(a: CohortsAnalysis) -> str:
    """LTV:CAC at 12 (or 6) periods and projected at 24, against the 3:1 rule of thumb."""
    o, p, L = a.overall, a.period, a.lang
    if a.cac is None:
        return L.gettext("LTV:CAC is not shown: no acquisition cost was given.")
    rule = ratio(L, RULE_OF_THUMB, 0)
    parts = []
    h = 12 if finite(o["ltv_cac_12"]) else 6
    if finite(o[f"ltv_cac_{h}"]):
        r, n = o[f"ltv_cac_{h}"], int(o[f"cohorts_{h}"])
        if r >= RULE_OF_THUMB:
            message = L.ngettext(
                "**LTV:CAC.** At {span}, LTV:CAC is **{ratio}** over the {n} cohort observed "
                "that long, above the {rule} rule of thumb.",
                "**LTV:CAC.** At {span}, LTV:CAC is **{ratio}** over the {n} cohorts observed "
                "that long, above the {rule} rule of thumb.", n)
        else:
            message = L.ngettext(
                "**LTV:CAC.** At {span}, LTV:CAC is **{ratio}** over the {n} cohort observed "
                "that long, below the {rule} rule of thumb.",
                "**LTV:CAC.** At {span}, LTV:CAC is **{ratio}** over the {n} cohorts observed "
                "that long, below the {rule} rule of thumb.", n)
        parts.append(message.format(span=units(L, p, h), ratio=ratio(L, r), n=L.number(n),
                                    rule=rule))
    elif o["cac"] == 0:
        parts.append(L.gettext(
            "**LTV:CAC.** No spend was recorded, so LTV:CAC has no finite value."))
    else:
        parts.append(L.gettext("**LTV:CAC.** No cohort has been observed for {span} yet."
                               ).format(span=units(L, p, 6)))
    r24 = o["projected_ltv_cac_24"]
    if finite(r24):
        band = projected_ratio_band(a.projection, a.table, a.overall["cac"], 24)
        values = {"span": units(L, p, 24), "n": L.number(o["cohorts"]), "ratio": ratio(L, r24)}
        if band is None:
            message = L.gettext("Projected to {span} for all complete cohorts ({n}), it is "
                                "{ratio}.")
        else:
            values.update(level=L.percent(a.projection.level, 0), low=ratio(L, band[0]),
                          mid=ratio(L, band[1]), high=ratio(L, band[2]),
                          model=model_label(L, a.projection.model))
            # An interval always holds its point: when the model's own figure falls outside
            # the backtest's interval, the point shown with it is the backtest-corrected one.
            if band[2] < r24:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), the {model} model gives "
                    "{ratio}; in the backtest its projections ran high, and corrected by its "
                    "backtest errors it is {mid} ({level} interval {low} to {high}).")
            elif band[0] > r24:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), the {model} model gives "
                    "{ratio}; in the backtest its projections ran low, and corrected by its "
                    "backtest errors it is {mid} ({level} interval {low} to {high}).")
            else:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), it is {ratio} ({level} "
                    "interval {low} to {high}).")
        parts.append(message.format(**values))
    column = summary_column(a)
    if column is not None and finite(r24):
        rows = a.segments.xs(column, level="segment_column")
        rows = rows[rows["cac"] > 0]
        ratios = rows["projected_ltv_cac_24"]
        above = [str(v) for v in ratios.index[ratios >= RULE_OF_THUMB]]
        span = units(L, p, 24)
        if ratios.notna().any() and not above:
            parts.append(L.gettext(
                "No {column} value clears {rule} at {span} (best: {value} at {ratio})."
            ).format(column=L.data(column), rule=rule, span=span,
                     value=L.data(ratios.idxmax()), ratio=ratio(L, ratios.max())))
        elif above:
            items = L.join([f"{L.data(v)} ({ratio(L, ratios[v])})" for v in above])
            message = (L.gettext("Only {items} clears {rule} at {span}.") if len(above) == 1
                       else L.gettext("{items} clear {rule} at {span}."))
            parts.append(message.format(items=items, rule=rule, span=span))
    return " ".join(parts)


def _edge_sentence(a: CohortsAnalysis) -> str:
    L, end, p = a.lang, a.observation_end, a.period
    current = period_of(end, p)
    if period_end(current, p) == end:
        if p == "week":
            message = L.gettext("**Right edge.** Data end on {date}, the last day of a week: "
                                "every period up to it is complete.")
        else:
            message = L.gettext("**Right edge.** Data end on {date}, the last day of a month: "
                                "every period up to it is complete.")
        return message.format(date=L.date(end))
    if p == "week":
        message = L.gettext(
            "**Right edge.** Data end on {date}, before the week {label} ended: its cells are "
            "unobserved (null, not 0) and the {label} cohort is still forming, so they are "
            "left out of every average.")
    else:
        message = L.gettext(
            "**Right edge.** Data end on {date}, before the month {label} ended: its cells are "
            "unobserved (null, not 0) and the {label} cohort is still forming, so they are "
            "left out of every average.")
    return message.format(date=L.date(end), label=L.isolate(period_label(current, p)))


def data_markdown(a: CohortsAnalysis) -> str:
    """Where the orders came from, the rules applied, and what to check in the data."""
    L, o, q = a.lang, a.overview, a.data_quality
    lines = q.row_unit == "line"
    if a.cohorts.margin_basis == "column" and lines:
        margin = L.gettext("each line's margin from column {column}").format(
            column=L.data(a.parameters["margin_col"]))
    elif a.cohorts.margin_basis == "column":
        margin = L.gettext("each order's margin from column {column}").format(
            column=L.data(a.parameters["margin_col"]))
    elif a.parameters.get("gross_margin") is None:
        margin = L.gettext("no margin given, so margin is taken as the whole revenue")
    else:
        margin = L.gettext("a gross margin of {share} of revenue").format(
            share=L.percent(a.cohorts.gross_margin, 0))
    if a.period == "week":
        message = L.gettext(
            "{orders} orders of {customers} customers from {first} to {last}, read from "
            "{source}, in calendar weeks (ISO, Monday to Sunday) of time zone {timezone}, with "
            "{margin}. A customer's cohort is the week of their first purchase. Refunds "
            "(negative amounts) net within the week they are dated in; a week with refunds "
            "only does not count as activity.")
    else:
        message = L.gettext(
            "{orders} orders of {customers} customers from {first} to {last}, read from "
            "{source}, in calendar months of time zone {timezone}, with {margin}. A customer's "
            "cohort is the month of their first purchase. Refunds (negative amounts) net "
            "within the month they are dated in; a month with refunds only does not count as "
            "activity.")
    parts = [message.format(
        orders=L.number(o["orders"]), customers=L.number(o["customers"]),
        first=L.date(o["first_date"]), last=L.date(o["last_date"]),
        source=L.data(a.parameters["data"]), timezone=L.data(a.parameters["timezone"]),
        margin=margin,
    )]
    if lines:
        parts.append(L.ngettext(
            "Rows are lines of orders (column {column}): {orders} orders in {n} line; an order "
            "is one purchase however many lines it has.",
            "Rows are lines of orders (column {column}): {orders} orders in {n} lines; an "
            "order is one purchase however many lines it has.", int(o["lines"]),
        ).format(column=L.data(a.parameters["order_col"]), orders=L.number(o["orders"]),
                 n=L.number(o["lines"])))
    if o["orders_after_observation_end"]:
        parts.append(L.gettext("Orders after the observation end ({date}) are left out."
                               ).format(date=L.date(a.observation_end)))
    if q.refunds and lines:
        parts.append(L.ngettext(
            "{n} line is a return or refund ({amount} in total).",
            "{n} lines are returns or refunds ({amount} in total).", int(q.refunds),
        ).format(n=L.number(q.refunds), amount=md_money(a, q.refund_total)))
    elif q.refunds:
        parts.append(L.ngettext(
            "{n} order is a refund ({amount} in total).",
            "{n} orders are refunds ({amount} in total).", int(q.refunds),
        ).format(n=L.number(q.refunds), amount=md_money(a, q.refund_total)))
    text = " ".join(parts)
    # The validation's refund finding states the day rule of purchase counts; here the
    # period rule above applies, so that finding is replaced by the sentence above.
    found = dataclasses.replace(q, refunds=0).warnings(L)
    if not found:
        return text
    items = "\n".join(f"- {escape(w)}" for w in found)
    heading = L.gettext("**Data quality:**")  # outside the f-string, so it is extracted
    return f"{text}\n\n{heading}\n\n{items}"


def retention_markdown(a: CohortsAnalysis) -> str:
    """Under the heatmap: what a cell is, the unobserved cells, and the averages."""
    L, t, p = a.lang, a.table, a.period
    avg = t.average(t.retention())
    unobserved = int((~t.observed).sum() - _beyond(t))
    if p == "week":
        message = L.gettext(
            "A cell is the share of the cohort's customers who bought in that week (k weeks "
            "after the week of their first purchase; k = 0 is 100%).")
    else:
        message = L.gettext(
            "A cell is the share of the cohort's customers who bought in that month (k months "
            "after the month of their first purchase; k = 0 is 100%).")
    parts = [message]
    if unobserved:
        parts.append(L.ngettext(
            "**Hatched cells are unobserved**: {n} cell at the right edge, whose period had "
            "not ended by {date}, so it is null, not 0, and is left out of every average.",
            "**Hatched cells are unobserved**: {n} cells at the right edge, whose period had "
            "not ended by {date}, so they are null, not 0, and are left out of every average.",
            unobserved,
        ).format(n=L.number(unobserved), date=L.date(a.observation_end)))
    else:
        parts.append(L.gettext(
            "Every cell up to {date} is observed: its period had ended by then."
        ).format(date=L.date(a.observation_end)))
    parts.append(L.gettext("Averages weight each cohort by its size, over the cohorts "
                           "observed at that k."))
    for i in np.flatnonzero(t.left_censored):
        parts.append(L.gettext(
            "The first cohort ({cohort}) includes customers acquired before the data start, so "
            "it is left out of the averages."
        ).format(cohort=L.data(t.labels[i])))
    shown = [k for k in (1, 6, 12) if k < t.ages and finite(avg[k])]
    if shown:
        items = L.join([
            L.gettext("{share} after {span}").format(share=L.percent(avg[k]),
                                                     span=units(L, p, k))
            for k in shown
        ])
        parts.append(L.gettext("Average retention: {items}.").format(items=items))
    return " ".join(parts)


def _beyond(t: Any) -> int:
    """Cells past the last period of the data (not shown in the heatmap)."""
    ends = t.cohorts[:, None] + np.arange(t.ages)[None, :]
    return int((ends > period_of(t.observation_end, t.period)).sum())


def margin_markdown(a: CohortsAnalysis) -> str:
    """Cumulative margin per acquired customer against CAC, in words."""
    L, t, p = a.lang, a.table, a.period
    if a.cac is None:
        cum = t.average_cumulative()
        seen = [k for k in range(min(12, len(cum))) if finite(cum[k])]
        text = L.gettext(
            "Cumulative gross margin per acquired customer (divided by everyone acquired, not "
            "by those still buying). No acquisition cost was given, so there is no CAC line.")
        if not seen:
            return text
        k = seen[-1]
        return text + " " + L.gettext("On average it reaches {amount} after {span}.").format(
            amount=md_money(a, cum[k]), span=units(L, p, k + 1))
    cac = a.cac.for_cohorts(t.cohorts)
    k, curve = average_payback(t, cac)
    text = L.gettext(
        "Cumulative gross margin per acquired customer, divided by everyone the cohort "
        "acquired (never by those still buying, which would inflate it), against what a "
        "customer cost to acquire.") + " " + L.gettext(
        "The average customer's curve adds up each period's margin per customer over the "
        "cohorts observed in that period, so it never falls because older cohorts drop out; its "
        "CAC line is that of the complete cohorts, the one in the summary.")
    if a.overall["cac"] == 0:
        return text + " " + L.gettext("No spend was recorded, so there is nothing to pay back.")
    if finite(k):
        return text + " " + L.gettext(
            "The average customer's curve crosses its CAC line {when} ({amount} against {cac})."
        ).format(when=when(k, p, L),
                 amount=md_money(a, curve.loc[int(k), "cumulative_margin_per_customer"]),
                 cac=md_money(a, curve.loc[int(k), "cac"]))
    seen = curve.dropna()
    if seen.empty:
        return text
    last = seen.index.max()
    return text + " " + L.gettext(
        "The average customer's curve has not crossed its CAC line after {span} ({amount} "
        "against {cac})."
    ).format(span=units(L, p, last + 1),
             amount=md_money(a, curve.loc[last, "cumulative_margin_per_customer"]),
             cac=md_money(a, curve.loc[last, "cac"]))


def segments_markdown(a: CohortsAnalysis) -> str:
    """Per segment column: the fastest and the slowest payback (or the best LTV)."""
    L = a.lang
    if not len(a.segments):
        return escape(L.gettext(NO_SEGMENTS))
    lines = []
    for column in a.cohorts.segment_cols:
        if a.cac is not None:
            ranked, free = ranked_values(a, column)
            if len(ranked) >= 2:
                lines.append("- " + _fastest_slowest(a, column, ranked, L.gettext(
                    "**{column}**: {fast} pays back fastest ({fast_when}), {slow} slowest "
                    "({slow_when}).")))
            elif len(ranked) == 1:
                lines.append("- " + L.gettext("**{column}**: {value} pays back {when}.").format(
                    column=L.data(column), value=L.data(ranked.index[0]),
                    when=payback_phrase(a, ranked.iloc[0])))
            if free:
                lines.append("  " + L.gettext("{names}: no recorded spend.").format(
                    names=L.join([L.data(v) for v in free])))
            continue
        rows = a.segments.xs(column, level="segment_column")
        h = 12 if rows["ltv_12"].notna().any() else 6
        key = f"ltv_{h}"
        if rows[key].notna().sum() >= 2:
            best, worst = rows[key].idxmax(), rows[key].idxmin()
            most = L.gettext(
                "**{column}**: {best} customers bring the most margin in their first {span} "
                "({best_amount}), {worst} the least ({worst_amount})."
            ) if margin_given(a) else L.gettext(
                "**{column}**: {best} customers bring the most revenue in their first {span} "
                "({best_amount}), {worst} the least ({worst_amount})."
            )
            lines.append("- " + most.format(
                column=L.data(column), best=L.data(best), worst=L.data(worst),
                span=units(L, a.period, h), best_amount=md_money(a, rows.loc[best, key]),
                worst_amount=md_money(a, rows.loc[worst, key])))
    return "\n".join(lines) or L.gettext(
        "No segment column has two values to compare.")


def export_markdown(a: CohortsAnalysis) -> str:
    """Where the cohort table's CSV was written (next to the report), or that none was."""
    L = a.lang
    path = a.parameters.get("cohorts_csv")
    if not path:
        return L.gettext("No CSV was written (cohorts_csv is None).")
    rows = len(a.table.long()) + sum(len(t.long()) for t in a.segment_tables.values())
    return L.ngettext(
        "The cohort table is in **{path}**, next to this report: {n} row, one per observed "
        "cell, for all customers (empty segment columns) and then for each segment value, "
        "with retention, revenue, margin, cumulative margin per customer and the cohort's CAC.",
        "The cohort table is in **{path}**, next to this report: {n} rows, one per observed "
        "cell, for all customers (empty segment columns) and then for each segment value, "
        "with retention, revenue, margin, cumulative margin per customer and the cohort's CAC.",
        rows,
    ).format(path=L.data(path), n=L.number(rows))


# -- JSON ---------------------------------------------------------------------------------------


