"""The subscriptions report's words: the summary, the section sentences and formatted tables.

Every sentence is computed from the numbers it states, and a sentence whose fact does not hold
is not shown (or says the opposite). All of it goes through the report's
:class:`~growthkit.i18n.Language`: words from the ``subscriptions`` gettext catalog, numbers,
shares, money and months formatted by Babel for its locale and digits, and data-derived strings
(plans, channels, funnel steps) bidi-isolated in every language: :meth:`Language.data` in
Markdown (escaped too, so a plan named ``<script>`` shows as typed), :meth:`Language.isolate`
in table cells (the tables are in :mod:`growthkit.subscriptions.tables`).

The notes that go into the JSON (``notes``) stay plain English text, as the constants here
say them; the report shows them in its language (:func:`note_text`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthkit.formatting import escape
from growthkit.i18n import N_, Language, get_language
from growthkit.subscriptions.engagement import MAU_WINDOW_DAYS
from growthkit.subscriptions.migration import CANCELLED
from growthkit.subscriptions.mrr import MonthRange, month_label
from growthkit.subscriptions.nps import INTERVAL_METHOD
from growthkit.subscriptions.retention import ALL, MIN_CUSTOMERS, MIN_MONTHS

if TYPE_CHECKING:
    from growthkit.subscriptions.analysis import SubscriptionsAnalysis
    from growthkit.subscriptions.retention import SBGFit

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
    "data_markdown",
    "engagement_markdown",
    "engagement_sentence",
    "english",
    "funnel_markdown",
    "funnel_sentence",
    "group_name",
    "headline",
    "lang_of",
    "migration_markdown",
    "month_name",
    "month_notes",
    "movements_markdown",
    "movements_sentence",
    "mrr_sentence",
    "note_text",
    "nps_markdown",
    "nps_sentence",
    "plans_sentence",
    "quarter_name",
    "rates_markdown",
    "retention_sentence",
    "state_name",
    "summary_markdown",
    "value_sentence",
]

#: The report's gettext domain (``growthkit/locale/LANG/LC_MESSAGES/subscriptions.po``).
DOMAIN = "subscriptions"

#: Notes for sections skipped for want of an input (plain text; JSON ``notes``).
PLANS_SKIPPED = N_(
    "Retention by plan and plan migration are skipped: no plan column was given (set "
    "plan_col to the column naming each charge's plan)."
)
COVERED_SKIPPED = N_(
    "Every charge counts as one month of MRR: no months-covered column was given (set "
    "months_covered_col to spread yearly or quarterly charges over the months they cover)."
)
EVENTS_SKIPPED = N_(
    "The funnel, trial conversion and DAU/MAU are skipped: no events_data was given (a table "
    "of customer_id, timestamp and event, optionally channel)."
)
NPS_SKIPPED = N_(
    "NPS is skipped: no nps_data was given (a table of survey answers with a score column "
    "from 0 to 10)."
)
CAC_SKIPPED = N_(
    "LTV:CAC and CAC payback are skipped: no cac was given (set cac to the cost of "
    "acquiring one paying customer)."
)
MARGIN_DEFAULT = N_(
    "LTV is in revenue, not margin: no gross_margin was given, so 1.0 is used (set "
    "gross_margin to the share of revenue kept as profit)."
)
FUNNEL_SKIPPED = N_(
    "The funnel is skipped: funnel_steps names fewer than two steps (give the event names in "
    "funnel order, e.g. visit,signup,trial_start,paid)."
)
NO_CHANNEL = N_(
    "events_data has no channel column: the funnel and trial conversion are shown overall "
    "only."
)
NO_ACTIVITY = N_(
    "DAU/MAU is skipped: events_data has no events other than the funnel steps (activity "
    "such as a workout or a login)."
)
#: Why the retention model over everyone has no fit when nobody started after month one.
NO_STARTERS = N_("no customer started paying after the first month of data")


def english() -> Language:
    """The report's words in English (the JSON notes, and the default of every function)."""
    return get_language("en", domain=DOMAIN)


