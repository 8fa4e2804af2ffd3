"""The subscriptions report's section texts: what each section of the notebook says.

One function per section (``data_markdown``, ``movements_markdown``, ...), each taking the
:class:`~growthkit.subscriptions.SubscriptionsAnalysis` and returning Markdown in its language:
the section's rule, its sentences (from :mod:`growthkit.subscriptions.narrative`) and its notes
(codes rendered with ``Note.text``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from growthkit.formatting import escape
from growthkit.i18n import Language
from growthkit.subscriptions.engagement import DEFAULT_STEPS, MAU_WINDOW_DAYS
from growthkit.subscriptions.labels import group_plain, month_name, words
from growthkit.subscriptions.messages import (
    EVENTS_SKIPPED,
    NPS_SKIPPED,
    fixed,
    nps_duplicates,
    step_missing,
)
from growthkit.subscriptions.migration import CANCELLED
from growthkit.subscriptions.mrr import months_without_payers
from growthkit.subscriptions.narrative import (
    crc_sentence,
    engagement_sentence,
    funnel_sentence,
    money,
    note_markdown,
    notes_markdown,
    nps_sentence,
    number,
    percent,
    plans_sentence,
    retention_sentence,
    value_sentence,
)
from growthkit.subscriptions.nps import INTERVAL_METHOD
from growthkit.subscriptions.retention import unfitted_note

if TYPE_CHECKING:
    from growthkit.subscriptions.analysis import SubscriptionsAnalysis

__all__ = [
    "data_markdown",
    "engagement_markdown",
    "funnel_markdown",
    "migration_markdown",
    "movements_markdown",
    "nps_markdown",
    "rates_markdown",
    "sbg_markdown",
    "snapshot_data_markdown",
    "snapshot_headline",
    "snapshot_summary",
    "snapshot_value_markdown",
    "value_markdown",
]


def rule_names(lang: Language) -> dict[str, str]:
    """How each billing rule of :data:`growthkit.subscriptions.periods.RULES` reads."""
    _ = lang.gettext
    return {
        "week": _("weekly"), "four_weeks": _("every four weeks"),
        "thirty_days": _("every 30 days"), "month": _("monthly"), "quarter": _("quarterly"),
        "year": _("yearly"), "single_charge": _("one charge, taken as monthly"),
        "irregular": _("irregular, taken as monthly"),
        "months_covered": _("months covered as given"), "period_end": _("period end as given"),
    }


def billing_sentence(billing: dict[str, int], lang: Language) -> str:
    """Customers per billing rule: where each charge's service period came from."""
    if not billing:
        return ""
    names = rule_names(lang)
    parts = [lang.gettext("{rule}: {n}").format(rule=names.get(rule, rule), n=number(lang, n))
             for rule, n in billing.items()]
    return lang.gettext(
        "MRR at each month end counts the service periods active on its last day, each "
        "charge's amount normalised to a month (365.25 / 12 days); customers by where their "
        "periods came from: {rules}."
    ).format(rules=lang.join(parts))


def first_note(a: SubscriptionsAnalysis, codes: tuple[str, ...], lang: Language) -> str:
    """The first of ``a``'s notes with one of ``codes`` (the first code's note when none)."""
    shown = notes_markdown(a.notes, codes, lang)
    return shown[0] if shown else note_markdown(fixed(EVENTS_SKIPPED), lang)


# ----------------------------------------------------------------------------- sections


