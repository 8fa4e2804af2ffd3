"""The words of the cohort report: the summary, section sentences, formatted tables and the JSON.

Each function takes a :class:`~growthkit.cohorts.analysis.CohortAnalysis`, whose numbers stay
unformatted; every sentence is built from the numbers it states, and a sentence whose fact does
not hold is not shown. Every word goes through the analysis' :class:`~growthkit.i18n.Language`
(``a.lang``, the ``cohorts`` catalog): messages are ``gettext`` ids with ``str.format``
placeholders, numbers, shares, money and dates are formatted by Babel for the report's locale
and digits. Data-derived strings (segment values and column names, the source, the time zone)
pass ``a.lang.data`` (escaped and bidi-isolated) on their way into Markdown and
``a.lang.isolate`` into table cells; tables are DataFrames, which pandas escapes.
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
from growthkit.formatting import escape, package_versions
from growthkit.i18n import N_, Language, get_language, strip_isolates

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortAnalysis

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
    "overview_table",
    "projection_markdown",
    "ratio",
    "retention_markdown",
    "segments_markdown",
    "segments_table",
    "summary_markdown",
    "unassigned_notes",
    "units",
    "when",
]

#: A backtest bias within this share reads as "close".
CLOSE = 0.05
#: How the report names each projection model (translated where shown: :func:`model_label`).
MODEL_LABELS = {"curve": N_("margin curve"), "bgnbd": N_("BG/NBD")}
#: How each cohort's CAC was found (``cac_basis``), for readers.
BASIS_LABELS = {
    "spend": N_("spend"),
    "no spend": N_("no spend recorded"),
    "flat": N_("flat CAC"),
    "forming": N_("still forming"),
    "blended": N_("cohort's overall CAC"),
}
#: Note when neither gross_margin nor margin_col is given on the user's data.
NO_MARGIN = N_(
    "No margin was given (gross_margin or margin_col), so margin is the whole revenue (100%) "
    "and payback and LTV:CAC are overstated; set gross_margin (e.g. 0.4) or margin_col."
)
#: Note when neither spend_data nor cac is given on the user's data.
NO_CAC = N_(
    "Payback and LTV:CAC are skipped: no acquisition cost was given (set spend_data to a table "
    "of period, channel and spend, or cac to one cost per customer)."
)
#: Note when no segment column is given on the user's data.
NO_SEGMENTS = N_(
    "The segment breakdown is skipped: no segment column was given (set segment_col to "
    "columns such as channel, first product category or a discounted-first-order flag, "
    "comma-separated)."
)
#: Note when the data are too short for a backtest, per period.
_NO_BACKTEST = {
    "month": N_(
        "The data are too short to backtest the projection (it needs at least four complete "
        "months after the first cohort's), so the projection has no interval."
    ),
    "week": N_(
        "The data are too short to backtest the projection (it needs at least four complete "
        "weeks after the first cohort's), so the projection has no interval."
    ),
}


def _lang(language: Language | str) -> Language:
    return get_language(language, domain="cohorts")


def folded_note(column: str, limit: int, language: Language | str = "en") -> str:
    """Note for a segment column with too many values to show each (plain text)."""
    lang = _lang(language)
    return lang.gettext(
        "Segment column {column} has more than {limit} values: the {shown} with most customers "
        "are shown and the rest are folded into one value, (other)."
    ).format(column=lang.isolate(column), limit=lang.number(limit),
             shown=lang.number(limit - 1))


def no_backtest_note(period: str, language: Language | str = "en") -> str:
    """Note when the data are too short to hold a backtest (plain text)."""
    return _lang(language).gettext(_NO_BACKTEST[period])


def unassigned_notes(cohorts: Cohorts, language: Language | str = "en",
                     currency: str = "USD") -> list[str]:
    """Notes on refunds that belong to no cohort (plain text)."""
    lang = _lang(language)
    u, out = cohorts.unassigned, []
    if u.get("refund_only_amount"):
        out.append(lang.gettext(
            "Refunds of {amount} come from customers with no purchase in the data; they belong "
            "to no cohort and are left out."
        ).format(amount=lang.money(u["refund_only_amount"], currency)))
    if u.get("early_refund_amount"):
        out.append(lang.gettext(
            "Refunds of {amount} are dated before their customer's first purchase; they belong "
            "to no cohort's period and are left out."
        ).format(amount=lang.money(u["early_refund_amount"], currency)))
    return out


# -- words ------------------------------------------------------------------------------------


def _money(a: CohortAnalysis, value: float) -> str:
    """Money in the report's locale (the currency is a validated ISO code), for a table cell."""
    return a.lang.money(value, a.currency)