def lang_of(lang: Language | None) -> Language:
    """``lang`` with the subscriptions catalog; English when None."""
    return english() if lang is None else get_language(lang, domain=DOMAIN)


def _m(lang: Language, value: float, currency: str) -> str:
    """Money for Markdown: formatted in the report's locale, then escaped."""
    return escape(lang.money(value, currency))


def _p(lang: Language, value: float, decimals: int = 1) -> str:
    return escape(lang.percent(value, decimals))


def _n(lang: Language, value: float, decimals: int = 0) -> str:
    return escape(lang.number(value, decimals))


def _score(lang: Language, x: float) -> str:
    """An NPS in whole points, with a decimal when it would round to a misleading 0."""
    return _n(lang, x, 1 if round(x) == 0 and x != 0 else 0)


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _first_of(label: str) -> dt.date:
    year, month = label.split("-")
    return dt.date(int(year), int(month), 1)


def month_name(label: str | int, lang: Language | None = None, *, short: bool = False) -> str:
    """``"2024-11"`` (or a month key) -> ``"November 2024"`` (``"Nov 2024"`` when ``short``)
    in the report's language."""
    lang = lang_of(lang)
    if not isinstance(label, str):
        label = month_label(label)
    return lang.date(_first_of(label), "MMM y" if short else "MMMM y")


def quarter_name(label: str, lang: Language | None = None) -> str:
    """``"2024-Q1"`` -> ``"Q1 2024"`` / ``"الربع الأول 2024"``; other text isolated as is."""
    lang = lang_of(lang)
    try:
        year, quarter = label.split("-Q")
        return lang.date(dt.date(int(year), 3 * int(quarter) - 2, 1), "QQQ y")
    except ValueError:
        return lang.isolate(label)


def group_name(name: str, lang: Language | None = None) -> str:
    """A retention-model group for a table cell: "all customers" translated, a plan isolated."""
    lang = lang_of(lang)
    return lang.gettext("all customers") if name == ALL else lang.isolate(name)


def state_name(state: str, lang: Language | None = None) -> str:
    """A plan-migration state for a table or chart: "cancelled" translated, a plan isolated."""
    lang = lang_of(lang)
    return lang.pgettext("plan state", "cancelled") if state == CANCELLED else lang.isolate(state)


def note_text(note: str, lang: Language | None = None) -> str:
    """A fixed note (one of the constants here) in the report's language, escaped."""
    return escape(lang_of(lang).gettext(note))


# ----------------------------------------------------------------------------- notes


def months_without_payers(movements: pd.DataFrame) -> list[str]:
    """Months in the movements with no paying customer at all."""
    return movements.loc[movements["customers_end"] == 0, "month"].tolist()


def month_notes(
    months: MonthRange, first: dict[str, Any], movements: pd.DataFrame,
    lang: Language | None = None,
) -> list[str]:
    """Notes on the months: the first, the partial last, months without payers.

    Plain text (the JSON ``notes`` in English); pass each through
    :func:`growthkit.formatting.escape` to show it in Markdown.
    """
    lang = lang_of(lang)
    notes = [
        lang.gettext(
            "The first month of data ({first}) has no opening balance, so the movements start "
            "in {next}; customers already paying in {first} joined at an unknown time and are "
            "left out of the retention model and the CAC payback."
        ).format(first=month_name(first["month"], lang),
                 next=month_name(months.first + 1, lang))
    ]
    if months.partial is not None:
        notes.append(lang.gettext(
            "Charges run to {day}: {month} is not over in the data, so it is left out "
            "(customers not yet billed in it would read as churned); a month counts once it has "
            "ended on or before the last charge day."
        ).format(day=lang.date(months.last_day), month=month_name(months.partial, lang)))
    elif months.monthly_data:
        notes.append(lang.gettext(
            "Every paid charge is dated on the first of its month (monthly data), so each "
            "month counts as complete, through {month}."
        ).format(month=month_name(months.last, lang)))
    empty = months_without_payers(movements)
    if empty:
        shown = [month_name(m, lang) for m in empty[:3]]
        if len(empty) > 3:
            more = len(empty) - 3
            shown.append(lang.ngettext("{n} more month", "{n} more months", more)
                         .format(n=lang.number(more)))
        notes.append(lang.gettext(
            "{months}: no paid charge at all. Every customer paying the month before reads as "
            "churned, and those who pay again as reactivated; check that the data are complete."
        ).format(months=lang.join(shown)))
    return notes