def data_markdown(a: SubscriptionsAnalysis) -> str:
    """What went in, how the months are counted, and data quality."""
    lang, o, cur = a.lang, a.overview, a.currency
    text = [
        lang.ngettext(
            "{charges} charges from {n} customer ID, {first} to {last}, {revenue} in total; the "
            "report covers {months} complete months, {first_month} to {last_month}.",
            "{charges} charges from {n} customer IDs, {first} to {last}, {revenue} in total; the "
            "report covers {months} complete months, {first_month} to {last_month}.",
            o["customers"],
        ).format(charges=number(lang, o["charges"]), n=number(lang, o["customers"]),
                 first=lang.date(o["first_day"]), last=lang.date(o["last_day"]),
                 revenue=money(lang, o["revenue"], cur), months=number(lang, a.months.months),
                 first_month=month_name(a.months.first, lang),
                 last_month=month_name(a.months.last, lang))
    ]
    paying = o.get("paying_customers")
    if paying is not None and paying != o["customers"]:
        text[0] += " " + lang.ngettext(
            "{paying} of them paid at least once; the other {signups} had only charges of 0 "
            "(trial sign-ups that did not pay): in this report \"customers\" are paying ones.",
            "{paying} of them paid at least once; the other {signups} had only charges of 0 "
            "(trial sign-ups that did not pay): in this report \"customers\" are paying ones.",
            paying,
        ).format(paying=number(lang, paying), signups=number(lang, o["customers"] - paying))
    text += notes_markdown(
        a.notes, ("partial_month_left_out", "monthly_data", "months_without_payers"), lang)
    if o["zero_amount_charges"]:
        text.append(lang.ngettext(
            "{n} charge is for 0 (such as a trial or a free month): it carries no MRR, and a "
            "customer whose month holds only such charges is not paying that month.",
            "{n} charges are for 0 (such as trials or free months): they carry no MRR, and a "
            "customer whose month holds only such charges is not paying that month.",
            o["zero_amount_charges"],
        ).format(n=number(lang, o["zero_amount_charges"])))
    if o["refunds"]:
        text.append(lang.ngettext(
            "{n} refund or credit ({amount}): with a period of its own it lowers MRR over that "
            "period; without one it reduces its customer's latest paid period from its date to "
            "that period's end, pro rata, and a refund of the unused part cancels the period "
            "that day (churn in that month; nothing comes back).",
            "{n} refunds or credits ({amount}): one with a period of its own lowers MRR over "
            "that period; one without reduces its customer's latest paid period from its date "
            "to that period's end, pro rata, and a refund of the unused part cancels the period "
            "that day (churn in that month; nothing comes back).", o["refunds"],
        ).format(n=number(lang, o["refunds"]), amount=money(lang, abs(o["refund_total"]), cur)))
    text.append(billing_sentence(a.billing, lang))
    text += notes_markdown(a.notes, ("billing_intervals_inferred",), lang)
    quality = a.data_quality
    dup = quality.duplicate_rows if quality is not None else None
    if dup:
        text.append(lang.ngettext(
            "{n} row repeats another row exactly; it was kept (remove it if the data were "
            "loaded twice).",
            "{n} rows repeat another row exactly; they were kept (remove them if the data were "
            "loaded twice).", dup,
        ).format(n=number(lang, dup)))
    excluded = quality.excluded_orders if quality is not None else 0
    if excluded:
        text.append(lang.ngettext(
            "{n} charge dated in the future or far after the others was left out.",
            "{n} charges dated in the future or far after the others were left out.", excluded,
        ).format(n=number(lang, excluded)))
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
    ).format(month=month_name(f["month"], lang), mrr=money(lang, f["mrr"], a.currency),
             n=number(lang, f["customers"]))
    empty = months_without_payers(a.movements)
    if empty:
        text += " " + lang.ngettext(
            "{n} month has no paid charge at all ({months}): every payer of the month before "
            "shows as churn.",
            "{n} months have no paid charge at all ({months}): every payer of the month before "
            "shows as churn.", len(empty),
        ).format(n=number(lang, len(empty)),
                 months=lang.join([month_name(m, lang) for m in empty]))
    return text


def rates_markdown(a: SubscriptionsAnalysis) -> str:
    """The window, the reactivation rule, and the retention sentence."""
    lang, w = a.lang, a.window
    include = a.settings.include_reactivation
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
        ).format(share=percent(lang, w["reactivation_rate"], 2))
    span = lang.ngettext(
        "Rates are monthly, over customers paying at the start of each month, and the figures "
        "below are over the month {first}.",
        "Rates are monthly, over customers paying at the start of each month, and the figures "
        "below are over the {n} months {first} to {last}, each month weighted by its starting "
        "MRR.", int(w["months"]),
    ).format(n=number(lang, w["months"]), first=month_name(w["first"], lang),
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
    ).format(arpa=money(lang, v["arpa"], a.currency), churn=percent(lang, v["churn"]),
             n=number(lang, a.window["months"]))
    parts = [text, value_sentence(v, a.currency, lang)]
    parts += notes_markdown(a.notes, ("gross_margin_default", "cac_skipped"), lang)
    return " ".join(parts)


