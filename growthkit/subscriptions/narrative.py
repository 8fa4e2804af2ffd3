"""The subscriptions report's sentences: the summary paragraph, the section sentences, the
headline.

Every sentence is computed from the numbers it states, and a sentence whose fact does not hold
is not shown (or says the opposite). All of it goes through the report's
:class:`~growthkit.i18n.Language`: words from the ``subscriptions`` gettext catalog, numbers,
shares, money and months formatted by Babel for its locale and digits, and data-derived strings
(plans, channels, funnel steps) bidi-isolated in every language: :meth:`Language.data` in
Markdown (escaped too, so a plan named ``<script>`` shows as typed). The section texts are in
:mod:`growthkit.subscriptions.display`, the tables in :mod:`growthkit.subscriptions.tables`,
the notes' codes and templates in :mod:`growthkit.subscriptions.messages`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.formatting import escape
from growthkit.i18n import Language
from growthkit.notes import Note
from growthkit.numeric import finite
from growthkit.subscriptions.engagement import MAU_WINDOW_DAYS
from growthkit.subscriptions.labels import (
    DOMAIN,
    first_of,
    group_name,
    group_plain,
    month_name,
    quarter_name,
    state_name,
    words,
)
from growthkit.subscriptions.messages import (
    CAC_SKIPPED,
    COVERED_SKIPPED,
    EVENTS_SKIPPED,
    FUNNEL_SKIPPED,
    MARGIN_DEFAULT,
    NO_ACTIVITY,
    NO_CHANNEL,
    NO_STARTERS,
    NPS_SKIPPED,
    PLANS_SKIPPED,
)
from growthkit.subscriptions.mrr import month_label

if TYPE_CHECKING:
    from growthkit.subscriptions.analysis import SubscriptionsAnalysis
    from growthkit.subscriptions.crc import CRC

__all__ = [
    "CAC_SKIPPED",
    "COVERED_SKIPPED",
    "DOMAIN",
    "EVENTS_SKIPPED",
    "FUNNEL_SKIPPED",
    "MARGIN_DEFAULT",
    "NO_ACTIVITY",
    "NO_CHANNEL",
    "NO_STARTERS",
    "NPS_SKIPPED",
    "PLANS_SKIPPED",
    "crc_sentence",
    "engagement_sentence",
    "funnel_sentence",
    "group_name",
    "group_plain",
    "headline",
    "month_name",
    "movements_sentence",
    "mrr_sentence",
    "note_markdown",
    "notes_markdown",
    "nps_points",
    "nps_sentence",
    "plans_sentence",
    "quarter_name",
    "retention_sentence",
    "state_name",
    "summary_markdown",
    "value_sentence",
]


def money(lang: Language, value: float, currency: str) -> str:
    """Money for Markdown: formatted in the report's locale, then escaped."""
    return escape(lang.money(value, currency))


def percent(lang: Language, value: float, decimals: int = 1) -> str:
    """A share for Markdown."""
    return escape(lang.percent(value, decimals))


def number(lang: Language, value: float, decimals: int = 0) -> str:
    """A number for Markdown."""
    return escape(lang.number(value, decimals))


def nps_points(lang: Language, x: float) -> str:
    """An NPS in whole points, with a decimal when it would round to a misleading 0."""
    return number(lang, x, 1 if round(x) == 0 and x != 0 else 0)


def note_markdown(note: Note, lang: Language) -> str:
    """A note in the report's language, for Markdown."""
    return note.text(lang, markdown=True)


def notes_markdown(notes: tuple[Note, ...], codes: tuple[str, ...], lang: Language) -> list[str]:
    """The notes with one of ``codes``, in order, for Markdown."""
    return [note_markdown(n, lang) for n in notes if n.code in codes]


# ----------------------------------------------------------------------------- sentences