def unfitted_note(fit: SBGFit, by_plan: bool, lang: Language | None = None) -> str:
    """Why a group has no retention model (plain text; escape it for Markdown)."""
    lang = lang_of(lang)
    if fit.starters < MIN_CUSTOMERS:
        reason = lang.ngettext(
            "{n} new subscriber, fewer than {least}", "{n} new subscribers, fewer than {least}",
            fit.starters,
        ).format(n=lang.number(fit.starters), least=lang.number(MIN_CUSTOMERS))
    elif fit.reason and len(fit.observed) - 1 < MIN_MONTHS:
        months = len(fit.observed) - 1
        reason = lang.ngettext(
            "{n} month observed, fewer than {least}: too early to project",
            "{n} months observed, fewer than {least}: too early to project", months,
        ).format(n=lang.number(months), least=lang.number(MIN_MONTHS))
    else:
        given = fit.reason or NO_STARTERS
        reason = lang.gettext(given)
        if reason == given and lang.code != "en":
            reason = lang.gettext("the fit did not converge")
    if fit.name == ALL:
        return lang.gettext(
            "The retention model (sBG) is not fitted for all customers: {reason}."
        ).format(reason=reason)
    message = (
        lang.gettext("The retention model (sBG) is not fitted for plan {name}: {reason}.")
        if by_plan else
        lang.gettext("The retention model (sBG) is not fitted for {name}: {reason}.")
    )
    return message.format(name=lang.isolate(fit.name), reason=reason)


def step_missing_note(step: str, lang: Language | None = None) -> str:
    """A funnel step with no event of its name at all (plain text)."""
    lang = lang_of(lang)
    return lang.gettext(
        "No event in events_data is named {step}, so that funnel step shows 0 people; check "
        "the name in funnel_steps."
    ).format(step=lang.isolate(repr(step)))


# ----------------------------------------------------------------------------- sentences


def mrr_sentence(
    movements: pd.DataFrame, first: dict[str, Any], currency: str, lang: Language | None = None
) -> str:
    """MRR in the last month, its customers and ARPA, and the change on a year (or the first
    month) before."""
    lang = lang_of(lang)
    last = movements.iloc[-1]
    n = int(last["customers_end"])
    text = lang.ngettext(
        "MRR was **{mrr}** in {month}, from {n} paying customer",
        "MRR was **{mrr}** in {month}, from {n} paying customers", n,
    ).format(mrr=_m(lang, last["end"], currency), month=month_name(last["month"], lang),
             n=_n(lang, n))
    if n:
        text += lang.gettext(" ({arpa} each)").format(
            arpa=_m(lang, last["end"] / n, currency))
    if len(movements) >= 12:
        # The row 12 back starts at the end of the month before it.
        before = movements.iloc[-12]
        ref = month_label(_first_of(before["month"]).year * 12
                          + _first_of(before["month"]).month - 2)
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
    return text + message.format(change=_p(lang, abs(change)), month=month)