def _md_money(a: CohortAnalysis, value: float) -> str:
    """Money for Markdown: ``$`` escaped, so no renderer starts math between two amounts."""
    return _money(a, value).replace("$", r"\$")


def units(lang: Language, period: str, n: float) -> str:
    """``1 month``, ``12 months``, ``3 weeks`` in the report's language."""
    count = int(np.rint(n))
    if period == "week":
        text = lang.ngettext("{n} week", "{n} weeks", count)
    else:
        text = lang.ngettext("{n} month", "{n} months", count)
    return text.format(n=lang.number(count))


def _period_word(lang: Language, period: str) -> str:
    """``month`` or ``week``, the noun."""
    return lang.pgettext("period", "week") if period == "week" else lang.pgettext(
        "period", "month")


def when(k: float, period: str, language: Language | str = "en") -> str:
    """``in the month of acquisition``, ``1 month after acquisition``, ... (plain text)."""
    lang = _lang(language)
    if k is None or not math.isfinite(k):
        return lang.gettext("not yet")
    if k == 0:
        if period == "week":
            return lang.gettext("in the week of acquisition")
        return lang.gettext("in the month of acquisition")
    return lang.gettext("{span} after acquisition").format(span=units(lang, period, k))


def ratio(lang: Language, value: float | None, decimals: int = 1) -> str:
    """An LTV:CAC ratio such as ``3.2:1`` in the report's digits; ``n/a`` when undefined."""
    if value is None or not math.isfinite(value):
        return lang.gettext("n/a")
    text = f"{strip_isolates(lang.number(value, decimals))}:{strip_isolates(lang.number(1))}"
    return lang.isolate(text) if lang.rtl else text


def model_label(lang: Language, model: str) -> str:
    """A projection model's name for readers."""
    return lang.gettext(MODEL_LABELS[model]) if model in MODEL_LABELS else lang.isolate(model)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _observed_periods(a: CohortAnalysis) -> int:
    """Periods after acquisition the oldest cohort has been observed for."""
    return int(a.table.last_observed.max())


