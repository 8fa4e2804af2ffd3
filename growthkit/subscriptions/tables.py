"""The subscriptions report's tables, formatted for reading in the report's language.

DataFrames with translated headers and text cells only (pandas escapes them): counts grouped,
shares as percentages, money by Babel in the report's locale, months named, data-derived names
(plans, channels, funnel steps) bidi-isolated with :meth:`Language.isolate`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.i18n import Language
from growthkit.numeric import finite
from growthkit.subscriptions.labels import (
    group_name,
    month_name,
    quarter_name,
    state_name,
    words,
)
from growthkit.subscriptions.migration import CANCELLED, migration_matrix

if TYPE_CHECKING:
    from growthkit.subscriptions.analysis import SubscriptionsAnalysis

__all__ = [
    "crc_display",
    "funnel_table",
    "migration_table",
    "movements_table",
    "nps_table",
    "overview_table",
    "rates_summary_table",
    "rates_table",
    "sbg_display",
    "snapshot_value_table",
    "trial_table",
    "value_table",
]


def _ratio(lang: Language, q: float) -> str:
    if q == math.inf:
        return "∞"
    return lang.number(q, 2) if finite(q) else lang.gettext("n/a")


def _table(rows: dict[str, str], index_name: str, column: str = "") -> pd.DataFrame:
    return pd.DataFrame({column: list(rows.values())},
                        index=pd.Index(list(rows), name=index_name))


def _months(labels: pd.Series, lang: Language) -> list[str]:
    return [month_name(x, lang, short=True) for x in labels]


def overview_table(a: SubscriptionsAnalysis) -> pd.DataFrame:
    """The data at a glance."""
    lang, o, m = a.lang, a.overview, a.months
    _ = lang.gettext
    rows = {
        _("Charges"): lang.number(o["charges"]),
        _("Customer IDs (trial sign-ups included)"): lang.number(o["customers"]),
        _("Paying customers"): lang.number(o.get("paying_customers", o["customers"])),
        _("First charge"): lang.date(o["first_day"]),
        _("Last charge"): lang.date(o["last_day"]),
        _("Complete months"): _("{n} ({first} to {last})").format(
            n=lang.number(m.months), first=month_name(m.first, lang, short=True),
            last=month_name(m.last, lang, short=True)),
        _("Month left out (not over)"):
            month_name(m.partial, lang) if m.partial is not None else _("none"),
        _("Revenue"): lang.money(o["revenue"], a.currency),
        _("Charges of 0"): lang.number(o["zero_amount_charges"]),
        _("Refunds"): lang.number(o["refunds"]),
    }
    return _table(rows, _("Data"))


def movements_table(
    movements: pd.DataFrame, currency: str, lang: Language | None = None
) -> pd.DataFrame:
    """Movements formatted: money in the report's locale, paying customers at the end."""
    lang = words(lang)
    _ = lang.gettext
    out = pd.DataFrame({_("Month"): _months(movements["month"], lang)})
    names = {"start": _("Start"), "new": _("New"), "expansion": _("Expansion"),
             "reactivation": _("Reactivation"), "contraction": _("Contraction"),
             "churn": _("Churn"), "end": _("End")}
    for col, name in names.items():
        sign = -1 if col in ("contraction", "churn") else 1
        # One unit and one precision per column (issue 19), not each amount its own.
        out[name] = lang.money_column([sign * x if x else 0.0 for x in movements[col]],
                                      currency)
    out[_("Paying customers")] = [lang.number(n) for n in movements["customers_end"]]
    out[_("New / churned")] = [
        _("{new} / {churned}").format(new=lang.number(a), churned=lang.number(b))
        for a, b in zip(movements["new_customers"], movements["churned_customers"], strict=True)
    ]
    return out.set_index(_("Month"))