def crc_markdown(a: SubscriptionsAnalysis) -> str:
    """The customer retention cost against ARPA and CAC, with its rule, or the skipped note."""
    lang = a.lang
    if a.crc is None:
        return " ".join(notes_markdown(a.notes, ("crc_skipped", "crc_no_retention"), lang))
    parts = [crc_sentence(a.crc, a.currency, lang), lang.gettext(
        "Retention spend is the `spend_data` rows typed `retention` and acquisition spend the "
        "others; a retained customer-month is a customer paying at the end of a month and of "
        "the month before; each customer's channel is that of their first event.")]
    parts += notes_markdown(a.notes, ("crc_blended",), lang)
    return " ".join(p for p in parts if p)


def sbg_markdown(a: SubscriptionsAnalysis) -> str:
    """What the retention model says, and the groups it could not fit."""
    lang = a.lang
    parts = [plans_sentence(a.sbg_table(), lang, a.level)]
    for f in a.sbg_fits:
        if f.model is not None and f.model.homogeneous:
            parts.append(lang.gettext(
                "Churn on {plan} does not vary measurably from one subscriber to the next: the "
                "model reduces to a constant {churn} a month."
            ).format(plan=lang.data(group_plain(f.name, lang)),
                     churn=percent(lang, f.model.mean_churn)))
    by_plan = a.settings.plan_col is not None
    parts += [note_markdown(unfitted_note(f, by_plan), lang)
              for f in a.sbg_fits if f.model is None]
    text = " ".join(p for p in parts if p)
    return text or lang.gettext("The retention model could not be fitted on these data.")


def migration_markdown(a: SubscriptionsAnalysis) -> str:
    """Moves between the paid plans, or the skipped note."""
    lang = a.lang
    if a.migration is None:
        return " ".join(notes_markdown(a.notes, ("plans_skipped",), lang))
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
                n=number(lang, r.customers))
            for r in top.itertuples()
        ])
        total = int(between["customers"].sum())
        text = lang.ngettext(
            "{n} month-to-month move between plans: {moves}.",
            "{n} month-to-month moves between plans; the most common: {moves}.", total,
        ).format(n=number(lang, total), moves=moves)
    if returns:
        text += " " + lang.ngettext(
            "{n} time a customer came back after a month or more without charges.",
            "{n} times a customer came back after a month or more without charges.", returns,
        ).format(n=number(lang, returns))
    return text


def funnel_markdown(a: SubscriptionsAnalysis) -> str:
    """The funnel's rule and the trial conversion, or the skipped note."""
    lang = a.lang
    if a.funnel is None:
        return first_note(a, ("events_skipped", "funnel_skipped"), lang)
    overall = a.funnel_overall()
    firstn, lastn = overall.iloc[0], overall.iloc[-1]
    days = a.settings.funnel_window_days
    parts = [
        lang.ngettext(
            "Each step counts the people who reached it within {n} day of reaching the step "
            "before.",
            "Each step counts the people who reached it within {n} days of reaching the step "
            "before.", days,
        ).format(n=number(lang, days)),
        lang.gettext("{share} of those with a {first} reached {last}.").format(
            share=percent(lang, lastn["overall"]), first=lang.data(firstn["step"]),
            last=lang.data(lastn["step"])),
        funnel_sentence(a.trial_conversion(), lang),
    ]
    parts += notes_markdown(a.notes, ("no_channel", "future_events"), lang)
    missing = overall.loc[overall["with_event"] == 0, "step"].tolist()
    parts += [note_markdown(step_missing(s), lang) for s in missing]
    return " ".join(p for p in parts if p)


def nps_markdown(nps: dict[str, Any] | None, lang: Language | None = None) -> str:
    """NPS with its interval and method, or the skipped note."""
    lang = words(lang)
    if nps is None:
        return note_markdown(fixed(NPS_SKIPPED), lang)
    text = nps_sentence(nps, lang) + " " + lang.gettext(
        "The interval is the {method} one: the NPS values a score test does not reject, which "
        "always contains the observed NPS and keeps its coverage honest for small surveys."
    ).format(method=escape(lang.gettext(INTERVAL_METHOD)))
    if nps.get("duplicates"):
        text += " " + note_markdown(nps_duplicates(nps["duplicates"], nps["key"]), lang)
    return text


