"""The cohort report's formatted values and tables: cells, headers, the landing-page headline.

Each table is a DataFrame of formatted text in the report's language (``a.lang``, the
``cohorts`` catalog), with translated headers; pandas escapes the cells. Data-derived cells
pass ``a.lang.isolate``. The small formatters here (money, ratios, periods, payback phrases)
are shared with the sentences of :mod:`growthkit.cohorts.narrative`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthkit.cohorts.messages import MODEL_NAMES
from growthkit.cohorts.payback import HORIZONS, RULE_OF_THUMB
from growthkit.i18n import N_, Language, as_language, strip_isolates
from growthkit.interactive import InteractiveTable, interactive_table
from growthkit.numeric import finite

if TYPE_CHECKING:
    from growthkit.cohorts.analysis import CohortsAnalysis

__all__ = [
    "BASIS_LABELS",
    "MODEL_LABELS",
    "NO_SPEND",
    "at",
    "backtest_table",
    "cohorts_table",
    "cohorts_view",
    "headline",
    "ltv_cac_table",
    "margin_given",
    "md_money",
    "model_label",
    "money",
    "observed_periods",
    "overview_table",
    "payback_phrase",
    "ranked_values",
    "ratio",
    "segments_table",
    "summary_column",
    "units",
    "when",
]

#: How the report names each projection model (translated where shown: :func:`model_label`).
MODEL_LABELS = MODEL_NAMES
#: What a payback cell says when no spend was recorded (CAC 0): nothing to pay back.
NO_SPEND = N_("no spend recorded")
#: How each cohort's CAC was found (``cac_basis``), for readers.
BASIS_LABELS = {
    "spend": N_("spend"),
    "no spend": NO_SPEND,
    "flat": N_("flat CAC"),
    "forming": N_("still forming"),
    "blended": N_("cohort's overall CAC"),
}


# -- formatted values -----------------------------------------------------------------------------


def units(lang: Language, period: str, n: float) -> str:
    """``1 month``, ``12 months``, ``3 weeks`` in the report's language."""
    count = int(np.rint(n))
    if period == "week":
        text = lang.ngettext("{n} week", "{n} weeks", count)
    else:
        text = lang.ngettext("{n} month", "{n} months", count)
    return text.format(n=lang.number(count))


def when(k: float, period: str, language: Language | str = "en") -> str:
    """``in the month of acquisition``, ``1 month after acquisition``, ... (plain text)."""
    lang = as_language(language, "cohorts")
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


def money(a: CohortsAnalysis, value: float) -> str:
    """Money in the report's locale (the currency is a validated ISO code), for a table cell."""
    return a.lang.money(value, a.currency)


def md_money(a: CohortsAnalysis, value: float) -> str:
    """Money for Markdown: ``$`` escaped, so no renderer starts math between two amounts."""
    return money(a, value).replace("$", r"\$")


def margin_given(a: CohortsAnalysis) -> bool:
    """Whether margins were given (a margin column or rate): else "margin" is revenue, and
    texts say revenue."""
    return a.cohorts.margin_basis == "column" or a.parameters.get("gross_margin") is not None


def observed_periods(a: CohortsAnalysis) -> int:
    """Periods after acquisition the oldest cohort has been observed for."""
    return int(a.table.last_observed.max())


def payback_phrase(a: CohortsAnalysis, row: dict[str, Any] | pd.Series) -> str:
    """``3 months after acquisition`` or ``not yet after 22 months of data (projected: ...)``."""
    L, p = a.lang, a.period
    if row.get("cac") == 0:
        return L.gettext(NO_SPEND)
    k = row["payback_period"]
    if finite(k):
        return when(k, p, L)
    projected = row.get("projected_payback_period", np.nan)
    seen = units(L, p, observed_periods(a))
    if finite(projected):
        return L.gettext("not yet after {span} of data (projected: {when})").format(
            span=seen, when=when(projected, p, L))
    if a.projection is not None:
        return L.gettext("not yet after {span} of data, nor within the {horizon} projected"
                         ).format(span=seen, horizon=units(L, p, a.projection.horizon))
    return L.gettext("not yet after {span} of data").format(span=seen)