def mrr_sentence(
    movements: pd.DataFrame, first: dict[str, Any], currency: str, lang: Language | None = None,
    *, each: bool = True,
) -> str:
    """MRR in the last month, its paying customers (and their MRR each unless ``each`` is
    False: the summary states one ARPA, the window's), and the change on a year (or the first
    month) before."""
    lang = words(lang)
    last = movements.iloc[-1]
    n = int(last["customers_end"])
    text = lang.ngettext(
        "MRR was **{mrr}** in {month}, from {n} paying customer",
        "MRR was **{mrr}** in {month}, from {n} paying customers", n,
    ).format(mrr=money(lang, last["end"], currency), month=month_name(last["month"], lang),
             n=number(lang, n))
    if n and each:
        text += lang.gettext(" ({arpa} each)").format(
            arpa=money(lang, last["end"] / n, currency))
    if len(movements) >= 12:
        # The row 12 back starts at the end of the month before it.
        before = movements.iloc[-12]
        ref = month_label(first_of(before["month"]).year * 12
                          + first_of(before["month"]).month - 2)
        ref_mrr = float(before["start"])
    else:
        ref, ref_mrr = first["month"], float(first["mrr"])
    month = month_name(ref, lang)
    if not ref_mrr:
        return text + lang.gettext(", up from nothing in {month}.").format(month=month)
    change = last["end"] / ref_mrr - 1
    if abs(change) < 0.0005:
        return text + lang.gettext(", unchanged from {month}.").format(month=month)
    message = (lang.gettext(", up {change} on {month}.") if change > 0
               else lang.gettext(", down {change} on {month}."))
    return text + message.format(change=percent(lang, abs(change)), month=month)


def movements_sentence(
    window: dict[str, Any], currency: str, lang: Language | None = None
) -> str:
    """Gains and losses over the window, and the quick ratio read out."""
    lang = words(lang)
    w = window
    text = lang.ngettext(
        "Over the month to {month}, new subscribers brought {new} of MRR and expansion "
        "{expansion}, while churn took {churn} and contraction {contraction}",
        "Over the {n} months to {month}, new subscribers brought {new} of MRR and expansion "
        "{expansion}, while churn took {churn} and contraction {contraction}",
        int(w["months"]),
    ).format(n=number(lang, w["months"]), month=month_name(w["last"], lang),
             new=money(lang, w["new"], currency), expansion=money(lang, w["expansion"], currency),
             churn=money(lang, w["churn"], currency),
             contraction=money(lang, w["contraction"], currency))
    if w["reactivation"] > 0:
        text += lang.gettext("; returning customers brought back {amount}").format(
            amount=money(lang, w["reactivation"], currency))
    text += lang.gettext(".")
    q = w["quick_ratio"]
    other = w.get("quick_ratio_with_reactivation" if not w.get("includes_reactivation")
                  else "quick_ratio_without_reactivation")
    text += quick_ratio_text(q, lang)
    if other is not None and finite(q) and finite(other) and abs(other - q) > 5e-3:
        text += " " + (lang.gettext(
            "That is the quick ratio without reactivation, as in the headline; counting "
            "returning customers as a gain it is {other}."
        ) if not w.get("includes_reactivation") else lang.gettext(
            "That is the quick ratio with reactivation counted as a gain, as in the headline; "
            "without it it is {other}."
        )).format(other=number(lang, other, 2))
    return text


def quick_ratio_text(q: float, lang: Language) -> str:
    """The quick ratio read out (with a leading space)."""
    text = ""
    if q == math.inf:
        text += " " + lang.gettext("No MRR was lost.")
    elif not finite(q):
        text += " " + lang.gettext("There were no gains and no losses.")
    elif q >= 1:
        text += " " + lang.gettext(
            "The quick ratio is {q}: each {one} of MRR lost was replaced by {q} of new and "
            "expansion MRR."
        ).format(q=number(lang, q, 2), one=number(lang, 1, 2))
    else:
        text += " " + lang.gettext(
            "The quick ratio is {q}: more MRR was lost than new subscribers and expansion "
            "brought in."
        ).format(q=number(lang, q, 2))
    return text


def yearly_sentence(window: dict[str, Any], lang: Language | None = None) -> str:
    """Trailing-12-month GRR and NRR: what customers paying a year before pay now."""
    lang = words(lang)
    y = window.get("yearly")
    if not y or not finite(y["nrr"]):
        return ""
    return lang.gettext(
        "Over the year to {month}, customers paying twelve months before kept {grr} of their "
        "MRR without expansion (GRR, yearly) and {nrr} with it (NRR, yearly), the figures to "
        "set beside yearly benchmarks."
    ).format(month=month_name(window["last"], lang), grr=percent(lang, y["grr"]),
             nrr=percent(lang, y["nrr"]))