def rates_table(rates: pd.DataFrame, currency: str, lang: Language | None = None) -> pd.DataFrame:
    """Monthly rates formatted as percentages."""
    lang = words(lang)
    _ = lang.gettext
    out = pd.DataFrame({_("Month"): _months(rates["month"], lang)})
    names = {"logo_churn": _("Logo churn"), "gross_revenue_churn": _("Gross revenue churn"),
             "net_revenue_churn": _("Net revenue churn"), "reactivation_rate": _("Reactivation"),
             "grr": _("GRR"), "nrr": _("NRR")}
    for col, name in names.items():
        out[name] = [lang.percent(x) for x in rates[col]]
    out[_("Quick ratio")] = [_ratio(lang, x) for x in rates["quick_ratio"]]
    out[_("ARPA")] = [lang.money(x, currency) for x in rates["arpa"]]
    return out.set_index(_("Month"))


def rates_summary_table(a: SubscriptionsAnalysis) -> pd.DataFrame:
    """The window's rates, one per row."""
    lang, w = a.lang, a.window
    _ = lang.gettext
    rows = {
        _("Logo churn (monthly)"): lang.percent(w["logo_churn"]),
        _("Gross revenue churn (monthly)"): lang.percent(w["gross_revenue_churn"]),
        _("Net revenue churn (monthly)"): lang.percent(w["net_revenue_churn"]),
        _("GRR (monthly)"): lang.percent(w["grr"]),
        _("NRR (monthly)"): lang.percent(w["nrr"]),
        _("Reactivation (share of starting MRR)"): lang.percent(w["reactivation_rate"], 2),
        _("GRR (yearly: customers paying 12 months before)"):
            lang.percent(w["yearly"]["grr"]) if "yearly" in w else _("n/a"),
        _("NRR (yearly: customers paying 12 months before)"):
            lang.percent(w["yearly"]["nrr"]) if "yearly" in w else _("n/a"),
        _("Quick ratio (headline)"): _ratio(lang, w["quick_ratio"]),
        _("Quick ratio, reactivation counted as a gain"):
            _ratio(lang, w.get("quick_ratio_with_reactivation", math.nan)),
        _("Quick ratio, reactivation not counted"):
            _ratio(lang, w.get("quick_ratio_without_reactivation", math.nan)),
        _("Reactivation counted as a gain"):
            _("yes") if a.settings.include_reactivation else _("no"),
    }
    title = _("{first} to {last}").format(first=month_name(w["first"], lang, short=True),
                                          last=month_name(w["last"], lang, short=True))
    return _table(rows, _("Rate"), title)


def value_table(
    value: dict[str, Any], currency: str, lang: Language | None = None
) -> pd.DataFrame:
    """ARPA, margin, churn, LTV, CAC, LTV:CAC and payback."""
    lang = words(lang)
    _ = lang.gettext
    v = value
    payback = v["cac_payback_months"]
    if payback is not None:
        paid_back = _("month {n}").format(n=lang.number(payback))
    else:
        paid_back = _("n/a") if v["cac"] is None else _("not within the data")
    cac = lang.money(v["cac"], currency) if v["cac"] is not None else _("not given")
    ratio = lang.number(v["ltv_cac"], 2) if finite(v["ltv_cac"]) else _("n/a")
    rows = {
        _("ARPA (monthly)"): lang.money(v["arpa"], currency),
        _("Gross margin"): lang.percent(v["gross_margin"], 0),
        _("Logo churn (monthly)"): lang.percent(v["churn"]),
        _("LTV (ARPA × margin / churn)"): lang.money(v["ltv"], currency),
        _("CAC"): cac,
        _("LTV:CAC"): ratio,
        _("CAC payback"): paid_back,
    }
    return _table(rows, _("Value"))