def engagement_markdown(a: SubscriptionsAnalysis) -> str:
    """DAU/MAU with its window stated, or the skipped note."""
    lang = a.lang
    if a.activity is None:
        return first_note(a, ("events_skipped", "no_activity"), lang)
    chosen = a.settings.activity_events
    if chosen is None:
        rule = lang.gettext(
            "DAU counts the customers active on a day and MAU those active in the {window} days "
            "ending that day; activity is every event but the standard funnel steps ({steps})."
        ).format(window=number(lang, MAU_WINDOW_DAYS),
                 steps=", ".join(lang.data(s) for s in DEFAULT_STEPS))
    else:
        rule = lang.gettext(
            "DAU counts the customers active on a day and MAU those active in the {window} days "
            "ending that day; activity is the events named in activity_events ({steps})."
        ).format(window=number(lang, MAU_WINDOW_DAYS),
                 steps=", ".join(lang.data(s) for s in chosen))
    parts = [rule, engagement_sentence(a.stickiness(), lang)]
    if a.funnel is None:
        parts += notes_markdown(a.notes, ("future_events",), lang)
    return " ".join(p for p in parts if p)


# ----------------------------------------------------------------------------- snapshot


def snapshot_summary(a: Any) -> str:
    """The snapshot report's summary: customers, churn and LTV by plan, retention."""
    lang, cur = a.lang, a.currency
    v = a.by_plan
    overall = v.iloc[-1]
    text = [lang.ngettext(
        "{n} customer in the snapshot, {churned} of them churned; monthly churn is {churn} "
        "(churned customers over the months customers were observed).",
        "{n} customers in the snapshot, {churned} of them churned; monthly churn is {churn} "
        "(churned customers over the months customers were observed).", int(overall.customers),
    ).format(n=number(lang, overall.customers), churned=number(lang, overall.churned),
             churn=percent(lang, overall.churn))]
    plans = v[v["group"] != v["group"].iloc[-1]] if len(v) > 1 else v.iloc[0:0]
    plans = plans[plans["ltv"].notna()]
    if len(plans) >= 2:
        best = plans.loc[plans["ltv"].idxmax()]
        worst = plans.loc[plans["ltv"].idxmin()]
        text.append(lang.gettext(
            "{best} customers are worth most ({best_ltv} LTV at {best_churn} monthly churn), "
            "{worst} customers least ({worst_ltv} at {worst_churn}): keeping {worst} customers "
            "longer is where value is lost."
        ).format(best=lang.data(best.group), best_ltv=money(lang, best.ltv, cur),
                 best_churn=percent(lang, best.churn), worst=lang.data(worst.group),
                 worst_ltv=money(lang, worst.ltv, cur), worst_churn=percent(lang, worst.churn)))
    retention = plans_sentence(a.sbg_table(), lang, a.level)
    return "\n\n".join(p for p in (" ".join(text), retention,
                                     " ".join(notes_markdown(a.notes, (
                                         "snapshot_movements_skipped",), lang))) if p)


def snapshot_headline(a: Any) -> dict[str, str]:
    """Label -> value for the landing page: customers, churn, LTV."""
    lang = a.lang
    overall = a.by_plan.iloc[-1]
    return {
        lang.gettext("Customers"): lang.number(overall.customers),
        lang.gettext("Logo churn (monthly)"): lang.percent(overall.churn),
        lang.gettext("LTV"): lang.money(overall.ltv, a.currency),
    }


def snapshot_data_markdown(a: Any) -> str:
    """What went in: a snapshot, its columns, and what is skipped."""
    lang, s = a.lang, a.settings
    return lang.gettext(
        "A customer snapshot of {n} customers: tenure from {tenure}, churn from {churned}; "
        "a churned customer left in their last month, an active one is still paying (their "
        "lifetime is censored at their tenure)."
    ).format(n=number(lang, a.customers), tenure=f"`{s.tenure_col}`",
             churned=f"`{s.churned_col}`")


def snapshot_value_markdown(a: Any) -> str:
    """How churn, ARPA and LTV by plan are made, and the skipped parts."""
    lang = a.lang
    text = lang.gettext(
        "Monthly churn is churned customers over the months customers were observed (their "
        "tenures summed); ARPA is the mean monthly charge of active customers; LTV = ARPA × "
        "gross margin / churn. The discounted expected lifetime counts the payments a new "
        "customer is expected to make, discounted; the DERL those an active customer at the "
        "plan's median tenure has still to make."
    )
    parts = [text, *notes_markdown(a.notes, ("gross_margin_default", "cac_skipped"), lang)]
    return " ".join(parts)