def action_sentence(
    window: dict[str, Any], currency: str, lang: Language | None = None
) -> str:
    """What to act on: the movement that drove MRR most over the window, and the starting
    plan that lost most MRR to churn and contraction."""
    lang = words(lang)
    w = window
    change = w["new"] + w["expansion"] + w["reactivation"] - w["contraction"] - w["churn"]
    names = {"new": lang.gettext("new subscribers"), "expansion": lang.gettext("expansion"),
             "reactivation": lang.gettext("reactivation"), "churn": lang.gettext("churn"),
             "contraction": lang.gettext("contraction")}
    keys = ("new", "expansion", "reactivation") if change >= 0 else ("churn", "contraction")
    driver = max(keys, key=lambda k: w[k])
    message = (lang.gettext("What to act on: MRR rose {change} over the {n} months, most of it "
                            "from {driver} ({amount}).") if change >= 0 else
               lang.gettext("What to act on: MRR fell {change} over the {n} months, most of "
                            "it to {driver} ({amount})."))
    text = message.format(change=money(lang, abs(change), currency),
                          n=number(lang, w["months"]), driver=names[driver],
                          amount=money(lang, w[driver], currency))
    losses = w.get("losses_by_plan")
    total = float(losses["lost"].sum()) if losses is not None and len(losses) else 0.0
    if total > 0 and len(losses) >= 2:
        top = losses.iloc[0]
        text += " " + lang.gettext(
            "Customers who started on {plan} lost the most MRR to churn and contraction "
            "({lost}, {share} of all such losses): start there."
        ).format(plan=lang.data(top["plan"]), lost=money(lang, top["lost"], currency),
                 share=percent(lang, top["lost"] / total, 0))
    return text


def retention_sentence(
    window: dict[str, Any], include_reactivation: bool, lang: Language | None = None
) -> str:
    """Logo churn, gross revenue churn and NRR over the window, with what NRR means."""
    lang = words(lang)
    w = window
    if not finite(w["nrr"]):
        return ""
    message = (
        lang.gettext(
            "On average {logo} of paying customers left each month (logo churn) and gross "
            "revenue churn was {gross} a month; customers paying at the start of a month kept "
            "{nrr} of their MRR by its end (NRR, reactivation included)"
        ) if include_reactivation else lang.gettext(
            "On average {logo} of paying customers left each month (logo churn) and gross "
            "revenue churn was {gross} a month; customers paying at the start of a month kept "
            "{nrr} of their MRR by its end (NRR, reactivation not included)"
        )
    )
    text = message.format(logo=percent(lang, w["logo_churn"]),
                          gross=percent(lang, w["gross_revenue_churn"]),
                          nrr=percent(lang, w["nrr"]))
    if w["nrr"] > 1:
        return text + lang.gettext(": expansion more than made up for churn and contraction.")
    if w["nrr"] == 1:
        return text + lang.gettext(": expansion exactly made up for churn and contraction.")
    return text + lang.gettext(": expansion did not make up for churn and contraction.")


def _interval(lang: Language, row: pd.Series, key: str) -> str:
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if finite(low) and finite(high):
        return lang.gettext("{low} to {high}").format(low=percent(lang, low, 0),
                                                      high=percent(lang, high, 0))
    return ""


def plans_sentence(
    table: pd.DataFrame, lang: Language | None = None, level: float = 0.9
) -> str:
    """Which plan keeps subscribers longest, by the projected 12-month survival.

    The plans are called different only when their ``level`` intervals do not overlap.
    """
    lang = words(lang)
    fitted = table[table["survival_12"].notna()] if "survival_12" in table else table.iloc[0:0]
    if fitted.empty:
        return ""
    fitted = fitted.sort_values("survival_12", ascending=False)
    best = fitted.iloc[0]
    level_text = percent(lang, level, 0)
    if len(fitted) == 1:
        span = _interval(lang, best, "survival_12")
        if span:
            return lang.gettext(
                "The retention model projects {share} of new subscribers still paying 12 months "
                "after their first payment ({level} interval {span})."
            ).format(share=percent(lang, best["survival_12"], 0), level=level_text, span=span)
        return lang.gettext(
            "The retention model projects {share} of new subscribers still paying 12 months "
            "after their first payment."
        ).format(share=percent(lang, best["survival_12"], 0))
    worst = fitted.iloc[-1]
    apart = (finite(best["survival_12_low"]) and finite(worst["survival_12_high"])
             and best["survival_12_low"] > worst["survival_12_high"])
    b, w = lang.data(group_plain(best["group"], lang)), lang.data(group_plain(worst["group"], lang))
    if apart:
        return lang.gettext(
            "Subscribers who start on {best} stay longest: the retention model projects {share} "
            "of them still paying after 12 months ({level} interval {span}), against {other} of "
            "those who start on {worst}."
        ).format(best=b, share=percent(lang, best["survival_12"], 0), level=level_text,
                 span=_interval(lang, best, "survival_12"),
                 other=percent(lang, worst["survival_12"], 0), worst=w)
    return lang.gettext(
        "The plans keep subscribers about alike: after 12 months the retention model projects "
        "{share} still paying on {best} and {other} on {worst}, with overlapping {level} "
        "intervals."
    ).format(share=percent(lang, best["survival_12"], 0), best=b,
             other=percent(lang, worst["survival_12"], 0), worst=w, level=level_text)