def sbg_display(
    table: pd.DataFrame, label: str, lang: Language | None = None, *, level: float = 0.9,
    quarters: bool = False,
) -> pd.DataFrame:
    """The retention model's rows formatted for reading.

    ``label`` is the (translated) header of the first column; with ``quarters`` the groups are
    acquisition quarters (``2024-Q1``), shown as quarters in the report's language; ``level``
    is the intervals' coverage.
    """
    lang = words(lang)
    _ = lang.gettext

    def share(x: float, low: float, high: float) -> str:
        if not finite(x):
            return _("n/a")
        if finite(low):
            return _("{share} ({low} to {high})").format(
                share=lang.percent(x, 0), low=lang.percent(low, 0), high=lang.percent(high, 0))
        return lang.percent(x, 0)

    still = _("Still paying at 12 months ({level} interval)").format(
        level=lang.percent(level, 0))
    rows = []
    for r in table.itertuples():
        fitted = finite(getattr(r, "alpha", math.nan))
        rows.append({
            label: quarter_name(r.group, lang) if quarters else group_name(r.group, lang),
            _("New subscribers"): lang.number(r.starters),
            _("alpha (α)"): lang.number(r.alpha, 3) if fitted else _("not fitted"),
            _("beta (β)"): lang.number(r.beta, 3) if fitted else "",
            still: share(r.survival_12, r.survival_12_low, r.survival_12_high),
            _("At 24 months"): share(r.survival_24, r.survival_24_low, r.survival_24_high),
            _("Renewal rate at month 12"):
                lang.percent(r.retention_rate_12) if fitted else _("n/a"),
            _("Expected paid months (discounted)"):
                lang.number(r.discounted_lifetime, 1) if fitted else _("n/a"),
        })
    return pd.DataFrame(rows).set_index(label) if rows else pd.DataFrame()


def migration_table(
    moves: pd.DataFrame | None, lang: Language | None = None
) -> pd.DataFrame | None:
    """Counts with the share of the row, cancelled → cancelled not defined."""
    if moves is None:
        return None
    lang = words(lang)
    _ = lang.gettext
    m = migration_matrix(moves, ["trial"])
    cells = []
    for state in m.index:
        total = m.loc[state].sum()
        row = []
        for to in m.columns:
            n = int(m.loc[state, to])
            if state == CANCELLED and to == CANCELLED:
                row.append("–")
            elif state == CANCELLED or not total:
                row.append(lang.number(n))
            else:
                row.append(_("{n} ({share})").format(n=lang.number(n),
                                                     share=lang.percent(n / total, 0)))
        cells.append(row)
    out = pd.DataFrame(cells, index=[state_name(s, lang) for s in m.index],
                       columns=[state_name(s, lang) for s in m.columns])
    out.index.name = _("From (this month)")
    out.columns.name = _("To (next month)")
    return out


def funnel_table(
    funnel: pd.DataFrame | None, lang: Language | None = None
) -> pd.DataFrame | None:
    """People per step and conversion, overall then per channel."""
    if funnel is None:
        return None
    lang = words(lang)
    _ = lang.gettext
    out = pd.DataFrame({
        _("Channel"): [_("all channels") if pd.isna(c) else lang.isolate(c)
                       for c in funnel["channel"]],
        _("Step"): [lang.isolate(s) for s in funnel["step"]],
        _("People"): [lang.number(n) for n in funnel["people"]],
        _("From the step before"): [lang.percent(x) if i > 1 else "" for x, i in
                                    zip(funnel["conversion"], funnel["position"], strict=True)],
        _("From the first step"): [lang.percent(x) for x in funnel["overall"]],
    })
    return out.set_index([_("Channel"), _("Step")])


def trial_table(
    trial: dict[str, Any] | None, lang: Language | None = None
) -> pd.DataFrame | None:
    """Trial → paid conversion overall and per channel."""
    if trial is None:
        return None
    lang = words(lang)
    _ = lang.gettext
    rows = [(_("all channels"), trial["trials"], trial["paid"], trial["conversion"])]
    rows += [(lang.isolate(k), v["trials"], v["paid"], v["conversion"])
             for k, v in trial["by_channel"].items()]
    return pd.DataFrame({
        _("Channel"): [r[0] for r in rows],
        _("Trials"): [lang.number(r[1]) for r in rows],
        _("Paid"): [lang.number(r[2]) for r in rows],
        _("Trial → paid"): [lang.percent(r[3]) for r in rows],
    }).set_index(_("Channel"))