def movements_sentence(
    window: dict[str, Any], currency: str, lang: Language | None = None
) -> str:
    """Gains and losses over the window, and the quick ratio read out."""
    lang = lang_of(lang)
    w = window
    text = lang.ngettext(
        "Over the month to {month}, new subscribers brought {new} of MRR and expansion "
        "{expansion}, while churn took {churn} and contraction {contraction}",
        "Over the {n} months to {month}, new subscribers brought {new} of MRR and expansion "
        "{expansion}, while churn took {churn} and contraction {contraction}",
        int(w["months"]),
    ).format(n=_n(lang, w["months"]), month=month_name(w["last"], lang),
             new=_m(lang, w["new"], currency), expansion=_m(lang, w["expansion"], currency),
             churn=_m(lang, w["churn"], currency),
             contraction=_m(lang, w["contraction"], currency))
    if w["reactivation"] > 0:
        text += lang.gettext("; returning customers brought back {amount}").format(
            amount=_m(lang, w["reactivation"], currency))
    text += lang.gettext(".")
    q = w["quick_ratio"]
    if q == math.inf:
        text += " " + lang.gettext("No MRR was lost.")
    elif not _finite(q):
        text += " " + lang.gettext("There were no gains and no losses.")
    elif q >= 1:
        text += " " + lang.gettext(
            "The quick ratio is {q}: each {one} of MRR lost was replaced by {q} of new and "
            "expansion MRR."
        ).format(q=_n(lang, q, 2), one=_n(lang, 1, 2))
    else:
        text += " " + lang.gettext(
            "The quick ratio is {q}: more MRR was lost than new subscribers and expansion "
            "brought in."
        ).format(q=_n(lang, q, 2))
    return text


def retention_sentence(
    window: dict[str, Any], include_reactivation: bool, lang: Language | None = None
) -> str:
    """Logo churn, gross revenue churn and NRR over the window, with what NRR means."""
    lang = lang_of(lang)
    w = window
    if not _finite(w["nrr"]):
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
    text = message.format(logo=_p(lang, w["logo_churn"]), gross=_p(lang, w["gross_revenue_churn"]),
                          nrr=_p(lang, w["nrr"]))
    if w["nrr"] > 1:
        return text + lang.gettext(": expansion more than made up for churn and contraction.")
    if w["nrr"] == 1:
        return text + lang.gettext(": expansion exactly made up for churn and contraction.")
    return text + lang.gettext(": expansion did not make up for churn and contraction.")


def _interval(lang: Language, row: pd.Series, key: str) -> str:
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if _finite(low) and _finite(high):
        return lang.gettext("{low} to {high}").format(low=_p(lang, low, 0), high=_p(lang, high, 0))
    return ""


def plans_sentence(
    table: pd.DataFrame, lang: Language | None = None, level: float = 0.9
) -> str:
    """Which plan keeps subscribers longest, by the projected 12-month survival.

    The plans are called different only when their ``level`` intervals do not overlap.
    """
    lang = lang_of(lang)
    fitted = table[table["survival_12"].notna()] if "survival_12" in table else table.iloc[0:0]
    if fitted.empty:
        return ""
    fitted = fitted.sort_values("survival_12", ascending=False)
    best = fitted.iloc[0]
    level_text = _p(lang, level, 0)
    if len(fitted) == 1:
        span = _interval(lang, best, "survival_12")
        if span:
            return lang.gettext(
                "The retention model projects {share} of new subscribers still paying 12 months "
                "after their first payment ({level} interval {span})."
            ).format(share=_p(lang, best["survival_12"], 0), level=level_text, span=span)
        return lang.gettext(
            "The retention model projects {share} of new subscribers still paying 12 months "
            "after their first payment."
        ).format(share=_p(lang, best["survival_12"], 0))
    worst = fitted.iloc[-1]
    apart = (_finite(best["survival_12_low"]) and _finite(worst["survival_12_high"])
             and best["survival_12_low"] > worst["survival_12_high"])
    b, w = lang.data(group_plain(best["group"], lang)), lang.data(group_plain(worst["group"], lang))
    if apart:
        return lang.gettext(
            "Subscribers who start on {best} stay longest: the retention model projects {share} "
            "of them still paying after 12 months ({level} interval {span}), against {other} of "
            "those who start on {worst}."
        ).format(best=b, share=_p(lang, best["survival_12"], 0), level=level_text,
                 span=_interval(lang, best, "survival_12"),
                 other=_p(lang, worst["survival_12"], 0), worst=w)
    return lang.gettext(
        "The plans keep subscribers about alike: after 12 months the retention model projects "
        "{share} still paying on {best} and {other} on {worst}, with overlapping {level} "
        "intervals."
    ).format(share=_p(lang, best["survival_12"], 0), best=b,
             other=_p(lang, worst["survival_12"], 0), worst=w, level=level_text)