def _payback_phrase(a: CohortAnalysis, row: dict[str, Any] | pd.Series) -> str:
    """``3 months after acquisition`` or ``not yet after 22 months of data (projected: ...)``."""
    L, p = a.lang, a.period
    k = row["payback_period"]
    if _finite(k):
        return when(k, p, L)
    projected = row.get("projected_payback_period", np.nan)
    seen = units(L, p, _observed_periods(a))
    if _finite(projected):
        return L.gettext("not yet after {span} of data (projected: {when})").format(
            span=seen, when=when(projected, p, L))
    if a.projection is not None:
        return L.gettext("not yet after {span} of data, nor within the {horizon} projected"
                         ).format(span=seen, horizon=units(L, p, a.projection.horizon))
    return L.gettext("not yet after {span} of data").format(span=seen)


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
        Markdown paragraphs in the report's language.
    """
    L = a.lang
    parts = [_payback_paragraph(a)]
    if a.cac is not None:
        parts.append(ltv_cac_markdown(a))
    parts.append(L.gettext("**How far to trust the projection.** {text}").format(
        text=_trust_sentences(a)))
    parts.append(_edge_sentence(a))
    parts.extend(L.gettext("*Note:* {note}").format(note=escape(note)) for note in a.notes)
    return "\n\n".join(parts)


def _payback_paragraph(a: CohortAnalysis) -> str:
    o, p, L = a.overall, a.period, a.lang
    if a.cac is None:
        text = L.gettext("**Payback.** No acquisition cost was given, so payback is not shown.")
        h = 12 if _finite(o["ltv_12"]) else 6
        if not _finite(o[f"ltv_{h}"]):
            return text
        n = int(o[f"cohorts_{h}"])
        return text + " " + L.ngettext(
            "A customer brings {amount} of gross margin in their first {span} on average "
            "({n} cohort observed that long).",
            "A customer brings {amount} of gross margin in their first {span} on average "
            "({n} cohorts observed that long).", n,
        ).format(amount=_md_money(a, o[f"ltv_{h}"]), span=units(L, p, h), n=L.number(n))
    parts = [L.gettext(
        "**Payback.** Across all customers, the average one earns back its acquisition cost "
        "({cac}) {when}."
    ).format(cac=_md_money(a, o["cac"]), when=_payback_phrase(a, o))]
    column = _summary_column(a)
    if column is None:
        return parts[0]
    paid, free = _ranked(a, column)
    if len(paid):
        parts.append(L.gettext(
            "By {column}, **{value}** customers pay back fastest: {when} (CAC {cac})."
        ).format(column=L.data(column), value=L.data(paid.index[0]),
                 when=_payback_phrase(a, paid.iloc[0]), cac=_md_money(a, paid.iloc[0]["cac"])))
        rest = [L.gettext("{value} {when}").format(value=L.data(v),
                                                   when=_payback_phrase(a, paid.loc[v]))
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
        ranked, _ = _ranked(a, other)
        if len(ranked) >= 2:
            parts.append(_fastest_slowest(a, other, ranked, L.gettext(
                "By {column}: {fast} pays back fastest ({fast_when}), {slow} slowest "
                "({slow_when}).")))
    return " ".join(parts)


def _fastest_slowest(a: CohortAnalysis, column: str, ranked: pd.DataFrame, message: str) -> str:
    L = a.lang
    return message.format(
        column=L.data(column), fast=L.data(ranked.index[0]),
        fast_when=_payback_phrase(a, ranked.iloc[0]), slow=L.data(ranked.index[-1]),
        slow_when=_payback_phrase(a, ranked.iloc[-1]),
    )


def ltv_cac_markdown(a: CohortAnalysis) -> str:
    """LTV:CAC at 12 (or 6) periods and projected at 24, against the 3:1 rule of thumb."""
    o, p, L = a.overall, a.period, a.lang
    if a.cac is None:
        return L.gettext("LTV:CAC is not shown: no acquisition cost was given.")
    rule = ratio(L, RULE_OF_THUMB, 0)
    parts = []
    h = 12 if _finite(o["ltv_cac_12"]) else 6
    if _finite(o[f"ltv_cac_{h}"]):
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
    if _finite(r24):
        band = _projected_ratio_interval(a, 24)
        values = {"span": units(L, p, 24), "n": L.number(o["cohorts"]), "ratio": ratio(L, r24)}
        if band is None:
            message = L.gettext("Projected to {span} for all complete cohorts ({n}), it is "
                                "{ratio}.")
        else:
            values.update(level=L.percent(a.projection.level, 0), low=ratio(L, band[0]),
                          high=ratio(L, band[1]))
            if band[1] < r24:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), it is {ratio} ({level} "
                    "interval {low} to {high}, below the projection itself: in the backtest the "
                    "projections ran high).")
            elif band[0] > r24:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), it is {ratio} ({level} "
                    "interval {low} to {high}, above the projection itself: in the backtest the "
                    "projections ran low).")
            else:
                message = L.gettext(
                    "Projected to {span} for all complete cohorts ({n}), it is {ratio} ({level} "
                    "interval {low} to {high}).")
        parts.append(message.format(**values))
    column = _summary_column(a)
    if column is not None and _finite(r24):
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
    L, b = a.lang, a.backtest
    if b is None:
        return L.gettext(
            "The data are too short to test the projection on periods it did not see, so it "
            "has no interval: treat it as a rough guide."
        )
    m = b.models.loc[b.chosen]
    bias = m["bias"]
    if bias > 0:
        message = L.ngettext(
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohort), over-projecting by {bias} in total.",
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohorts), over-projecting by {bias} in total.",
            int(m["cohorts"]))
    else:
        message = L.ngettext(
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohort), under-projecting by {bias} in total.",
            "Fitted on data up to {date} and compared with the {span} that followed, the "
            "{model} projection of cumulative margin per customer was off by **{error}** on "
            "average (size-weighted over {n} cohorts), under-projecting by {bias} in total.",
            int(m["cohorts"]))
    parts = [message.format(
        date=L.date(b.cutoff), span=units(L, a.period, m["max_ahead"]),
        model=model_label(L, b.chosen), error=L.percent(m["mape"]),
        n=L.number(m["cohorts"]), bias=L.percent(abs(bias)),
    )]
    if _finite(m["ltv_mape"]):
        parts.append(L.gettext("Its LTV over {span} was off by {error}.").format(
            span=units(L, a.period, 12), error=L.percent(m["ltv_mape"])))
    if bias > CLOSE:
        parts.append(L.gettext("Read the projections as optimistic by about that much."))
    elif bias < -CLOSE:
        parts.append(L.gettext("Read the projections as conservative by about that much."))
    else:
        parts.append(L.gettext("It tracked what happened closely."))
    others = b.models.drop(index=b.chosen)
    if len(others):
        versus = L.join([
            L.gettext("the {model} model's {error}").format(model=model_label(L, name),
                                                            error=L.percent(r["mape"]))
            for name, r in others.iterrows()
        ])
        parts.append(L.gettext("It was chosen for the lower backtest error (against {versus})."
                               ).format(versus=versus))
    return " ".join(parts)


def _edge_sentence(a: CohortAnalysis) -> str:
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


def data_markdown(a: CohortAnalysis) -> str:
    """Where the orders came from, the rules applied, and what to check in the data."""
    L, o, q = a.lang, a.overview, a.data_quality
    if a.cohorts.margin_basis == "column":
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
    if o["orders_after_observation_end"]:
        parts.append(L.gettext("Orders after the observation end ({date}) are left out."
                               ).format(date=L.date(a.observation_end)))
    if q.refunds:
        parts.append(L.ngettext(
            "{n} order is a refund ({amount} in total).",
            "{n} orders are refunds ({amount} in total).", int(q.refunds),
        ).format(n=L.number(q.refunds), amount=_md_money(a, q.refund_total)))
    text = " ".join(parts)
    # The validation's refund finding states the day rule of purchase counts; here the
    # period rule above applies, so that finding is replaced by the sentence above.
    warnings = [w for w in q.warnings() if "negative amount" not in w]
    if not warnings:
        return text
    items = "\n".join(f"- {escape(w)}" for w in warnings)
    return f"{text}\n\n{L.gettext('**Data quality:**')}\n\n{items}"


def overview_table(a: CohortAnalysis) -> pd.DataFrame:
    """The data at a glance, one formatted value per row."""
    L, o, t = a.lang, a.overview, a.table
    q = a.data_quality
    rows = {
        L.gettext("Source"): L.isolate(a.parameters["data"]),
        L.gettext("Orders"): L.number(o["orders"]),
        L.gettext("Customers in cohorts"): L.number(o["customers"]),
        L.gettext("First order"): L.date(o["first_date"]),
        L.gettext("Observation end"): L.date(a.observation_end),
        L.gettext("Cohorts (complete)"): L.gettext("{n} ({complete})").format(
            n=L.number(len(t.cohorts)), complete=L.number(int(t.complete.sum()))),
        L.gettext("Revenue (refunds netted)"): _money(a, o["revenue"]),
        L.gettext("Gross margin"): _money(a, o["margin"]),
        L.gettext("Refunds"): L.gettext("{n} ({amount})").format(
            n=L.number(q.refunds), amount=_money(a, q.refund_total)),
    }
    if a.cac is not None:
        rows[L.gettext("Acquisition cost")] = (
            L.gettext("spend table {source}").format(
                source=L.isolate(a.parameters["spend_data"]))
            if a.cac.source == "spend"
            else L.gettext("flat {amount} per customer").format(
                amount=_money(a, a.parameters["cac"]))
        )
    return pd.DataFrame({L.gettext("Value"): list(rows.values())},
                        index=pd.Index(list(rows), name=""))


def retention_markdown(a: CohortAnalysis) -> str:
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
    shown = [k for k in (1, 6, 12) if k < t.ages and _finite(avg[k])]
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


def margin_markdown(a: CohortAnalysis) -> str:
    """Cumulative margin per acquired customer against CAC, in words."""
    L, t, p = a.lang, a.table, a.period
    if a.cac is None:
        cum = t.average(t.cumulative_margin_per_customer())
        seen = [k for k in range(min(12, len(cum))) if _finite(cum[k])]
        text = L.gettext(
            "Cumulative gross margin per acquired customer (divided by everyone acquired, not "
            "by those still buying). No acquisition cost was given, so there is no CAC line.")
        if not seen:
            return text
        k = seen[-1]
        return text + " " + L.gettext("On average it reaches {amount} after {span}.").format(
            amount=_md_money(a, cum[k]), span=units(L, p, k + 1))
    cac = a.cac.for_cohorts(t.cohorts)
    k, curve = average_payback(t, cac)
    text = L.gettext(
        "Cumulative gross margin per acquired customer, divided by everyone the cohort "
        "acquired (never by those still buying, which would inflate it), against what a "
        "customer cost to acquire.")
    if _finite(k):
        return text + " " + L.gettext(
            "The average customer's curve crosses its CAC line {when} ({amount} against {cac})."
        ).format(when=when(k, p, L),
                 amount=_md_money(a, curve.loc[int(k), "cumulative_margin_per_customer"]),
                 cac=_md_money(a, curve.loc[int(k), "cac"]))
    seen = curve.dropna()
    if seen.empty:
        return text
    last = seen.index.max()
    return text + " " + L.gettext(
        "The average customer's curve has not crossed its CAC line after {span} ({amount} "
        "against {cac})."
    ).format(span=units(L, p, last + 1),
             amount=_md_money(a, curve.loc[last, "cumulative_margin_per_customer"]),
             cac=_md_money(a, curve.loc[last, "cac"]))


def _period_cell(lang: Language, value: float) -> str:
    return lang.number(value) if _finite(value) else lang.gettext("not yet")


def _money_cells(a: CohortAnalysis, values: Any) -> list[str]:
    return [_money(a, v) if _finite(v) else "–" for v in values]


def _payback_header(lang: Language, period: str) -> str:
    if period == "week":
        return lang.gettext("Payback (weeks)")
    return lang.gettext("Payback (months)")


def _projected_payback_cells(lang: Language, s: pd.DataFrame) -> list[str]:
    return ["–" if _finite(v) else _period_cell(lang, pp)
            for v, pp in zip(s["payback_period"], s["projected_payback_period"], strict=True)]


def _at(lang: Language, message: str, period: str, h: int) -> str:
    """A header such as ``LTV:CAC at 12 months`` from its message."""
    return lang.gettext(message).format(span=units(lang, period, h))


def cohorts_table(a: CohortAnalysis) -> pd.DataFrame:
    """Per cohort: customers, CAC, payback and LTV:CAC (actual, then projected), formatted."""
    L, s, p = a.lang, a.cohort_summary, a.period
    out = pd.DataFrame(index=pd.Index(s.index, name=L.gettext("Cohort")))
    customers = L.gettext("Customers")
    out[customers] = [
        L.number(n) if done else L.gettext("{n} (forming)").format(n=L.number(n))
        for n, done in zip(s["customers"], s["complete"], strict=True)
    ]
    if a.cac is not None:
        out[L.gettext("CAC")] = _money_cells(a, s["cac"])
        out[L.gettext("CAC from")] = [
            L.gettext(BASIS_LABELS[b]) if b in BASIS_LABELS else L.isolate(b)
            for b in s["cac_basis"]
        ]
        out[_payback_header(L, p)] = [_period_cell(L, v) for v in s["payback_period"]]
        out[L.gettext("Projected payback")] = _projected_payback_cells(L, s)
        for h in HORIZONS:
            out[_at(L, N_("LTV:CAC at {span}"), p, h)] = [ratio(L, v) for v in s[f"ltv_cac_{h}"]]
    for h in HORIZONS:
        out[_at(L, N_("LTV at {span}"), p, h)] = _money_cells(a, s[f"ltv_{h}"])
    out[_at(L, N_("Projected LTV at {span}"), p, 24)] = _money_cells(a, s["projected_ltv_24"])
    return out


def segments_markdown(a: CohortAnalysis) -> str:
    """Per segment column: the fastest and the slowest payback (or the best LTV)."""
    L = a.lang
    if not len(a.segments):
        return escape(L.gettext(NO_SEGMENTS))
    lines = []
    for column in a.cohorts.segment_cols:
        if a.cac is not None:
            ranked, free = _ranked(a, column)
            if len(ranked) >= 2:
                lines.append("- " + _fastest_slowest(a, column, ranked, L.gettext(
                    "**{column}**: {fast} pays back fastest ({fast_when}), {slow} slowest "
                    "({slow_when}).")))
            elif len(ranked) == 1:
                lines.append("- " + L.gettext("**{column}**: {value} pays back {when}.").format(
                    column=L.data(column), value=L.data(ranked.index[0]),
                    when=_payback_phrase(a, ranked.iloc[0])))
            if free:
                lines.append("  " + L.gettext("{names}: no recorded spend.").format(
                    names=L.join([L.data(v) for v in free])))
            continue
        rows = a.segments.xs(column, level="segment_column")
        h = 12 if rows["ltv_12"].notna().any() else 6
        key = f"ltv_{h}"
        if rows[key].notna().sum() >= 2:
            best, worst = rows[key].idxmax(), rows[key].idxmin()
            lines.append("- " + L.gettext(
                "**{column}**: {best} customers bring the most margin in their first {span} "
                "({best_amount}), {worst} the least ({worst_amount})."
            ).format(column=L.data(column), best=L.data(best), worst=L.data(worst),
                     span=units(L, a.period, h), best_amount=_md_money(a, rows.loc[best, key]),
                     worst_amount=_md_money(a, rows.loc[worst, key])))
    return "\n".join(lines) or L.gettext(
        "No segment column has two values to compare.")


def _segment_index(a: CohortAnalysis, keys: list[tuple[str, str]]) -> pd.MultiIndex:
    L = a.lang
    return pd.MultiIndex.from_tuples(
        [(L.isolate(c) if c else "", L.isolate(v) if v else "") for c, v in keys],
        names=[L.gettext("Segment column"), L.gettext("Segment")],
    )


def segments_table(a: CohortAnalysis) -> pd.DataFrame:
    """Per segment value: customers, CAC, payback, retention and LTV:CAC, formatted."""
    L, s, p = a.lang, a.segments, a.period
    out = pd.DataFrame(index=_segment_index(a, list(s.index)))
    out[L.gettext("Customers")] = [L.number(v) for v in s["customers"]]
    out[_at(L, N_("Retention after {span}"), p, 1)] = [L.percent(v) for v in s["retention_1"]]
    if a.cac is not None:
        out[L.gettext("CAC")] = _money_cells(a, s["cac"])
        out[_payback_header(L, p)] = [_period_cell(L, v) for v in s["payback_period"]]
        out[L.gettext("Projected payback")] = _projected_payback_cells(L, s)
        out[_at(L, N_("LTV:CAC at {span}"), p, 12)] = [ratio(L, v) for v in s["ltv_cac_12"]]
        out[_at(L, N_("Projected LTV:CAC at {span}"), p, 24)] = [
            ratio(L, v) for v in s["projected_ltv_cac_24"]]
    out[_at(L, N_("LTV at {span}"), p, 12)] = _money_cells(a, s["ltv_12"])
    out[_at(L, N_("Projected LTV at {span}"), p, 24)] = _money_cells(a, s["projected_ltv_24"])
    return out


def projection_markdown(a: CohortAnalysis) -> str:
    """What the projection says, which model made it and what its interval means."""
    L, proj, p = a.lang, a.projection, a.period
    if proj is None:
        reason = a.no_projection or L.gettext("see the notes.")
        return L.gettext("There is no projection: {reason}").format(reason=escape(reason))
    o = a.overall
    text = L.gettext(
        "Each cohort's cumulative margin per customer, actual to {date} (solid) and projected "
        "by the {model} model to {span} (dashed)."
    ).format(date=L.date(proj.start), model=model_label(L, proj.model),
             span=units(L, p, proj.horizon))
    if _finite(o["projected_ltv_12"]) and _finite(o["projected_ltv_24"]):
        text += " " + L.gettext(
            "Averaged over the {n} complete cohorts, a customer is projected to bring {ltv_12} "
            "of margin in {span_12} and {ltv_24} in {span_24}."
        ).format(n=L.number(o["cohorts"]), ltv_12=_md_money(a, o["projected_ltv_12"]),
                 span_12=units(L, p, 12), ltv_24=_md_money(a, o["projected_ltv_24"]),
                 span_24=units(L, p, 24))
    if proj.model == "curve":
        if proj.details.get("season"):
            text += " " + L.gettext("The margin curve includes a month-of-year season.")
        else:
            text += " " + L.gettext(
                "The margin curve has no season: the data span too little time to tell one "
                "from a trend.")
    if proj.level is not None:
        text += " " + L.gettext(
            "The shaded band is a {level} interval from the backtest: the spread of actual over "
            "projected values the same number of periods ahead. Beyond the backtest's reach it "
            "is widened by the square root of the distance and is itself a projection."
        ).format(level=L.percent(proj.level, 0))
    return text


def backtest_markdown(a: CohortAnalysis) -> str:
    """The backtest in a few sentences (or why there is none)."""
    L, b = a.lang, a.backtest
    if b is None:
        return escape(no_backtest_note(a.period, L))
    if len(b.models) > 1:
        message = L.gettext(
            "The models were fitted on the data up to {date} only, then their projections were "
            "compared with what the cohorts actually earned after it.")
    else:
        message = L.gettext(
            "The model was fitted on the data up to {date} only, then its projections were "
            "compared with what the cohorts actually earned after it.")
    return message.format(date=L.date(b.cutoff)) + " " + _trust_sentences(a)


def backtest_table(a: CohortAnalysis) -> pd.DataFrame | None:
    """Per model: error over all test cells, at each cohort's furthest period, at 12 periods."""
    L, b = a.lang, a.backtest
    if b is None:
        return None
    m = b.models
    out = pd.DataFrame(index=pd.Index([model_label(L, i) for i in m.index],
                                      name=L.gettext("Model")))
    out[L.gettext("Used")] = [L.gettext("yes") if i == b.chosen else "" for i in m.index]
    out[L.gettext("Cohorts")] = [L.number(v) for v in m["cohorts"]]
    out[L.gettext("Cells")] = [L.number(v) for v in m["cells"]]
    out[L.gettext("Mean absolute error")] = [L.percent(v) for v in m["mape"]]
    out[L.gettext("Bias (total)")] = [L.percent(v, signed=True) for v in m["bias"]]
    out[L.gettext("Error at the furthest point")] = [L.percent(v) for v in m["last_mape"]]
    out[_at(L, N_("Error of LTV at {span}"), a.period, 12)] = [
        L.percent(v) for v in m["ltv_mape"]]
    out[L.gettext("Periods ahead (max)")] = [L.number(v) for v in m["max_ahead"]]
    return out