def _payback_key(row: pd.Series) -> float:
    k = row["payback_period"]
    if finite(k):
        return float(k)
    p = row["projected_payback_period"]
    return float(p) + 0.5 if finite(p) else math.inf


def ranked_values(a: CohortsAnalysis, column: str) -> tuple[pd.DataFrame, list[str]]:
    """One segment column's values with a CAC, fastest payback first; and the free ones."""
    rows = a.segments.xs(column, level="segment_column")
    paid = rows[rows["cac"] > 0]
    free = [str(v) for v in rows.index[rows["cac"] == 0]]
    order = sorted(paid.index, key=lambda v: (_payback_key(paid.loc[v]), str(v)))
    return paid.loc[order], free


def summary_column(a: CohortsAnalysis) -> str | None:
    if not len(a.segments):
        return None
    return a.channel_col or a.cohorts.segment_cols[0]


def at(lang: Language, message: str, period: str, h: int) -> str:
    """A header such as ``LTV:CAC at 12 months`` from its message."""
    return lang.gettext(message).format(span=units(lang, period, h))


# -- tables ---------------------------------------------------------------------------------------


def overview_table(a: CohortsAnalysis) -> pd.DataFrame:
    """The data at a glance, one formatted value per row."""
    L, o, t = a.lang, a.overview, a.table
    q = a.data_quality
    rows = {
        L.gettext("Source"): L.isolate(a.parameters["data"]),
        L.gettext("Orders"): L.number(o["orders"]),
        **({L.gettext("Lines of orders"): L.number(o["lines"])}
           if q.row_unit == "line" else {}),
        L.gettext("Customers in cohorts"): L.number(o["customers"]),
        L.gettext("First order"): L.date(o["first_date"]),
        L.gettext("Observation end"): L.date(a.observation_end),
        L.gettext("Cohorts (complete)"): L.gettext("{n} ({complete})").format(
            n=L.number(len(t.cohorts)), complete=L.number(int(t.complete.sum()))),
        L.gettext("Revenue (refunds netted)"): money(a, o["revenue"]),
        L.gettext("Gross margin"): money(a, o["margin"]),
        L.gettext("Refunds"): L.gettext("{n} ({amount})").format(
            n=L.number(q.refunds), amount=money(a, q.refund_total)),
    }
    if a.cac is not None:
        rows[L.gettext("Acquisition cost")] = (
            L.gettext("spend table {source}").format(
                source=L.isolate(a.parameters["spend_data"]))
            if a.cac.source == "spend"
            else L.gettext("flat {amount} per customer").format(
                amount=money(a, a.parameters["cac"]))
        )
    return pd.DataFrame({L.gettext("Value"): list(rows.values())},
                        index=pd.Index(list(rows), name=""))


def _period_cell(lang: Language, value: float, cac: float = np.nan) -> str:
    if cac == 0:
        return lang.gettext(NO_SPEND)
    return lang.number(value) if finite(value) else lang.gettext("not yet")


def _payback_cells(lang: Language, s: pd.DataFrame) -> list[str]:
    return [_period_cell(lang, v, c) for v, c in zip(s["payback_period"], s["cac"], strict=True)]


def _money_cells(a: CohortsAnalysis, values: Any) -> list[str]:
    """One money column: one unit and one precision down it (``Language.money_column``)."""
    return a.lang.money_column(list(values), a.currency)


def _payback_header(lang: Language, period: str) -> str:
    if period == "week":
        return lang.gettext("Payback (weeks)")
    return lang.gettext("Payback (months)")


def _projected_payback_cells(lang: Language, s: pd.DataFrame) -> list[str]:
    return ["–" if finite(v) or c == 0 else _period_cell(lang, pp)
            for v, pp, c in zip(s["payback_period"], s["projected_payback_period"], s["cac"],
                                strict=True)]