def group_plain(name: str, lang: Language) -> str:
    """A group's name as text: "all customers" translated, a plan as typed."""
    return lang.gettext("all customers") if name == ALL else str(name)


def value_sentence(value: dict[str, Any], currency: str, lang: Language | None = None) -> str:
    """LTV against CAC, and the payback."""
    lang = lang_of(lang)
    v = value
    if not _finite(v["ltv"]):
        return lang.gettext(
            "No paying customer left in the window, so lifetime value has no finite estimate "
            "yet."
        )
    ltv = _m(lang, v["ltv"], currency)
    if v["gross_margin"] < 1:
        text = lang.gettext(
            "A customer is worth {ltv} over their lifetime (LTV at {margin} gross margin)"
        ).format(ltv=ltv, margin=_p(lang, v["gross_margin"], 0))
    else:
        text = lang.gettext(
            "A customer is worth {ltv} over their lifetime (LTV in revenue)"
        ).format(ltv=ltv)
    if v["cac"] is None:
        return text + lang.gettext(".")
    text += lang.gettext(" against a CAC of {cac}").format(cac=_m(lang, v["cac"], currency))
    ratio = v["ltv_cac"]
    if _finite(ratio):
        if ratio >= 1:
            text += lang.gettext(": LTV:CAC is {ratio}").format(ratio=_n(lang, ratio, 1))
        else:
            text += lang.gettext(
                ": LTV:CAC is {ratio}, so a customer costs more to win than they bring"
            ).format(ratio=_n(lang, ratio, 1))
    payback = v["cac_payback_months"]
    if payback is not None:
        text += lang.gettext(
            ", and the margin of an average new customer repays it in month {month} after the "
            "first payment."
        ).format(month=_n(lang, payback))
    else:
        months = int(v["payback_months_observed"]) + 1
        text += lang.ngettext(
            ", and the margin of an average new customer has not repaid it within the {n} "
            "month observed.",
            ", and the margin of an average new customer has not repaid it within the {n} "
            "months observed.", months,
        ).format(n=_n(lang, months))
    return text


def funnel_sentence(trial: dict[str, Any] | None, lang: Language | None = None) -> str:
    """Trial → paid conversion, with the best and worst channel when there are several."""
    lang = lang_of(lang)
    if trial is None or not _finite(trial.get("conversion")):
        return ""
    share = _p(lang, trial["conversion"], 0)
    by = {k: v["conversion"] for k, v in trial["by_channel"].items()
          if _finite(v["conversion"]) and v["trials"] > 0}
    if len(by) >= 2:
        best = max(by, key=by.get)
        worst = min(by, key=by.get)
        if by[best] > by[worst]:
            return lang.gettext(
                "{share} of trials became paying customers; {best} converted best "
                "({best_share}) and {worst} worst ({worst_share})."
            ).format(share=share, best=lang.data(best), best_share=_p(lang, by[best], 0),
                     worst=lang.data(worst), worst_share=_p(lang, by[worst], 0))
    return lang.gettext("{share} of trials became paying customers.").format(share=share)


def nps_sentence(nps: dict[str, Any] | None, lang: Language | None = None) -> str:
    """NPS with its interval and method, and what its sign means."""
    lang = lang_of(lang)
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
    return message.format(score=_score(lang, score), n=_n(lang, nps["n"]),
                          level=_p(lang, nps["level"], 0), low=_score(lang, nps["ci_low"]),
                          high=_score(lang, nps["ci_high"]),
                          method=escape(lang.gettext(method)))


def engagement_sentence(stickiness: float | None, lang: Language | None = None) -> str:
    """DAU/MAU over the last 28 days, in days per 28."""
    lang = lang_of(lang)
    if stickiness is None or not _finite(stickiness):
        return ""
    return lang.gettext(
        "DAU/MAU over the last {window} days is {share} ({window}-day MAU window): a monthly "
        "active customer is active on about {days} days in {window}."
    ).format(window=_n(lang, MAU_WINDOW_DAYS), share=_p(lang, stickiness, 0),
             days=_n(lang, stickiness * MAU_WINDOW_DAYS))