def crc_sentence(
    crc: CRC | None, currency: str, lang: Language | None = None, *, short: bool = False
) -> str:
    """The customer retention cost against ARPA and CAC, and the channel where winning a
    customer costs the most months of keeping one (``short``: the cost and its share of ARPA
    only, for the summary)."""
    lang = words(lang)
    if crc is None or not finite(crc.overall["crc"]):
        return ""
    o = crc.overall
    if short:
        return lang.gettext(
            "Keeping a paying customer costs {crc} a month in retention spend (CRC), {share} of "
            "what they pay."
        ).format(crc=money(lang, o["crc"], currency), share=percent(lang, o["crc_arpa"]))
    fields = {"crc": money(lang, o["crc"], currency),
              "spend": money(lang, o["retention_spend"], currency),
              "retained": number(lang, o["retained"]),
              "first": month_name(month_label(crc.first), lang),
              "last": month_name(month_label(crc.last), lang),
              "share": percent(lang, o["crc_arpa"]), "arpa": money(lang, o["arpa"], currency)}
    text = lang.gettext(
        "Keeping a customer costs {crc} a month (customer retention cost: {spend} of retention "
        "spend over {retained} retained customer-months, {first} to {last}), {share} of the "
        "{arpa} a paying customer pays a month."
    ).format(**fields)
    if finite(o["cac_crc"]):
        text += " " + lang.gettext(
            "Acquisition spend per customer won in those months was {cac}: winning a customer "
            "costs as much as keeping one for {months} months."
        ).format(cac=money(lang, o["cac"], currency), months=number(lang, o["cac_crc"], 1))
    rows = crc.table.iloc[:-1]
    rows = rows[rows["cac_crc"].map(finite) & (rows["new"] > 0)]
    if len(rows) >= 2:
        top = rows.loc[rows["cac_crc"].idxmax()]
        text += " " + lang.gettext(
            "Winning a customer costs the most against keeping one on {channel} (CAC {cac}, "
            "{months} months of retention)."
        ).format(channel=lang.data(top["channel"]), cac=money(lang, top["cac"], currency),
                 months=number(lang, top["cac_crc"], 1))
    return text


def value_sentence(value: dict[str, Any], currency: str, lang: Language | None = None) -> str:
    """LTV against CAC, and the payback."""
    lang = words(lang)
    v = value
    if not finite(v["ltv"]):
        return lang.gettext(
            "No paying customer left in the window, so lifetime value has no finite estimate "
            "yet."
        )
    ltv = money(lang, v["ltv"], currency)
    if v["gross_margin"] < 1:
        text = lang.gettext(
            "A customer is worth {ltv} over their lifetime (LTV at {margin} gross margin)"
        ).format(ltv=ltv, margin=percent(lang, v["gross_margin"], 0))
    else:
        text = lang.gettext(
            "A customer is worth {ltv} over their lifetime (LTV in revenue)"
        ).format(ltv=ltv)
    if v["cac"] is None:
        return text + lang.gettext(".")
    text += lang.gettext(" against a CAC of {cac}").format(cac=money(lang, v["cac"], currency))
    ratio = v["ltv_cac"]
    if finite(ratio):
        if ratio >= 1:
            text += lang.gettext(": LTV:CAC is {ratio}").format(ratio=number(lang, ratio, 1))
        else:
            text += lang.gettext(
                ": LTV:CAC is {ratio}, so a customer costs more to win than they bring"
            ).format(ratio=number(lang, ratio, 1))
    payback = v["cac_payback_months"]
    if payback is not None:
        text += lang.gettext(
            ", and the margin of an average new customer repays it in month {month} after the "
            "first payment."
        ).format(month=number(lang, payback))
    else:
        months = int(v["payback_months_observed"]) + 1
        text += lang.ngettext(
            ", and the margin of an average new customer has not repaid it within the {n} "
            "month observed.",
            ", and the margin of an average new customer has not repaid it within the {n} "
            "months observed.", months,
        ).format(n=number(lang, months))
    return text