def ltv_cac_table(a: CohortAnalysis) -> pd.DataFrame:
    """LTV and LTV:CAC at 6, 12 and 24 periods: actual (cohorts observed that long) and
    projected (every complete cohort), overall and per segment value."""
    L, p = a.lang, a.period
    rows: dict[tuple[str, str], Any] = {(L.gettext("all customers"), ""): a.overall}
    for key, row in a.segments.iterrows():
        rows[(L.isolate(key[0]), L.isolate(key[1]))] = row.to_dict()
    rule = ratio(L, RULE_OF_THUMB, 0)
    verdict = L.gettext("Against {rule} (projected at {span_24}, else at {span_12})").format(
        rule=rule, span_24=units(L, p, 24), span_12=units(L, p, 12))
    out = []
    for r in rows.values():
        item: dict[str, Any] = {}
        if a.cac is not None:
            item[L.gettext("CAC")] = _money(a, r["cac"])
        for h in HORIZONS:
            item[_at(L, N_("LTV at {span}"), p, h)] = _money(a, r[f"ltv_{h}"])
            if a.cac is not None:
                item[_at(L, N_("LTV:CAC at {span}"), p, h)] = ratio(L, r[f"ltv_cac_{h}"])
            item[_at(L, N_("Cohorts observed for {span}"), p, h)] = L.number(r[f"cohorts_{h}"])
        for h in (12, 24):
            item[_at(L, N_("Projected LTV at {span}"), p, h)] = _money(a, r[f"projected_ltv_{h}"])
            if a.cac is not None:
                item[_at(L, N_("Projected LTV:CAC at {span}"), p, h)] = ratio(
                    L, r[f"projected_ltv_cac_{h}"])
        if a.cac is not None:
            best = r["projected_ltv_cac_24"] if _finite(r["projected_ltv_cac_24"]) else (
                r["ltv_cac_12"])
            item[verdict] = (
                L.gettext("n/a") if not _finite(best)
                else L.gettext("above") if best >= RULE_OF_THUMB else L.gettext("below")
            )
        out.append(item)
    index = pd.MultiIndex.from_tuples(list(rows), names=[L.gettext("Segment column"),
                                                         L.gettext("Segment")])
    return pd.DataFrame(out, index=index)