def summary_markdown(a: SubscriptionsAnalysis) -> str:
    """The paragraph at the top of the report, then the plans, value and customers."""
    lang, cur = a.lang, a.currency
    first = " ".join(s for s in (
        mrr_sentence(a.movements, a.first_month, cur, lang),
        movements_sentence(a.window, cur, lang),
        retention_sentence(a.window, bool(a.parameters.get("include_reactivation")), lang),
    ) if s)
    second = " ".join(s for s in (
        plans_sentence(a.sbg_table(), lang, a.level),
        value_sentence(a.value, cur, lang),
    ) if s)
    third = " ".join(s for s in (
        funnel_sentence(a.trial_conversion(), lang),
        nps_sentence(a.nps, lang),
        engagement_sentence(a.stickiness(), lang),
    ) if s)
    return "\n\n".join(p for p in (first, second, third) if p)


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
    if _finite(a.value["ltv_cac"]):
        out[lang.gettext("LTV:CAC")] = lang.number(a.value["ltv_cac"], 1)
    if a.nps is not None:
        score = a.nps["score"]
        out[lang.gettext("NPS")] = lang.number(score, 1 if round(score) == 0 and score else 0)
    return out


# ----------------------------------------------------------------------------- sections


def data_markdown(a: SubscriptionsAnalysis) -> str:
    """What went in, how the months are counted, and data quality."""
    lang, o, cur = a.lang, a.overview, a.currency
    text = [
        lang.ngettext(
            "{charges} charges from {n} customer, {first} to {last}, {revenue} in total; the "
            "report covers {months} complete months, {first_month} to {last_month}.",
            "{charges} charges from {n} customers, {first} to {last}, {revenue} in total; the "
            "report covers {months} complete months, {first_month} to {last_month}.",
            o["customers"],
        ).format(charges=_n(lang, o["charges"]), n=_n(lang, o["customers"]),
                 first=lang.date(o["first_day"]), last=lang.date(o["last_day"]),
                 revenue=_m(lang, o["revenue"], cur), months=_n(lang, a.months.months),
                 first_month=month_name(a.months.first, lang),
                 last_month=month_name(a.months.last, lang))
    ]
    text += [escape(n) for n in month_notes(a.months, a.first_month, a.movements, lang)[1:]]
    if o["zero_amount_charges"]:
        text.append(lang.ngettext(
            "{n} charge is for 0 (such as a trial or a free month): it carries no MRR, and a "
            "customer whose month holds only such charges is not paying that month.",
            "{n} charges are for 0 (such as trials or free months): they carry no MRR, and a "
            "customer whose month holds only such charges is not paying that month.",
            o["zero_amount_charges"],
        ).format(n=_n(lang, o["zero_amount_charges"])))
    if o["refunds"]:
        text.append(lang.ngettext(
            "{n} refund ({amount}) nets against its customer's charges of the same month; a "
            "month that nets to 0 or less carries no MRR.",
            "{n} refunds ({amount}) net against their customer's charges of the same month; a "
            "month that nets to 0 or less carries no MRR.", o["refunds"],
        ).format(n=_n(lang, o["refunds"]), amount=_m(lang, abs(o["refund_total"]), cur)))
    if COVERED_SKIPPED in a.notes:
        text.append(note_text(COVERED_SKIPPED, lang))
    dup = a.data_quality.get("duplicate_rows")
    if dup:
        text.append(lang.ngettext(
            "{n} row repeats another row exactly; it was kept (remove it if the data were "
            "loaded twice).",
            "{n} rows repeat another row exactly; they were kept (remove them if the data were "
            "loaded twice).", dup,
        ).format(n=_n(lang, dup)))
    excluded = a.data_quality.get("excluded_orders")
    if excluded:
        text.append(lang.ngettext(
            "{n} charge dated in the future or far after the others was left out.",
            "{n} charges dated in the future or far after the others were left out.", excluded,
        ).format(n=_n(lang, excluded)))
    return "\n\n".join(text)