def cohorts_table(a: CohortsAnalysis) -> pd.DataFrame:
    """Per cohort: customers, CAC, payback and LTV:CAC (actual, then projected), formatted."""
    return _cohort_columns(a)[0]


def cohorts_view(a: CohortsAnalysis) -> InteractiveTable:
    """:func:`cohorts_table` as a table the reader sorts and searches (each column by the number
    behind its text)."""
    shown, order = _cohort_columns(a)
    return interactive_table(shown.reset_index(), order=order, language=a.lang)


def _cohort_columns(a: CohortsAnalysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cohort table's cells, and the numbers each column sorts by (same headers)."""
    L, s, p = a.lang, a.cohort_summary, a.period
    out = pd.DataFrame(index=pd.Index(s.index, name=L.gettext("Cohort")))
    order = pd.DataFrame(index=range(len(s)))
    customers = L.gettext("Customers")
    out[customers] = [
        L.gettext("{n} (incl. earlier customers)").format(n=L.number(n)) if early
        else L.number(n) if done else L.gettext("{n} (forming)").format(n=L.number(n))
        for n, done, early in zip(s["customers"], s["complete"], s["left_censored"], strict=True)
    ]
    order[customers] = s["customers"].to_numpy(dtype=float)
    if a.cac is not None:
        out[L.gettext("CAC")] = _money_cells(a, s["cac"])
        order[L.gettext("CAC")] = s["cac"].to_numpy(dtype=float)
        out[L.gettext("CAC from")] = [
            L.gettext(BASIS_LABELS[b]) if b in BASIS_LABELS else L.isolate(b)
            for b in s["cac_basis"]
        ]
        out[_payback_header(L, p)] = _payback_cells(L, s)
        order[_payback_header(L, p)] = s["payback_period"].to_numpy(dtype=float)
        out[L.gettext("Projected payback")] = _projected_payback_cells(L, s)
        for h in HORIZONS:
            header = at(L, N_("LTV:CAC at {span}"), p, h)
            out[header] = [ratio(L, v) for v in s[f"ltv_cac_{h}"]]
            order[header] = s[f"ltv_cac_{h}"].to_numpy(dtype=float)
    for h in HORIZONS:
        header = at(L, N_("LTV at {span}"), p, h)
        out[header] = _money_cells(a, s[f"ltv_{h}"])
        order[header] = s[f"ltv_{h}"].to_numpy(dtype=float)
    header = at(L, N_("Projected LTV at {span}"), p, 24)
    out[header] = _money_cells(a, s["projected_ltv_24"])
    order[header] = s["projected_ltv_24"].to_numpy(dtype=float)
    return out, order


def _segment_index(a: CohortsAnalysis, keys: list[tuple[str, str]]) -> pd.MultiIndex:
    L = a.lang
    return pd.MultiIndex.from_tuples(
        [(L.isolate(c) if c else "", L.isolate(v) if v else "") for c, v in keys],
        names=[L.gettext("Segment column"), L.gettext("Segment")],
    )


def segments_table(a: CohortsAnalysis) -> pd.DataFrame:
    """Per segment value: customers, CAC, payback, retention and LTV:CAC, formatted."""
    L, s, p = a.lang, a.segments, a.period
    out = pd.DataFrame(index=_segment_index(a, list(s.index)))
    out[L.gettext("Customers")] = [L.number(v) for v in s["customers"]]
    out[at(L, N_("Retention after {span}"), p, 1)] = [L.percent(v) for v in s["retention_1"]]
    if a.cac is not None:
        out[L.gettext("CAC")] = _money_cells(a, s["cac"])
        out[_payback_header(L, p)] = _payback_cells(L, s)
        out[L.gettext("Projected payback")] = _projected_payback_cells(L, s)
        out[at(L, N_("LTV:CAC at {span}"), p, 12)] = [ratio(L, v) for v in s["ltv_cac_12"]]
        out[at(L, N_("Projected LTV:CAC at {span}"), p, 24)] = [
            ratio(L, v) for v in s["projected_ltv_cac_24"]]
    out[at(L, N_("LTV at {span}"), p, 12)] = _money_cells(a, s["ltv_12"])
    out[at(L, N_("Projected LTV at {span}"), p, 24)] = _money_cells(a, s["projected_ltv_24"])
    return out


def backtest_table(a: CohortsAnalysis) -> pd.DataFrame | None:
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
    out[at(L, N_("Error of LTV at {span}"), a.period, 12)] = [
        L.percent(v) for v in m["ltv_mape"]]
    out[L.gettext("Periods ahead (max)")] = [L.number(v) for v in m["max_ahead"]]
    return out


def ltv_cac_table(a: CohortsAnalysis) -> pd.DataFrame:
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
    amounts: set[str] = set()  # the money columns, formatted per column below
    for r in rows.values():
        item: dict[str, Any] = {}
        if a.cac is not None:
            item[L.gettext("CAC")] = r["cac"]
            amounts.add(L.gettext("CAC"))
        for h in HORIZONS:
            item[at(L, N_("LTV at {span}"), p, h)] = r[f"ltv_{h}"]
            amounts.add(at(L, N_("LTV at {span}"), p, h))
            if a.cac is not None:
                item[at(L, N_("LTV:CAC at {span}"), p, h)] = ratio(L, r[f"ltv_cac_{h}"])
            item[at(L, N_("Cohorts observed for {span}"), p, h)] = L.number(r[f"cohorts_{h}"])
        for h in (12, 24):
            item[at(L, N_("Projected LTV at {span}"), p, h)] = r[f"projected_ltv_{h}"]
            amounts.add(at(L, N_("Projected LTV at {span}"), p, h))
            if a.cac is not None:
                item[at(L, N_("Projected LTV:CAC at {span}"), p, h)] = ratio(
                    L, r[f"projected_ltv_cac_{h}"])
        if a.cac is not None:
            best = r["projected_ltv_cac_24"] if finite(r["projected_ltv_cac_24"]) else (
                r["ltv_cac_12"])
            item[verdict] = (
                L.gettext("n/a") if not finite(best)
                else L.gettext("above") if best >= RULE_OF_THUMB else L.gettext("below")
            )
        out.append(item)
    index = pd.MultiIndex.from_tuples(list(rows), names=[L.gettext("Segment column"),
                                                         L.gettext("Segment")])
    table = pd.DataFrame(out, index=index)
    for column in amounts:
        table[column] = _money_cells(a, table[column].astype("float64"))
    return table


def headline(a: CohortsAnalysis) -> dict[str, str]:
    """Label -> formatted value, for the landing page (both in the report's language)."""
    L, o, p = a.lang, a.overall, a.period
    out: dict[str, str] = {L.gettext("Customers"): L.number(o["customers"])}
    if a.cac is not None:
        k = o["payback_period"]
        out[L.gettext("Payback (average customer)")] = (
            units(L, p, k) if finite(k) and k > 0 else payback_phrase(a, o)
        )
        column = summary_column(a)
        if column is not None:
            paid, _ = ranked_values(a, column)
            if len(paid):
                out[L.gettext("Fastest payback ({column})").format(
                    column=L.isolate(column))] = L.isolate(paid.index[0])
        if finite(o["ltv_cac_12"]):
            out[at(L, N_("LTV:CAC at {span}"), p, 12)] = ratio(L, o["ltv_cac_12"])
        if finite(o["projected_ltv_cac_24"]):
            out[at(L, N_("Projected LTV:CAC at {span}"), p, 24)] = ratio(
                L, o["projected_ltv_cac_24"])
    elif finite(o["ltv_12"]) and margin_given(a):
        out[at(L, N_("Margin per customer over {span}"), p, 12)] = money(a, o["ltv_12"])
    elif finite(o["ltv_12"]):  # no margin given: the figure is revenue, and says so
        out[at(L, N_("Revenue per customer over {span}"), p, 12)] = money(a, o["ltv_12"])
    if a.backtest is not None:
        out[L.gettext("Projection error (backtest)")] = L.percent(
            a.backtest.models.loc[a.backtest.chosen, "mape"])
    return out