def nps_table(nps: dict[str, Any] | None, lang: Language | None = None) -> pd.DataFrame | None:
    """Promoters, passives, detractors, NPS and its interval."""
    if nps is None:
        return None
    lang = words(lang)
    _ = lang.gettext
    n, method = nps["n"], nps["method"]

    def count(key: str) -> str:
        return _("{n} ({share})").format(n=lang.number(nps[key]),
                                         share=lang.percent(nps[key] / n, 0))

    interval = _("{level} confidence interval ({method})").format(
        level=lang.percent(nps["level"], 0), method=lang.gettext(method))
    rows = {
        _("Promoters (9–10)"): count("promoters"),
        _("Passives (7–8)"): count("passives"),
        _("Detractors (0–6)"): count("detractors"),
        _("NPS"): lang.number(nps["score"], 1),
        interval: _("{low} to {high}").format(low=lang.number(nps["ci_low"], 1),
                                              high=lang.number(nps["ci_high"], 1)),
    }
    return _table(rows, _("NPS"))


def snapshot_value_table(
    by_plan: pd.DataFrame, currency: str, lang: Language | None = None
) -> pd.DataFrame:
    """Per plan: customers, churned, monthly churn, ARPA, LTV, LTV:CAC and lifetimes."""
    lang = words(lang)
    _ = lang.gettext
    rows = []
    for r in by_plan.itertuples():
        rows.append({
            _("Plan"): group_name(r.group, lang),
            _("Customers"): lang.number(r.customers),
            _("Churned"): lang.number(r.churned),
            _("Logo churn (monthly)"): lang.percent(r.churn),
            _("ARPA (monthly)"): lang.money(r.arpa, currency) if finite(r.arpa) else _("n/a"),
            _("LTV (ARPA × margin / churn)"):
                lang.money(r.ltv, currency) if finite(r.ltv) else _("n/a"),
            _("LTV:CAC"): lang.number(r.ltv_cac, 2) if finite(r.ltv_cac) else _("n/a"),
            _("Expected paid months (discounted)"):
                lang.number(r.discounted_lifetime, 1) if finite(r.discounted_lifetime)
                else _("n/a"),
            _("DERL of an active customer"):
                lang.number(r.derl_active, 1) if finite(r.derl_active) else _("n/a"),
        })
    return pd.DataFrame(rows).set_index(_("Plan"))


def crc_display(a: SubscriptionsAnalysis) -> pd.DataFrame | None:
    """CRC, ARPA and CAC by acquisition channel (the last row over every channel)."""
    if a.crc is None:
        return None
    lang, cur, t = a.lang, a.currency, a.crc.table
    _ = lang.gettext
    names = [_("All channels") if i == len(t) - 1 else lang.isolate(c)
             for i, c in enumerate(t["channel"])]
    out = pd.DataFrame({
        _("Retained customer-months"): [lang.number(v) for v in t["retained"]],
        _("ARPA (monthly)"): lang.money_column(t["arpa"], cur),
        _("CRC (monthly)"): lang.money_column(t["crc"], cur),
        _("CRC / ARPA"): [lang.percent(v) if finite(v) else _("n/a") for v in t["crc_arpa"]],
        _("New customers"): [lang.number(v) for v in t["new"]],
        _("CAC"): lang.money_column(t["cac"], cur),
        _("CAC in months of CRC"): [lang.number(v, 1) if finite(v) else _("n/a")
                                    for v in t["cac_crc"]],
    }, index=pd.Index(names, name=_("Acquisition channel")))
    return out