def movements_markdown(a: SubscriptionsAnalysis) -> str:
    """The first month's missing opening balance, and months without paid charges."""
    lang, f = a.lang, a.first_month
    text = lang.ngettext(
        "The first month of data, {month}, has no opening balance, so it has no movements: it "
        "ends with {mrr} of MRR from {n} paying customer, and the table starts the month after.",
        "The first month of data, {month}, has no opening balance, so it has no movements: it "
        "ends with {mrr} of MRR from {n} paying customers, and the table starts the month after.",
        int(f["customers"]),
    ).format(month=month_name(f["month"], lang), mrr=_m(lang, f["mrr"], a.currency),
             n=_n(lang, f["customers"]))
    empty = months_without_payers(a.movements)
    if empty:
        text += " " + lang.ngettext(
            "{n} month has no paid charge at all ({months}): every payer of the month before "
            "shows as churn.",
            "{n} months have no paid charge at all ({months}): every payer of the month before "
            "shows as churn.", len(empty),
        ).format(n=_n(lang, len(empty)),
                 months=lang.join([month_name(m, lang) for m in empty]))
    return text


def rates_markdown(a: SubscriptionsAnalysis) -> str:
    """The window, the reactivation rule, and the retention sentence."""
    lang, w = a.lang, a.window
    include = bool(a.parameters.get("include_reactivation"))
    if include:
        rule = lang.gettext(
            "Reactivation is counted as a gain in NRR, net revenue churn and the quick ratio "
            "(`include_reactivation=True`)."
        )
    else:
        rule = lang.gettext(
            "Reactivation is not counted in NRR, net revenue churn or the quick ratio "
            "(`include_reactivation=False`): those customers were not paying at the start of "
            "the month. It is shown on its own line: {share} of the starting MRR a month."
        ).format(share=_p(lang, w["reactivation_rate"], 2))
    span = lang.ngettext(
        "Rates are monthly, over customers paying at the start of each month, and the figures "
        "below are over the month {first}.",
        "Rates are monthly, over customers paying at the start of each month, and the figures "
        "below are over the {n} months {first} to {last}, each month weighted by its starting "
        "MRR.", int(w["months"]),
    ).format(n=_n(lang, w["months"]), first=month_name(w["first"], lang),
             last=month_name(w["last"], lang))
    return " ".join(s for s in (span, rule, retention_sentence(w, include, lang)) if s)


def value_markdown(a: SubscriptionsAnalysis) -> str:
    """ARPA and the value sentence, with how each number is made, and the skipped parts."""
    lang, v = a.lang, a.value
    text = lang.ngettext(
        "ARPA is {arpa} a month and logo churn {churn} a month (over {n} month); LTV = ARPA × "
        "gross margin / churn. The CAC payback is the first month since the first payment in "
        "which the cumulative margin per acquired customer (churned ones included) reaches the "
        "CAC.",
        "ARPA is {arpa} a month and logo churn {churn} a month (over {n} months); LTV = ARPA × "
        "gross margin / churn. The CAC payback is the first month since the first payment in "
        "which the cumulative margin per acquired customer (churned ones included) reaches the "
        "CAC.", int(a.window["months"]),
    ).format(arpa=_m(lang, v["arpa"], a.currency), churn=_p(lang, v["churn"]),
             n=_n(lang, a.window["months"]))
    parts = [text, value_sentence(v, a.currency, lang)]
    parts += [note_text(n, lang) for n in (MARGIN_DEFAULT, CAC_SKIPPED) if n in a.notes]
    return " ".join(parts)


def sbg_markdown(a: SubscriptionsAnalysis) -> str:
    """What the retention model says, and the groups it could not fit."""
    lang = a.lang
    parts = [plans_sentence(a.sbg_table(), lang, a.level)]
    for f in a.sbg_fits:
        if f.model is not None and f.model.homogeneous:
            parts.append(lang.gettext(
                "Churn on {plan} does not vary measurably from one subscriber to the next: the "
                "model reduces to a constant {churn} a month."
            ).format(plan=lang.data(group_plain(f.name, lang)), churn=_p(lang, f.model.mean_churn)))
    by_plan = a.parameters.get("plan_col") is not None
    parts += [escape(unfitted_note(f, by_plan, lang)) for f in a.sbg_fits if f.model is None]
    text = " ".join(p for p in parts if p)
    return text or lang.gettext("The retention model could not be fitted on these data.")