def funnel_sentence(trial: dict[str, Any] | None, lang: Language | None = None) -> str:
    """Trial → paid conversion, with the best and worst channel when there are several."""
    lang = words(lang)
    if trial is None or not finite(trial.get("conversion")):
        return ""
    share = percent(lang, trial["conversion"], 0)
    by = {k: v["conversion"] for k, v in trial["by_channel"].items()
          if finite(v["conversion"]) and v["trials"] > 0}
    if len(by) >= 2:
        best = max(by, key=by.get)
        worst = min(by, key=by.get)
        if by[best] > by[worst]:
            return lang.gettext(
                "{share} of trials became paying customers; {best} converted best "
                "({best_share}) and {worst} worst ({worst_share})."
            ).format(share=share, best=lang.data(best), best_share=percent(lang, by[best], 0),
                     worst=lang.data(worst), worst_share=percent(lang, by[worst], 0))
    return lang.gettext("{share} of trials became paying customers.").format(share=share)


def nps_sentence(nps: dict[str, Any] | None, lang: Language | None = None) -> str:
    """NPS with its interval and method, and what its sign means."""
    lang = words(lang)
    if nps is None:
        return ""
    score, method = nps["score"], nps["method"]
    if score > 0:
        message = lang.ngettext(
            "NPS is {score} from {n} answer ({level} CI {low} to {high} by the {method} "
            "method): more promoters than detractors.",
            "NPS is {score} from {n} answers ({level} CI {low} to {high} by the {method} "
            "method): more promoters than detractors.", nps["n"])
    elif score < 0:
        message = lang.ngettext(
            "NPS is {score} from {n} answer ({level} CI {low} to {high} by the {method} "
            "method): more detractors than promoters.",
            "NPS is {score} from {n} answers ({level} CI {low} to {high} by the {method} "
            "method): more detractors than promoters.", nps["n"])
    else:
        message = lang.ngettext(
            "NPS is {score} from {n} answer ({level} CI {low} to {high} by the {method} "
            "method): as many promoters as detractors.",
            "NPS is {score} from {n} answers ({level} CI {low} to {high} by the {method} "
            "method): as many promoters as detractors.", nps["n"])
    return message.format(score=nps_points(lang, score), n=number(lang, nps["n"]),
                          level=percent(lang, nps["level"], 0), low=nps_points(lang, nps["ci_low"]),
                          high=nps_points(lang, nps["ci_high"]),
                          method=escape(lang.gettext(method)))


def engagement_sentence(stickiness: float | None, lang: Language | None = None) -> str:
    """DAU/MAU over the last 28 days, in days per 28."""
    lang = words(lang)
    if stickiness is None or not finite(stickiness):
        return ""
    return lang.gettext(
        "DAU/MAU over the last {window} days is {share} ({window}-day MAU window): a monthly "
        "active customer is active on about {days} days in {window}."
    ).format(window=number(lang, MAU_WINDOW_DAYS), share=percent(lang, stickiness, 0),
             days=number(lang, stickiness * MAU_WINDOW_DAYS))


def summary_markdown(a: SubscriptionsAnalysis) -> str:
    """The paragraph at the top of the report, then the plans, value and customers."""
    lang, cur = a.lang, a.currency
    first = " ".join(s for s in (
        mrr_sentence(a.movements, a.first_month, cur, lang, each=False),
        movements_sentence(a.window, cur, lang),
        retention_sentence(a.window, a.settings.include_reactivation, lang),
        yearly_sentence(a.window, lang),
    ) if s)
    second = " ".join(s for s in (
        plans_sentence(a.sbg_table(), lang, a.level),
        value_sentence(a.value, cur, lang),
        crc_sentence(a.crc, cur, lang, short=True),
    ) if s)
    third = " ".join(s for s in (
        funnel_sentence(a.trial_conversion(), lang),
        nps_sentence(a.nps, lang),
        engagement_sentence(a.stickiness(), lang),
    ) if s)
    return "\n\n".join(p for p in (first, second, third,
                                     action_sentence(a.window, cur, lang)) if p)


def headline(a: SubscriptionsAnalysis) -> dict[str, str]:
    """Label -> formatted value for the landing page, in the report's language."""
    lang = a.lang
    last = a.movements.iloc[-1]
    out = {
        lang.gettext("MRR ({month})").format(month=month_name(last["month"], lang, short=True)):
            lang.money(last["end"], a.currency),
        lang.gettext("NRR (monthly)"): lang.percent(a.window["nrr"]),
        lang.gettext("Logo churn (monthly)"): lang.percent(a.window["logo_churn"]),
    }
    if finite(a.value["ltv_cac"]):
        out[lang.gettext("LTV:CAC")] = lang.number(a.value["ltv_cac"], 1)
    if a.nps is not None:
        score = a.nps["score"]
        out[lang.gettext("NPS")] = lang.number(score, 1 if round(score) == 0 and score else 0)
    return out