def export_markdown(a: CohortAnalysis) -> str:
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
    """Label -> formatted value, for the landing page (both in the report's language)."""
    L, o, p = a.lang, a.overall, a.period
    out: dict[str, str] = {L.gettext("Customers"): L.number(o["customers"])}
    if a.cac is not None:
        k = o["payback_period"]
        out[L.gettext("Payback (average customer)")] = (
            units(L, p, k) if _finite(k) and k > 0 else _payback_phrase(a, o)
        )
        column = _summary_column(a)
        if column is not None:
            paid, _ = _ranked(a, column)
            if len(paid):
                out[L.gettext("Fastest payback ({column})").format(
                    column=L.isolate(column))] = L.isolate(paid.index[0])
        if _finite(o["ltv_cac_12"]):
            out[_at(L, N_("LTV:CAC at {span}"), p, 12)] = ratio(L, o["ltv_cac_12"])
        if _finite(o["projected_ltv_cac_24"]):
            out[_at(L, N_("Projected LTV:CAC at {span}"), p, 24)] = ratio(
                L, o["projected_ltv_cac_24"])
    elif _finite(o["ltv_12"]):
        out[_at(L, N_("Margin per customer over {span}"), p, 12)] = _money(a, o["ltv_12"])
    if a.backtest is not None:
        out[L.gettext("Projection error (backtest)")] = L.percent(
            a.backtest.models.loc[a.backtest.chosen, "mape"])
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