def migration_markdown(a: SubscriptionsAnalysis) -> str:
    """Moves between the paid plans, or the skipped note."""
    lang = a.lang
    if a.migration is None:
        return note_text(PLANS_SKIPPED, lang)
    m = a.migration
    between = m[(m["from_state"] != m["to_state"]) & (m["from_state"] != CANCELLED)
                & (m["to_state"] != CANCELLED)]
    returns = int(m.loc[m["from_state"] == CANCELLED, "customers"].sum())
    if between.empty:
        text = lang.gettext(
            "No customer moved from one plan to another from one month to the next.")
    else:
        top = between.sort_values("customers", ascending=False).head(3)
        moves = lang.join([
            lang.gettext("{source} → {target} ({n})").format(
                source=lang.data(r.from_state), target=lang.data(r.to_state),
                n=_n(lang, r.customers))
            for r in top.itertuples()
        ])
        total = int(between["customers"].sum())
        text = lang.ngettext(
            "{n} month-to-month move between plans: {moves}.",
            "{n} month-to-month moves between plans; the most common: {moves}.", total,
        ).format(n=_n(lang, total), moves=moves)
    if returns:
        text += " " + lang.ngettext(
            "{n} time a customer came back after a month or more without charges.",
            "{n} times a customer came back after a month or more without charges.", returns,
        ).format(n=_n(lang, returns))
    return text


def funnel_markdown(a: SubscriptionsAnalysis) -> str:
    """The funnel's rule and the trial conversion, or the skipped note."""
    lang = a.lang
    if a.funnel is None:
        note = next((n for n in a.notes if n in (EVENTS_SKIPPED, FUNNEL_SKIPPED)), EVENTS_SKIPPED)
        return note_text(note, lang)
    overall = a.funnel_overall()
    firstn, lastn = overall.iloc[0], overall.iloc[-1]
    days = int(a.parameters.get("funnel_window_days", 0))
    parts = [
        lang.ngettext(
            "Each step counts the people who reached it within {n} day of reaching the step "
            "before.",
            "Each step counts the people who reached it within {n} days of reaching the step "
            "before.", days,
        ).format(n=_n(lang, days)),
        lang.gettext("{share} of those with a {first} reached {last}.").format(
            share=_p(lang, lastn["overall"]), first=lang.data(firstn["step"]),
            last=lang.data(lastn["step"])),
        funnel_sentence(a.trial_conversion(), lang),
    ]
    if NO_CHANNEL in a.notes:
        parts.append(note_text(NO_CHANNEL, lang))
    missing = overall.loc[overall["with_event"] == 0, "step"].tolist()
    parts += [escape(step_missing_note(s, lang)) for s in missing]
    return " ".join(p for p in parts if p)


def nps_markdown(nps: dict[str, Any] | None, lang: Language | None = None) -> str:
    """NPS with its interval and method, or the skipped note."""
    lang = lang_of(lang)
    if nps is None:
        return note_text(NPS_SKIPPED, lang)
    return nps_sentence(nps, lang) + " " + lang.gettext(
        "The interval is the {method} method: 3 is added to the answers and ¾ to the promoters "
        "and detractors before the usual normal interval, which keeps its coverage honest for "
        "small surveys."
    ).format(method=escape(lang.gettext(INTERVAL_METHOD)))


def engagement_markdown(a: SubscriptionsAnalysis) -> str:
    """DAU/MAU with its window stated, or the skipped note."""
    lang = a.lang
    if a.activity is None:
        note = next((n for n in a.notes if n in (EVENTS_SKIPPED, NO_ACTIVITY)), EVENTS_SKIPPED)
        return note_text(note, lang)
    return lang.gettext(
        "DAU counts the customers active on a day and MAU those active in the {window} days "
        "ending that day; funnel steps are not activity."
    ).format(window=_n(lang, MAU_WINDOW_DAYS)) + " " + engagement_sentence(a.stickiness(), lang)
